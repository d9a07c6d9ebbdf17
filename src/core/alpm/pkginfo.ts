import type { PackageInfo } from '../../models/package-metadata.js';
import { InvalidInputError, errorMessage } from '../errors.js';
import { validateArchitecture, validateFullVersion, validatePackageName } from './validation.js';

type TextField = 'name' | 'base' | 'version' | 'description' | 'url' | 'architecture' | 'packager';
type NumberField = 'buildDate' | 'installedSize';
type ListField = {
  [K in keyof PackageInfo]: PackageInfo[K] extends string[] ? K : never;
}[keyof PackageInfo];

/** `.PKGINFO` keys as makepkg writes them; keys not listed here are ignored, as pacman does. */
const KEYS: Readonly<
  Record<string, { text: TextField } | { number: NumberField } | { list: ListField }>
> = {
  pkgname: { text: 'name' },
  pkgbase: { text: 'base' },
  pkgver: { text: 'version' },
  pkgdesc: { text: 'description' },
  url: { text: 'url' },
  builddate: { number: 'buildDate' },
  packager: { text: 'packager' },
  size: { number: 'installedSize' },
  arch: { text: 'architecture' },
  license: { list: 'licenses' },
  replaces: { list: 'replaces' },
  group: { list: 'groups' },
  conflict: { list: 'conflicts' },
  provides: { list: 'provides' },
  backup: { list: 'backup' },
  depend: { list: 'depends' },
  optdepend: { list: 'optDepends' },
  makedepend: { list: 'makeDepends' },
  checkdepend: { list: 'checkDepends' },
  xdata: { list: 'xdata' },
};
const REQUIRED_KEYS: ReadonlyArray<readonly [string, TextField]> = [
  ['pkgname', 'name'],
  ['pkgver', 'version'],
  ['arch', 'architecture'],
];

/** `key = value`; an editor may have dropped the space after `=` of an empty value. */
const LINE_PATTERN = /^([A-Za-z0-9_]+) =(?: (.*))?$/;
/** What repo-add treats as whitespace ([[:space:]] in the C locale). */
const WHITESPACE_RUNS = /[ \t\n\v\f\r]+/g;

/** One `key = value` line of a makepkg metadata file; `where` names the file and line for errors. */
export interface KeyValueLine {
  key: string;
  value: string;
  where: string;
}

/**
 * The `key = value` lines of a makepkg metadata file (`.PKGINFO`, `.BUILDINFO`), skipping blank lines and `#`
 * comments; values are normalised like repo-add does. Throws {@link InvalidInputError} on a malformed line.
 */
export function parseKeyValueLines(text: string, source: string): KeyValueLine[] {
  const lines: KeyValueLine[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    const where = `${source}: line ${index + 1}`;
    const match = LINE_PATTERN.exec(line);
    if (!match) throw new InvalidInputError(`${where}: expected 'key = value', got '${line}'`);
    lines.push({ key: match[1]!, value: (match[2] ?? '').replace(WHITESPACE_RUNS, ' ').trim(), where });
  });
  return lines;
}

/**
 * Parses the text of a `.PKGINFO` file: `key = value` lines, `#` comments, repeated keys for lists. Values are
 * normalised like repo-add does. `source` names the file in errors. Throws {@link InvalidInputError} on a malformed
 * line, a repeated single-valued key, a bad number, a missing pkgname, pkgver or arch, and a name, version or
 * architecture that breaks pacman's rules.
 */
export function parsePkginfo(text: string, source: string): PackageInfo {
  const info: PackageInfo = {
    name: '',
    base: '',
    version: '',
    description: '',
    url: '',
    architecture: '',
    buildDate: 0,
    packager: '',
    installedSize: 0,
    licenses: [],
    groups: [],
    provides: [],
    depends: [],
    optDepends: [],
    makeDepends: [],
    checkDepends: [],
    conflicts: [],
    replaces: [],
    backup: [],
    xdata: [],
  };
  const seen = new Set<string>();

  for (const { key, value, where } of parseKeyValueLines(text, source)) {
    const field = KEYS[key];
    if (field === undefined) continue;

    if ('list' in field) {
      info[field.list].push(value);
      continue;
    }
    if (seen.has(key)) throw new InvalidInputError(`${where}: '${key}' appears more than once`);
    seen.add(key);
    if ('text' in field) {
      info[field.text] = value;
    } else {
      if (!/^[0-9]+$/.test(value)) throw new InvalidInputError(`${where}: '${key}' must be a number, got '${value}'`);
      info[field.number] = Number(value);
    }
  }

  for (const [key, field] of REQUIRED_KEYS) {
    if (info[field] === '') {
      throw new InvalidInputError(`${source}: missing or empty '${key}'`);
    }
  }
  info.base ||= info.name;
  try {
    validatePackageName(info.name);
    validatePackageName(info.base, 'package base');
    validateFullVersion(info.version);
    validateArchitecture(info.architecture);
  } catch (error) {
    throw new InvalidInputError(`${source}: ${errorMessage(error)}`, { cause: error });
  }
  return info;
}
