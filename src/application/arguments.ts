import type { Argv } from 'yargs';

/** Repeatable options arrive as a string when given once and as an array when given several times. */
export function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * A `[command..]` positional holding a command line; yargs puts the words after `--` (needed when they start with an
 * option) into `_`, after the name of the command itself.
 */
export interface CommandLineArguments {
  command: string[];
  _: Array<string | number>;
}

export function commandLinePositional(argv: Argv, describe: string): Argv<CommandLineArguments> {
  return argv.positional('command', { type: 'string', array: true, default: [], describe }) as unknown as Argv<CommandLineArguments>;
}

export function commandLineWords(args: CommandLineArguments): string[] {
  return [...args.command, ...args._.slice(1)].map(String);
}
