import type { Argv } from 'yargs';
import { SYSTEM_WIDE, type SystemHandler, print, printJson } from '../handler.js';
import { installedVersions } from '../version.js';

export const help: SystemHandler<{ command?: string }> = {
  name: 'help [command]',
  description: 'show help for ahriman or one of its commands',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) => argv.positional('command', { type: 'string', describe: 'command to show help for' }) as Argv<{ command?: string }>,
  async run(context, args) {
    await context.cli.printHelp(args.command ? [args.command, '--help'] : ['--help']);
  },
};

export const helpVersion: SystemHandler = {
  name: 'help-version',
  aliases: ['version'],
  description: 'print the versions of ahriman, node and the installed dependencies',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) => argv.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(_context, args) {
    const versions = installedVersions();
    if (args.json) printJson(versions);
    else print(Object.entries(versions).map(([name, version]) => `${name} ${version}`).join('\n'));
  },
};

interface UnsafeArguments {
  command: string[];
}

function commandNames(handler: { name: string; aliases?: string[] }): string[] {
  return [handler.name.split(' ')[0] ?? handler.name, ...(handler.aliases ?? [])];
}

/**
 * Commands that change a repository must be run by the owner of the repository root; this lists them, or, given a
 * command line, exits 1 when it would run such a command (for sudo rules and wrappers).
 */
export const helpCommandsUnsafe: SystemHandler<UnsafeArguments> = {
  name: 'help-commands-unsafe [command..]',
  description: 'list commands that only the owner of the repository may run, or check a command line (exit 1 if it is one)',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv.positional('command', { type: 'string', array: true, default: [], describe: 'command line to check' }) as Argv<UnsafeArguments>,
  async run(context, args) {
    const unsafe = (await context.cli.handlers()).filter((handler) => !handler.mode.unsafe);
    if (args.command.length === 0) {
      print(unsafe.map((handler) => commandNames(handler)[0]).sort().join('\n'));
      return 0;
    }
    const names = new Set(unsafe.flatMap(commandNames));
    return args.command.some((word) => names.has(word)) ? 1 : 0;
  },
};
