/**
 * PKGBUILD patches (see {@link PkgbuildPatch}): making them from user input, and applying them to a build
 * directory. Variable and function patches are appended to the PKGBUILD, so they override what it defined before;
 * full diffs are applied with `git apply`.
 *
 * Values given as `KEY=VALUE` (the `-v` option, the web service's variables) are data, not code: the result is the
 * literal string, or the array bash would make of a `( … )` value, or the items of a JSON array, always quoted so
 * that no expansion or command substitution can run when makepkg sources the PKGBUILD.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { GitError, git } from '../git/git.js';
import { run } from '../process.js';
import type { PkgbuildPatch } from '../../models/patch.js';

/** Files that `patch-set-add` includes when they are new (modified tracked files are always included). */
export const DEFAULT_TRACKED_PATTERNS = ['*.diff', '*.patch'];

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** bash accepts these in function names; makepkg's `package_<pkgname>` needs the characters of package names. */
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.+@-]*$/;
/** Words made only of these need no quotes in bash (no expansion, no word splitting, no special meaning). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const SYNTAX_CHECK_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// Making patches

/** A word as bash reads it back unchanged: as it is when that is safe, else in single quotes. */
export function quoteShellWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The right-hand side of a PKGBUILD assignment for a literal string or array. */
export function serializeVariableValue(value: string | readonly string[]): string {
  return typeof value === 'string' ? quoteShellWord(value) : `(${value.map(quoteShellWord).join(' ')})`;
}

/** A patch setting a PKGBUILD variable to a literal string or array. */
export function variablePatch(key: string, value: string | readonly string[]): PkgbuildPatch {
  return { key: validateVariableName(key), value: serializeVariableValue(value) };
}

/**
 * Reads the value of a `KEY=VALUE` option: a `( … )` value is a shell array and becomes the words bash would make
 * of it (quotes and brace expansion honoured, anything that would run or read something refused), a `[ … ]` value
 * is a JSON array of strings, anything else is a literal string.
 */
export function parseVariableValue(value: string): string | string[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('(') && trimmed.endsWith(')')) return parseShellArray(trimmed.slice(1, -1));
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) return parseJsonArray(trimmed);
  return value;
}

/** The patch for a `KEY=VALUE` option (see {@link parseVariableValue}). */
export function parseVariableAssignment(assignment: string): PkgbuildPatch {
  const separator = assignment.indexOf('=');
  if (separator <= 0) throw new InvalidInputError(`expected KEY=VALUE, got ${JSON.stringify(assignment)}`);
  return variablePatch(assignment.slice(0, separator), parseVariableValue(assignment.slice(separator + 1)));
}

/**
 * Whether `text` looks like one brace group from its first to its last character (`{ echo hi; }`, the form the
 * reference stores function bodies in). Only a guess: checkPatchSyntax asks bash whether it really is one group.
 */
function looksLikeBraceGroup(text: string): boolean {
  if (!text.startsWith('{') || !text.endsWith('}')) return false;
  let depth = 0;
  for (const [index, character] of [...text].entries()) {
    if (character === '{') depth += 1;
    else if (character === '}') depth -= 1;
    if (depth === 0) return index === text.length - 1;
  }
  return false;
}

/**
 * A patch replacing the function `name` (with or without the trailing `()`) by `body`. A body that is already one
 * brace group is kept as written; any other is wrapped in a group of its own. Text such as `{ a; }; b` must never
 * leave part of itself outside the function (to run whenever the PKGBUILD is sourced): checkPatchSyntax refuses it.
 */
export function functionPatch(name: string, body: string): PkgbuildPatch {
  const bare = name.endsWith('()') ? name.slice(0, -2) : name;
  if (!FUNCTION_NAME.test(bare)) throw new InvalidInputError(`${JSON.stringify(name)} is not a valid function name`);
  const trimmed = body.trim();
  return { key: `${bare}()`, value: looksLikeBraceGroup(trimmed) ? trimmed : `{\n${trimmed}\n}` };
}

