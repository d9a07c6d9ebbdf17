/**
 * The ini dialect of ahriman configuration files (Python `RawConfigParser(strict=False)` as the reference uses it)
 * and the syntax of the values it holds:
 *
 * - `[section]` headers; a section declared twice (in one file or in several) is merged.
 * - `key = value` or `key: value`; keys are case-insensitive (stored lower-cased), section names are not.
 * - `#` and `;` start a comment only at the beginning of a line (no inline comments: `a = b ; c` keeps `b ; c`).
 * - A line indented deeper than its option line continues the value (joined with a newline). An empty line or a
 *   comment ends the value.
 * - `key[] = v` appends `v` to the current value (space-separated, so a list read later holds both), `key[] =` resets
 *   it, a plain `key = v` replaces it. Appends work across files in the order the files are read.
 * - An empty value means "unset": readers fall back to the default. It is kept (not deleted) so that an empty value
 *   in an override section or an environment override still replaces a value set earlier.
 */
import { ConfigurationError } from '../errors.js';

/** One line (plus its continuation lines) of an ini file, in file order. */
export type IniStatement =
  | { kind: 'section'; section: string; line: number }
  | { kind: 'option'; section: string; key: string; append: boolean; value: string; line: number };

const SECTION_HEADER = /^\[(.+)\]/;
const OPTION_LINE = /^(.*?)\s*[=:]\s*(.*)$/;
const COMMENT_PREFIXES = ['#', ';'];

/** Splits an option name into its lower-cased key and whether it is the `key[]` (append) form. */
export function parseOptionName(name: string): { key: string; append: boolean } {
  const lowered = name.trim().toLowerCase();
  const append = lowered.endsWith('[]');
  const key = append ? lowered.slice(0, -2) : lowered;
  if (key.length === 0 || key.includes('[') || key.includes(']')) {
    throw new ConfigurationError(`invalid option name '${name}'`);
  }
  return { key, append };
}

/** Parses ini text into statements. `source` (usually the file name) prefixes every error as `source:line`. */
export function parseIni(text: string, source: string): IniStatement[] {
  const statements: IniStatement[] = [];
  let section: string | undefined;
  // the option that continuation lines extend, with the indentation of its first line
  let current: { statement: Extract<IniStatement, { kind: 'option' }>; indent: number } | undefined;

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const fail = (reason: string): never => {
      throw new ConfigurationError(`${source}:${lineNumber}: ${reason}`);
    };
    const content = line.trim();
    if (content.length === 0 || COMMENT_PREFIXES.some((prefix) => content.startsWith(prefix))) {
      current = undefined;
      return;
    }

    const indent = line.length - line.trimStart().length;
    if (current !== undefined && indent > current.indent) {
      current.statement.value = current.statement.value.length > 0 ? `${current.statement.value}\n${content}` : content;
      return;
    }
    current = undefined;

    const header = SECTION_HEADER.exec(content);
    if (header !== null) {
      section = header[1]!.trim();
      if (section.length === 0) fail('empty section name');
      statements.push({ kind: 'section', section, line: lineNumber });
      return;
    }
    const option = OPTION_LINE.exec(content);
    if (option === null) return fail(`expected '[section]' or 'key = value', got '${content}'`);
    if (section === undefined) return fail(`option '${option[1]}' appears before any [section] header`);
    if (option[1]!.length === 0) return fail(`missing option name before '${content[0]}'`);

    let name: { key: string; append: boolean };
    try {
      name = parseOptionName(option[1]!);
    } catch (error) {
      return fail((error as Error).message);
    }
    const statement = { kind: 'option' as const, section, ...name, value: option[2]!, line: lineNumber };
    statements.push(statement);
    current = { statement, indent };
  });
  return statements;
}

/** Raw (not interpolated) options by section, in the order they were first declared. */
export class IniStore {
  private readonly data = new Map<string, Map<string, string>>();

  apply(statements: readonly IniStatement[]): void {
    for (const statement of statements) {
      if (statement.kind === 'section') this.addSection(statement.section);
      else this.assign(statement.section, statement.key, statement.value, statement.append);
    }
  }

  addSection(section: string): Map<string, string> {
    let options = this.data.get(section);
    if (options === undefined) {
      options = new Map();
      this.data.set(section, options);
    }
    return options;
  }

  /** Sets (or, with `append`, extends) an option; an empty value with `append` resets the list. */
  assign(section: string, key: string, value: string, append = false): void {
    const options = this.addSection(section);
    const previous = options.get(key);
    const extend = append && value.length > 0 && previous !== undefined && previous.length > 0;
    options.set(key, extend ? `${previous} ${value}` : value);
  }

  get(section: string, key: string): string | undefined {
    return this.data.get(section)?.get(key);
  }

  hasSection(section: string): boolean {
    return this.data.has(section);
  }

  sections(): string[] {
    return [...this.data.keys()];
  }

  entries(section: string): [string, string][] {
    return [...(this.data.get(section) ?? [])];
  }

  removeSection(section: string): void {
    this.data.delete(section);
  }
}

// Value syntax. One parser per type, shared by the typed getters and the schemas. Each throws a ConfigurationError
// that says what was expected (without the value: callers add section, key and value, masking secrets).

const BOOLEAN_WORDS: Record<string, boolean> = { '1': true, yes: true, true: true, on: true, '0': false, no: false, false: false, off: false };

export function parseBoolean(text: string): boolean {
  const value = BOOLEAN_WORDS[text.trim().toLowerCase()];
  if (value === undefined) throw new ConfigurationError('expected a boolean (yes/no, true/false, on/off, 1/0)');
  return value;
}

export function parseInteger(text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^[+-]?\d+$/.test(trimmed) || !Number.isSafeInteger(value)) throw new ConfigurationError('expected an integer');
  return value;
}

export function parseNumber(text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) throw new ConfigurationError('expected a number');
  return Number(trimmed);
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * Splits a value into words like Python's `shlex.split` (POSIX mode, no comments): whitespace separates words,
 * `'...'` keeps everything literally, `"..."` keeps everything but `\"` and `\\`, a backslash outside quotes escapes
 * the next character, and `''` is an empty word.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false; // distinguishes an empty quoted word from no word
  let quote: "'" | '"' | undefined;

  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      const next = text[index + 1];
      if (char === '"') quote = undefined;
      else if (char === '\\' && (next === '"' || next === '\\')) word += text[++index];
      else word += char;
    } else if (WHITESPACE.has(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (char === "'" || char === '"') quote = char;
      else if (char !== '\\') word += char;
      else if (index + 1 < text.length) word += text[++index];
      else throw new ConfigurationError('expected a list of words: nothing follows the final backslash');
    }
  }
  if (quote !== undefined) throw new ConfigurationError(`expected a list of words: no closing quotation (${quote})`);
  if (inWord) words.push(word);
  return words;
}
