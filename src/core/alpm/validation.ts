/**
 * Package names, versions, architectures and package file names checked against makepkg's rules
 * (`/usr/share/makepkg/lint_pkgbuild/*.sh`), so that nothing that pacman would refuse, and nothing that could
 * escape a directory or confuse a log, ever reaches a path.
 *
 * Beyond makepkg: names and file names longer than 255 characters are refused (they are path components: a longer one
 * cannot exist on disk), so are control characters in versions, and a package's full version must have a pkgrel.
 */
import { InvalidInputError } from '../errors.js';

/** The longest file name Linux file systems accept (NAME_MAX), in bytes. */
export const MAX_FILE_NAME_LENGTH = 255;

/** The extensions makepkg can write (PKGEXT): `.pkg.tar` optionally followed by a compression suffix. */
const PACKAGE_EXTENSION_PREFIX = '.pkg.tar';
const COMPRESSIONS = ['gz', 'bz2', 'xz', 'zst', 'lrz', 'lzo', 'Z', 'lz4', 'lz'];
const COMPRESSION_SUFFIXES = new Set(['', ...COMPRESSIONS.map((compression) => `.${compression}`)]);

/** Named like a package archive; its detached signature (`.sig`) only with `signatures`. */
const PACKAGE_FILE = /\.pkg\.tar(\.[A-Za-z0-9]+)?$/;
const PACKAGE_FILE_OR_SIGNATURE = /\.pkg\.tar(\.[A-Za-z0-9]+)?(\.sig)?$/;

const PKGREL_PATTERN = /^[0-9]+(\.[0-9]+)?$/;
const EPOCH_PATTERN = /^[0-9]*$/;
const QUOTED_VALUE_LIMIT = 100;

/** A package file name split into its parts: `<name>-<version>-<architecture><extension>`. */
export interface PackageFileName {
  name: string;
  /** The full version, `[epoch:]pkgver-pkgrel`. */
  version: string;
  architecture: string;
  /** `.pkg.tar` plus the compression suffix, e.g. `.pkg.tar.zst`. */
  extension: string;
}

/** Control characters that JSON.stringify leaves as they are: DEL, the C1 range and the Unicode line separators. */
const UNESCAPED_CONTROL_CHARACTERS = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * The value as it goes into an error message: quoted, with every control character escaped (a hostile value cannot
 * break or colour a log line), and cut when long.
 */