/** The PKGBUILD text of a variable or function patch. */
export function serializePatch(patch: PkgbuildPatch): string {
  const { key, value } = patch;
  if (key === null) throw new InvalidInputError('a full-diff patch is applied with git, not written into the PKGBUILD');
  if (key.endsWith('()')) {
    if (!FUNCTION_NAME.test(key.slice(0, -2))) throw new InvalidInputError(`patch ${JSON.stringify(key)}: not a valid function name`);
    return `${key} ${value}`;
  }
  return `${validateVariableName(key)}=${value}`;
}

/**
 * Whether the function definition `definition` is one command, i.e. nothing of it would run when the PKGBUILD is
 * sourced. bash defines (never runs) an outer function around it and prints its normalised text: the inner
 * function's closing brace is followed by `;` exactly when more commands come after it.
 */
async function isSingleDefinition(definition: string): Promise<boolean> {
  const script = `__ahriman_check() {\n${definition}\n}\ndeclare -f __ahriman_check\n`;
  const result = await run('bash', ['--noprofile', '--norc'], { input: script, allowFailure: true, timeoutMs: SYNTAX_CHECK_TIMEOUT_MS });
  if (result.code !== 0) return false;
  const lines = result.stdout.trimEnd().split('\n');
  // lines: "__ahriman_check () ", "{ ", "    f () ", "    { ", ..., "    }", "}"; a following command shows as "    };"
  return lines.at(-2)?.trimEnd() === '    }' && !lines.some((line) => line.trimEnd() === '    };');
}

/**
 * Throws when a variable or function patch is not valid shell syntax (checked with `bash -n`, nothing runs), or when
 * a function patch would leave commands outside the function.
 */
export async function checkPatchSyntax(patch: PkgbuildPatch): Promise<void> {
  const definition = serializePatch(patch);
  const result = await run('bash', ['-n'], { input: `${definition}\n`, allowFailure: true, timeoutMs: SYNTAX_CHECK_TIMEOUT_MS });
  if (result.code !== 0) {
    throw new InvalidInputError(`patch of ${patch.key} is not valid shell syntax: ${result.stderr.trim().replace(/^bash: /, '')}`);
  }
  if (patch.key?.endsWith('()') && !(await isSingleDefinition(definition))) {
    throw new InvalidInputError(`patch of ${patch.key}: the body must be one brace group, but commands follow its closing brace`);
  }
}

/**
 * The unified diff of a modified PKGBUILD clone against its last commit, for `patch-set-add`: changes to tracked
 * files (staged or not) plus new files matching `trackedPatterns` (shell globs relative to `directory`, `**`
 * allowed), even ignored ones. The clone's own index is left as it was.
 */
