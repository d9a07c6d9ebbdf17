import type { Argv } from 'yargs';
import { InvalidInputError } from '../../core/errors.js';
import { commandLinePositional, commandLineWords, commandWord } from '../arguments.js';
import { SYSTEM_WIDE, commandNames, systemHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { installedVersions } from '../version.js';

export const help = systemHandler({
  name: 'help [command]',
  description: 'show help for ahriman or one of its commands',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) => argv.positional('command', { type: 'string', describe: 'command to show help for' }),
  async run(context, args) {
    if (args.command !== undefined && !context.cli.isCommand(args.command)) {
      throw new InvalidInputError(`unknown command ${JSON.stringify(args.command)}: see ahriman --help`);
    }
    await context.cli.printHelp(args.command ? [args.command, '--help'] : ['--help']);
  },
});

export const helpVersion = systemHandler({
  name: 'help-version',
  aliases: ['version'],
  description: 'print the versions of ahriman, node and the installed dependencies',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) => argv.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const versions = installedVersions();
    if (args.json) printJson(context.output, versions);
    else print(context.output, Object.entries(versions).map(([name, version]) => `${name} ${version}`).join('\n'));
  },
});

/**
 * The commands the reference calls "unsafe": they skip the check that the owner of the repository root runs them,
 * so any user may. With no argument, their names and aliases; given a command line, exit 1 when its command is one
 * of them and 0 when it is "safe" (as the reference, for sudo rules and wrappers).
 */
export const helpCommandsUnsafe = systemHandler({
  name: 'help-commands-unsafe [command..]',
  description: 'list the commands any user may run (no repository owner check), or check a command line (exit 1 if it is one)',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) => commandLinePositional(argv, 'command line to check (after "--" when it has options)'),
  async run(context, args) {
    const unsafe = (await context.cli.handlers()).filter((handler) => handler.mode.unsafe).flatMap(commandNames).sort();
    const words = commandLineWords(args);
    if (words.length === 0) {
      print(context.output, unsafe.join('\n'));
      return 0;
    }
    const command = commandWord(words);
    if (command === undefined || !context.cli.isCommand(command)) {
      throw new InvalidInputError(`no command in ${JSON.stringify(words.join(' '))}: see ahriman --help`);
    }
    return unsafe.includes(command) ? 1 : 0;
  },
});
