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
export function commandLinePositional<T>(argv: Argv<T>, describe: string) {
  return argv.positional('command', { type: 'string', array: true, default: [], describe });
}

export function commandLineWords(args: { command: string[]; _: Array<string | number> }): string[] {
  return [...args.command, ...args._.slice(1)].map(String);
}

/** Global options followed by a value: their values are not the command word. */
const VALUE_OPTIONS = new Set(['-a', '--architecture', '-r', '--repository', '--repository-id', '-c', '--configuration', '-l', '--lock', '--log-handler', '--log-level', '--wait-timeout']);

/** The first word of a command line that is not a global option or its value: the command the user meant. */
export function commandWord(rawArguments: readonly string[]): string | undefined {
  for (let index = 0; index < rawArguments.length; index += 1) {
    const word = rawArguments[index]!;
    if (word === '--') return rawArguments[index + 1];
    if (VALUE_OPTIONS.has(word)) index += 1;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}