export async function createDiffPatch(directory: string, trackedPatterns: readonly string[] = DEFAULT_TRACKED_PATTERNS): Promise<PkgbuildPatch> {
  await git(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: directory }).catch((error: unknown) => {
    if (!(error instanceof GitError)) throw error;
    throw new InvalidInputError(`${directory} is not a git clone with at least one commit${error.reason ? `: ${error.reason}` : ''}`);
  });

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-diff-'));
  try {
    const scratchGit = await scratchIndexGit(directory, path.join(scratch, 'index'));
    if (trackedPatterns.length > 0) {
      const pathspecs = trackedPatterns.map((pattern) => `:(glob)${pattern}`);
      const newFiles = (await scratchGit('ls-files', '-z', '--others', '--', ...pathspecs)).split('\0').filter(Boolean);
      if (newFiles.length > 0) await scratchGit('add', '--force', '--intent-to-add', '--', ...newFiles);
    }
    const diff = await scratchGit(
      'diff', 'HEAD', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', '--relative', '--src-prefix=a/', '--dst-prefix=b/',
    );
    if (diff.trim() === '') {
      const untracked = trackedPatterns.length > 0 ? ` and no new ${trackedPatterns.join(', ')}` : '';
      throw new InvalidInputError(`${directory} has no changes: no modified files${untracked}`);
    }
    return { key: null, value: diff };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Applying patches

/**
 * Applies patches to the build directory `directory`: full diffs first (in order, with `git apply`, whitespace
 * differences tolerated), then variable and function patches appended to the PKGBUILD in order (all of them checked
 * with `bash -n` before anything is changed). The `.SRCINFO` is removed when anything was applied, since it no longer describes the PKGBUILD.
 */
export async function applyPatches(directory: string, patches: readonly PkgbuildPatch[]): Promise<void> {
  if (patches.length === 0) return;
  const diffs = patches.filter((patch) => patch.key === null);
  const overrides = patches.filter((patch) => patch.key !== null);
  for (const patch of overrides) await checkPatchSyntax(patch);

  for (const [index, diff] of diffs.entries()) await applyDiff(directory, diff.value, `full-diff patch ${index + 1} of ${diffs.length}`);
  if (overrides.length > 0) {
    const pkgbuild = path.join(directory, 'PKGBUILD');
    const original = await fs.readFile(pkgbuild, 'utf8');
    const separator = original.endsWith('\n') || original === '' ? '' : '\n';
    const appended = overrides.map((patch) => `${serializePatch(patch)}\n`).join('');
    await fs.writeFile(pkgbuild, `${original}${separator}\n# Patches applied by ahriman\n${appended}`);
  }
  await fs.rm(path.join(directory, '.SRCINFO'), { force: true });
}

async function applyDiff(directory: string, diff: string, description: string): Promise<void> {
  // Without a ceiling, git would treat a build directory below some other work tree as part of it and apply the
  // paths relative to that tree's top.
  const ceiling = path.dirname(await fs.realpath(directory));
  const options = { cwd: directory, input: diff, env: { GIT_CEILING_DIRECTORIES: ceiling } };
  try {
    await git(['apply', '--ignore-space-change', '--ignore-whitespace', '--whitespace=nowarn'], options);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    const files = changedFiles(diff);
    const touching = files.length > 0 ? ` (changing ${files.join(', ')})` : '';
    throw new InvalidInputError(`${description}${touching} does not apply in ${directory}: ${error.reason}`);
  }
}

/** The files a unified diff changes, from its `+++ b/<file>` lines. */
function changedFiles(diff: string): string[] {
  const files = [...diff.matchAll(/^\+\+\+ (?:b\/)?(.+)$/gm)].map((match) => match[1]!.trim());
  return files.filter((file) => file !== '/dev/null');
}

/** A git runner for `directory` working on a copy of its index, so adding files leaves the user's index alone. */
async function scratchIndexGit(directory: string, indexCopy: string): Promise<(...args: string[]) => Promise<string>> {
  const indexPath = (await git(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: directory })).trim();
  await fs.copyFile(indexPath, indexCopy).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return (...args) => git(args, { cwd: directory, env: { GIT_INDEX_FILE: indexCopy } });
}

function validateVariableName(key: string): string {
  if (!VARIABLE_NAME.test(key)) {
    throw new InvalidInputError(`${JSON.stringify(key)} is not a valid PKGBUILD variable name (functions are patched with patch-add)`);
  }
  return key;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a `( … )` value the way bash reads the words of an array assignment

/** One character of a word. Only unquoted characters can take part in brace expansion. */
interface WordCharacter {
  text: string;
  unquoted: boolean;
}
/** A word before brace expansion. Quotes around nothing leave an empty quoted character, so `''` stays a word. */
type Word = WordCharacter[];

/** Unquoted characters that would make bash do more than read a word, and why they are refused. */
const UNQUOTED_REFUSALS = new Map([
  ['$', 'starts an expansion; put literal text in single quotes'],
  ['`', 'starts a command substitution; put literal text in single quotes'],
  ['~', 'would expand to a home directory; quote it'],
  ...[...'*?['].map((character) => [character, 'would be expanded as a file name pattern; quote it'] as const),
  ...[...';&|<>()'].map((character) => [character, 'is shell syntax; quote it'] as const),
]);
const WORD_SEPARATORS = new Set([' ', '\t', '\n']);
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);
const BRACE_SEQUENCE = /^(-?[0-9]+\.\.-?[0-9]+|[A-Za-z]\.\.[A-Za-z])(\.\.-?[0-9]+)?$/;

function parseShellArray(content: string): string[] {
  return splitWords(content)
    .flatMap(expandBraces)
    .filter((word) => word.length > 0) // bash drops words that brace expansion left empty, e.g. `{a,}`'s second
    .map((word) => word.map((character) => character.text).join(''));
}