function quote(value: string): string {
  const shown = value.length > QUOTED_VALUE_LIMIT ? `${value.slice(0, QUOTED_VALUE_LIMIT)}…` : value;
  return JSON.stringify(shown).replace(
    UNESCAPED_CONTROL_CHARACTERS,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function fail(what: string, value: string, problem: string): never {
  throw new InvalidInputError(`invalid ${what} ${quote(value)}: ${problem}`);
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isAscii(value: string): boolean {
  for (let index = 0; index < value.length; index++) if (value.charCodeAt(index) > 0x7f) return false;
  return true;
}

/**
 * Each distinct character of `value` that `allowed` refuses, in order of appearance. A valid value (nearly every one)
 * is scanned by UTF-16 code unit without allocating: every predicate here gives a surrogate the verdict it gives the
 * code point the surrogate belongs to, so a value passes that scan exactly when all its code points pass.
 */
function disallowedCharacters(value: string, allowed: (codePoint: number) => boolean): string[] {
  let index = 0;
  while (index < value.length && allowed(value.charCodeAt(index))) index++;
  if (index === value.length) return [];
  const found = new Set<string>();
  for (const character of value) if (!allowed(character.codePointAt(0)!)) found.add(character);
  return [...found];
}

function listCharacters(characters: readonly string[]): string {
  return characters.map(quote).join(', ');
}

function isPackageNameCode(code: number): boolean {
  // '+', '-', '.', '@', '_'
  return isAsciiAlphanumeric(code) || code === 0x2b || code === 0x2d || code === 0x2e || code === 0x40 || code === 0x5f;
}

/** The rule a package name breaks, or undefined when it is valid. */
function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.startsWith('-')) return 'must not start with a hyphen';
  if (name.startsWith('.')) return 'must not start with a dot';
  if (name.length > MAX_FILE_NAME_LENGTH) return `must not be longer than ${MAX_FILE_NAME_LENGTH} characters`;
  const invalid = disallowedCharacters(name, isPackageNameCode);
  if (invalid.length > 0) {
    return `may contain only ASCII letters, digits and "@._+-", not ${listCharacters(invalid)}`;
  }
  return undefined;
}

function isPkgverCode(code: number): boolean {
  // not '-', '/' or ':', and no control character (which includes whitespace other than the space)
  return code > 0x20 && code !== 0x2d && code !== 0x2f && code !== 0x3a && code !== 0x7f;
}

function pkgverProblem(pkgver: string): string | undefined {
  if (pkgver.length === 0) return 'must not be empty';
  const invalid = disallowedCharacters(pkgver, isPkgverCode);
  if (invalid.length > 0) {
    const found = listCharacters(invalid);
    return `must not contain colons, slashes, hyphens, whitespace or control characters, found ${found}`;
  }
  if (!isAscii(pkgver)) return 'may only contain ASCII characters';
  return undefined;
}

function pkgrelProblem(pkgrel: string): string | undefined {
  if (pkgrel.length === 0) return 'must not be empty';
  if (!PKGREL_PATTERN.test(pkgrel)) return "must be of the form 'integer[.integer]'";
  return undefined;
}

function epochProblem(epoch: string): string | undefined {
  return EPOCH_PATTERN.test(epoch) ? undefined : 'must be an integer';
}

/** A part of a composite value, with the function that finds the rule it breaks. */
type Part = readonly [part: string, value: string, problemOf: (value: string) => string | undefined];

/** The rule the first invalid part breaks, phrased with the part's name and value. */
function partsProblem(parts: readonly Part[]): string | undefined {
  for (const [part, value, problemOf] of parts) {
    const problem = problemOf(value);
    if (problem !== undefined) return `its ${part} ${quote(value)} ${problem}`;
  }
  return undefined;
}

/** Splits like makepkg's `check_fullpkgver`: the epoch before the first colon, the pkgrel after the last hyphen. */
function fullVersionProblem(version: string): string | undefined {
  const colon = version.indexOf(':');
  const rest = version.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return "must be of the form '[epoch:]pkgver-pkgrel'";
  const epoch: Part[] = colon < 0 ? [] : [['epoch', version.slice(0, colon), epochProblem]];
  return partsProblem([
    ...epoch,
    ['pkgver', rest.slice(0, dash), pkgverProblem],
    ['pkgrel', rest.slice(dash + 1), pkgrelProblem],
  ]);
}

function isArchitectureCode(code: number): boolean {
  return isAsciiAlphanumeric(code) || code === 0x5f; // '_'
}

function architectureProblem(architecture: string): string | undefined {
  if (architecture.length === 0) return 'must not be empty';
  const invalid = disallowedCharacters(architecture, isArchitectureCode);
  if (invalid.length > 0) return `may contain only ASCII letters, digits and "_", not ${listCharacters(invalid)}`;
  return undefined;
}

function check(what: string, value: string, problemOf: (value: string) => string | undefined): string {
  const problem = problemOf(value);
  if (problem !== undefined) fail(what, value, problem);
  return value;
}

/** Whether `name` is a valid pkgname/pkgbase (see {@link validatePackageName}). */
export function isValidPackageName(name: string): boolean {
  return packageNameProblem(name) === undefined;
}

/**
 * A pkgname or pkgbase: not empty, at most 255 characters, only ASCII letters, digits and `@._+-`, and not starting
 * with `-` or `.`. `what` names the value in the error, e.g. "package base" or "dependency".
 */
export function validatePackageName(name: string, what = 'package name'): string {
  return check(what, name, packageNameProblem);
}

/** A pkgver: not empty, ASCII, without `:`, `/`, `-`, whitespace or control characters. */
export function validatePkgver(pkgver: string): string {
  return check('pkgver', pkgver, pkgverProblem);
}

/** A pkgrel: `integer[.integer]`, e.g. `1` or `2.1`. */
export function validatePkgrel(pkgrel: string): string {
  return check('pkgrel', pkgrel, pkgrelProblem);
}

/** An epoch: digits only; empty means none, as in a PKGBUILD without `epoch=`. */
export function validateEpoch(epoch: string): string {
  return check('epoch', epoch, epochProblem);
}

/** Whether `version` is a full package version (see {@link validateFullVersion}). */
export function isValidFullVersion(version: string): boolean {
  return fullVersionProblem(version) === undefined;
}

/**
 * A full package version `[epoch:]pkgver-pkgrel`. Unlike a dependency's version constraint, a package's version must
 * have a pkgrel.
 */
export function validateFullVersion(version: string): string {
  return check('version', version, fullVersionProblem);
}

/** An architecture name such as `x86_64` or `any`: ASCII letters, digits and `_` (makepkg's `arch` rule). */
export function validateArchitecture(architecture: string): string {
  return check('architecture', architecture, architectureProblem);
}

/**
 * Whether a file is named like a package archive (`.pkg.tar` with any compression suffix), the one test of every
 * directory scan; logs and other files are not. With `signatures`, a package's `.sig` counts too.
 */
export function isPackageFileName(name: string, { signatures = false } = {}): boolean {
  return (signatures ? PACKAGE_FILE_OR_SIGNATURE : PACKAGE_FILE).test(name);
}

/**
 * Splits a package file name such as `foo-debug-1:2.0-1-x86_64.pkg.tar.zst` into name, version, architecture and
 * extension, and checks every part. Version and architecture cannot contain hyphens, so the last three hyphens
 * separate the parts and the name keeps any hyphens of its own.
 */
export function parsePackageFileName(file: string): PackageFileName {
  const what = 'package file name';
  if (file.length > MAX_FILE_NAME_LENGTH) {
    fail(what, file, `must not be longer than ${MAX_FILE_NAME_LENGTH} characters`);
  }
  if (file.includes('/')) fail(what, file, 'must be a file name, not a path');

  const extensionStart = file.lastIndexOf(PACKAGE_EXTENSION_PREFIX);
  const compression = extensionStart < 0 ? undefined : file.slice(extensionStart + PACKAGE_EXTENSION_PREFIX.length);
  if (compression === undefined || !COMPRESSION_SUFFIXES.has(compression)) {
    fail(what, file, `must end with ${PACKAGE_EXTENSION_PREFIX} or ${PACKAGE_EXTENSION_PREFIX}.{${COMPRESSIONS.join(',')}}`);
  }

  const pieces = file.slice(0, extensionStart).split('-');
  if (pieces.length < 4) {
    fail(what, file, 'must be of the form <name>-[<epoch>:]<pkgver>-<pkgrel>-<architecture>.pkg.tar[.<compression>]');
  }
  const architecture = pieces.pop()!;
  const pkgrel = pieces.pop()!;
  const epochAndPkgver = pieces.pop()!;
  const name = pieces.join('-');
  const version = `${epochAndPkgver}-${pkgrel}`;

  const problem =
    partsProblem([['name', name, packageNameProblem]]) ??
    fullVersionProblem(version) ??
    partsProblem([['architecture', architecture, architectureProblem]]);
  if (problem !== undefined) fail(what, file, problem);
  return { name, version, architecture, extension: file.slice(extensionStart) };
}
