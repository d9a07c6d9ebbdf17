import type { Argv } from 'yargs';
import { splitWords } from '../../core/configuration/ini.js';
import { InvalidInputError } from '../../core/errors.js';
import { SYSTEM_WIDE, type SystemHandler } from '../handler.js';

interface RunArguments {
  command: string[];
  /** Command lines after `--` (those starting with an option) land here, after this command's name. */
  _: Array<string | number>;
}

/** Runs several ahriman command lines one after the other, stopping at the first that fails (its exit code). */
export const serviceRun: SystemHandler<RunArguments> = {
  name: 'service-run [command..]',
  aliases: ['run'],
  description: 'run several quoted ahriman command lines in order, stopping at the first failure',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv.positional('command', {
      type: 'string',
      array: true,
      default: [],
      describe: 'command lines, each quoted as one argument, e.g. "repo-update" "repo-report" (after "--" when one starts with an option)',
    }) as unknown as Argv<RunArguments>,
  async run(_context, args) {
    const { runCli } = await import('../cli.js');
    const commands = [...args.command, ...args._.slice(1)].map(String);
    if (commands.length === 0) throw new InvalidInputError('no command line to run: see ahriman service-run --help');
    for (const command of commands) {
      const code = await runCli(splitWords(command));
      if (code !== 0) return code;
    }
    return 0;
  },
};
