import type { Argv } from 'yargs';
import { splitWords } from '../../core/configuration/ini.js';
import { InvalidInputError } from '../../core/errors.js';
import { commandLinePositional, commandLineWords } from '../arguments.js';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';

/** Runs several ahriman command lines one after the other, stopping at the first that fails (its exit code). */
export const serviceRun = systemHandler({
  name: 'service-run [command..]',
  aliases: ['run'],
  description: 'run several quoted ahriman command lines in order, stopping at the first failure',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    commandLinePositional(argv, 'command lines, each quoted as one argument, e.g. "repo-update" "repo-report" (after "--" when one starts with an option)'),
  async run(context, args) {
    const commands = commandLineWords(args);
    if (commands.length === 0) throw new InvalidInputError('no command line to run: see ahriman service-run --help');
    for (const command of commands) {
      const code = await context.cli.run(splitWords(command));
      if (code !== 0) return code;
    }
    return 0;
  },
});
