import type { Argv } from 'yargs';
import { splitWords } from '../../core/configuration/ini.js';
import { SYSTEM_WIDE, type SystemHandler } from '../handler.js';

/** Runs several ahriman command lines one after the other, stopping at the first that fails (its exit code). */
export const serviceRun: SystemHandler<{ command: string[] }> = {
  name: 'service-run <command..>',
  aliases: ['run'],
  description: 'run several quoted ahriman command lines in order, stopping at the first failure',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv.positional('command', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'command lines, each quoted as one argument, e.g. "repo-update" "repo-report"',
    }) as unknown as Argv<{ command: string[] }>,
  async run(_context, args) {
    const { runCli } = await import('../cli.js');
    for (const command of args.command) {
      const code = await runCli(splitWords(String(command)));
      if (code !== 0) return code;
    }
    return 0;
  },
};