function splitWords(content: string): Word[] {
  const fail = (message: string): never => {
    throw new InvalidInputError(`array value (${content}): ${message}`);
  };
  const words: Word[] = [];
  let current: Word | undefined;
  const word = (): Word => (current ??= []);

  for (let index = 0; index < content.length; index++) {
    const character = content[index]!;
    if (WORD_SEPARATORS.has(character)) {
      if (current) words.push(current);
      current = undefined;
    } else if (character === '#' && current === undefined) {
      const lineEnd = content.indexOf('\n', index);
      index = lineEnd === -1 ? content.length : lineEnd;
    } else if (character === "'") {
      const end = content.indexOf("'", index + 1);
      if (end === -1) fail('unterminated single quote');
      appendQuoted(word(), content.slice(index + 1, end));
      index = end;
    } else if (character === '"') {
      let text = '';
      for (index++; content[index] !== '"'; index++) {
        if (index >= content.length) fail('unterminated double quote');
        const inner = content[index]!;
        if (inner === '\\' && DOUBLE_QUOTE_ESCAPABLE.has(content[index + 1] ?? '')) {
          index++;
          if (content[index] !== '\n') text += content[index];
        } else if (inner === '$' || inner === '`') {
          fail(`'${inner}' inside double quotes ${UNQUOTED_REFUSALS.get(inner)}`);
        } else {
          text += inner;
        }
      }
      appendQuoted(word(), text);
    } else if (character === '\\') {
      index++;
      if (index >= content.length) fail('trailing backslash');
      if (content[index] !== '\n') word().push({ text: content[index]!, unquoted: false });
    } else if (UNQUOTED_REFUSALS.has(character)) {
      fail(`unquoted '${character}' ${UNQUOTED_REFUSALS.get(character)}`);
    } else {
      word().push({ text: character, unquoted: true });
    }
  }
  if (current) words.push(current);
  return words;
}

function appendQuoted(word: Word, text: string): void {
  if (text === '') word.push({ text: '', unquoted: false });
  for (const character of text) word.push({ text: character, unquoted: false });
}

/**
 * Brace expansion as bash does it: the first `{` with a matching `}` and a comma between them at its own level
 * splits the word into preamble, alternatives (each expanded in turn) and postscript (expanded too).
 */
function expandBraces(word: Word): Word[] {
  for (let open = 0; open < word.length; open++) {
    if (!isUnquoted(word[open], '{')) continue;
    const group = braceGroup(word, open);
    if (group === undefined) continue;
    const preamble = word.slice(0, open);
    const postscripts = expandBraces(word.slice(group.close + 1));
    return group.alternatives.flatMap((alternative) =>
      expandBraces(alternative).flatMap((expanded) => postscripts.map((postscript) => [...preamble, ...expanded, ...postscript])),
    );
  }
  return [word];
}

function braceGroup(word: Word, open: number): { alternatives: Word[]; close: number } | undefined {
  const commas: number[] = [];
  let depth = 0;
  for (let index = open; index < word.length; index++) {
    if (isUnquoted(word[index], '{')) depth++;
    else if (isUnquoted(word[index], '}')) depth--;
    else if (depth === 1 && isUnquoted(word[index], ',')) commas.push(index);
    if (depth > 0) continue;

    if (commas.length === 0) {
      const inner = word.slice(open + 1, index);
      const text = inner.map((character) => character.text).join('');
      if (inner.every((character) => character.unquoted) && BRACE_SEQUENCE.test(text)) {
        throw new InvalidInputError(`brace sequence {${text}} is not supported in variable values; list the items`);
      }
      return undefined;
    }
    const bounds = [open, ...commas, index];
    const alternatives = bounds.slice(1).map((end, position) => word.slice(bounds[position]! + 1, end));
    return { alternatives, close: index };
  }
  return undefined;
}

function isUnquoted(character: WordCharacter | undefined, text: string): boolean {
  return character !== undefined && character.unquoted && character.text === text;
}

function parseJsonArray(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`value ${text} looks like a JSON array but is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string' || typeof item === 'number')) {
    throw new InvalidInputError(`value ${text}: a JSON array value must hold only strings and numbers`);
  }
  return parsed.map(String);
}
