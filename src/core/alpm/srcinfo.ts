/**
 * Reader of `.SRCINFO`, the static description of a PKGBUILD that `makepkg --printsrcinfo` writes: a `pkgbase`
 * section followed by one section per `pkgname`, each line `key = value` (indented inside a section), repeated keys
 * for arrays. Architecture-specific arrays keep their suffix (`depends_x86_64`) until resolved for one architecture.
 */
import { readFile } from 'node:fs/promises';
import type { PackageLists } from '../../models/package-fields.js';
import { InvalidInputError, errorMessage } from '../errors.js';
import {
  validateArchitecture,
  validateEpoch,
  validatePackageName,
  validatePkgrel,
  validatePkgver,
} from './validation.js';

/** Field name (with its `_<arch>` suffix, if any) -> values in file order. */
export type SrcinfoFields = ReadonlyMap<string, readonly string[]>;

export interface SrcinfoSection {
  /** The pkgbase or pkgname this section opens with. */
  name: string;
  /** Fields set in this section only. A field present with no values was cleared (`depends = ` in the file). */
  fields: SrcinfoFields;
}

export interface Srcinfo {
  base: SrcinfoSection;
  packages: SrcinfoSection[];
  epoch: string | undefined;
  pkgver: string;
  pkgrel: string;
  /** Full version `[epoch:]pkgver-pkgrel`, the epoch left out when absent or 0 (as makepkg does). */
  version: string;
}

/** A package of the PKGBUILD with every field resolved for one architecture. */
export interface SrcinfoPackage extends PackageLists {
  name: string;
  base: string;
  version: string;
  description: string;
  url: string;
  architectures: string[];
  backup: string[];
  sources: string[];
}

/** Arrays that may have `_<arch>` variants, which add to the plain array on that architecture. */
const ARCH_SPECIFIC_FIELDS = new Set([
  'source',
  'provides',
  'conflicts',
  'depends',
  'replaces',
  'optdepends',
  'makedepends',
  'checkdepends',
  'cksums',
  'md5sums',
  'sha1sums',
  'sha224sums',
  'sha256sums',
  'sha384sums',
  'sha512sums',
  'b2sums',
]);
const SINGLE_VALUED_FIELDS = new Set(['pkgdesc', 'pkgver', 'pkgrel', 'epoch', 'url', 'install', 'changelog']);
/** The version belongs to the pkgbase: makepkg does not let a package function change it. */
const BASE_ONLY_FIELDS = new Set(['pkgver', 'pkgrel', 'epoch']);

/** Fields whose values must follow pacman's rules before they are used in versions and paths. */
const VALIDATORS: Readonly<Record<string, (value: string) => string>> = {
  pkgver: validatePkgver,
  pkgrel: validatePkgrel,
  epoch: validateEpoch,
  arch: validateArchitecture,
};

/** `key = value`; hand-edited files may have more blanks before `=` (makepkg's readers accept them, so do we). */
const LINE_PATTERN = /^([A-Za-z0-9_]+)[ \t]*=(?:[ \t](.*))?$/;

/**
 * Parses `.SRCINFO` text; `source` names the file in errors. Throws {@link InvalidInputError} with the line number
 * on a malformed line, a field before the pkgbase line, a second pkgbase, a repeated pkgname or single-valued field,
 * a version field in a package section, a name, version or architecture that breaks pacman's rules, and when
 * pkgver, pkgrel or any pkgname section is missing.
 */
export function parseSrcinfo(text: string, source: string): Srcinfo {
  let base: MutableSection | undefined;
  let baseLine = 0;
  const packages: MutableSection[] = [];
  let current: MutableSection | undefined;

  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${source}: line ${index + 1}`;
    const match = LINE_PATTERN.exec(line);
    if (!match) throw new InvalidInputError(`${where}: expected 'key = value', got '${line}'`);
    const key = match[1]!;
    const value = match[2] ?? '';

    if (key === 'pkgbase') {
      if (base !== undefined) throw new InvalidInputError(`${where}: second pkgbase section`);
      current = base = newSection(value, 'package base', where);
      baseLine = index + 1;
    } else if (key === 'pkgname') {
      if (base === undefined) throw new InvalidInputError(`${where}: pkgname section before the pkgbase section`);
      if (packages.some((section) => section.name === value)) {
        throw new InvalidInputError(`${where}: second section for pkgname '${value}'`);
      }
      current = newSection(value, 'package name', where);
      packages.push(current);
    } else {
      if (current === undefined) throw new InvalidInputError(`${where}: '${key}' before the pkgbase section`);
      if (current !== base && BASE_ONLY_FIELDS.has(key)) {
        throw new InvalidInputError(`${where}: '${key}' is only allowed in the pkgbase section`);
      }
      addValue(current, key, value, where);
    }
  }

  if (base === undefined) throw new InvalidInputError(`${source}: no pkgbase section`);
  const atBase = `${source}: line ${baseLine}`;
  if (packages.length === 0) throw new InvalidInputError(`${atBase}: pkgbase '${base.name}' has no pkgname section`);
  const baseFields = base.fields;
  const single = (key: string): string | undefined => baseFields.get(key)?.[0];
  const pkgver = single('pkgver');
  const pkgrel = single('pkgrel');
  if (!pkgver) throw new InvalidInputError(`${atBase}: the pkgbase section has no pkgver`);
  if (!pkgrel) throw new InvalidInputError(`${atBase}: the pkgbase section has no pkgrel`);
  const epoch = single('epoch') || undefined;
  const version = epoch !== undefined && Number(epoch) !== 0 ? `${epoch}:${pkgver}-${pkgrel}` : `${pkgver}-${pkgrel}`;
  return { base, packages, epoch, pkgver, pkgrel, version };
}

/** Reads and parses a `.SRCINFO` file. */
export async function readSrcinfo(file: string): Promise<Srcinfo> {
  return parseSrcinfo(await readFile(file, 'utf8'), file);
}

/**
 * The fields of one package as makepkg builds it: every field of the pkgbase section, replaced by the package
 * section's value where that section sets the same field (an empty value clears it). Fields with an architecture
 * suffix are inherited one by one, like any other field.
 */
export function packageFields(srcinfo: Srcinfo, pkgname: string): SrcinfoFields {
  const section = srcinfo.packages.find((candidate) => candidate.name === pkgname);
  if (section === undefined) {
    throw new InvalidInputError(`package '${pkgname}' is not built by pkgbase '${srcinfo.base.name}'`);
  }
  return new Map([...srcinfo.base.fields, ...section.fields]);
}

/**
 * Resolves architecture-specific fields: `depends` on x86_64 is `depends` followed by `depends_x86_64`. Fields of
 * other architectures are dropped.
 */
export function fieldsForArchitecture(fields: SrcinfoFields, architecture: string): SrcinfoFields {
  const resolved = new Map<string, readonly string[]>();
  for (const [key, values] of fields) {
    if (!isArchitectureVariant(key)) resolved.set(key, values);
  }
  for (const field of ARCH_SPECIFIC_FIELDS) {
    const specific = fields.get(`${field}_${architecture}`);
    if (specific !== undefined) resolved.set(field, [...(resolved.get(field) ?? []), ...specific]);
  }
  return resolved;
}

/** One package of the PKGBUILD with inheritance and architecture-specific fields resolved. */
export function resolvePackage(srcinfo: Srcinfo, pkgname: string, architecture: string): SrcinfoPackage {
  const fields = fieldsForArchitecture(packageFields(srcinfo, pkgname), architecture);
  const list = (key: string): string[] => [...(fields.get(key) ?? [])];
  const text = (key: string): string => fields.get(key)?.[0] ?? '';
  return {
    name: pkgname,
    base: srcinfo.base.name,
    version: srcinfo.version,
    description: text('pkgdesc'),
    url: text('url'),
    architectures: list('arch'),
    licenses: list('license'),
    groups: list('groups'),
    depends: list('depends'),
    makeDepends: list('makedepends'),
    checkDepends: list('checkdepends'),
    optDepends: list('optdepends'),
    provides: list('provides'),
    conflicts: list('conflicts'),
    replaces: list('replaces'),
    backup: list('backup'),
    sources: list('source'),
  };
}

interface MutableSection {
  name: string;
  fields: Map<string, string[]>;
}

function newSection(name: string, what: string, where: string): MutableSection {
  checkAt(where, () => validatePackageName(name, what));
  return { name, fields: new Map() };
}

function addValue(section: MutableSection, key: string, value: string, where: string): void {
  const validate = VALIDATORS[key];
  if (validate !== undefined && value !== '') checkAt(where, () => validate(value));
  const values = section.fields.get(key);
  if (values === undefined) {
    section.fields.set(key, value === '' ? [] : [value]);
    return;
  }
  if (SINGLE_VALUED_FIELDS.has(key)) throw new InvalidInputError(`${where}: '${key}' appears more than once`);
  if (value !== '') values.push(value);
}

/** Runs a validator, putting the file and line in front of its message. */
function checkAt(where: string, validate: () => void): void {
  try {
    validate();
  } catch (error) {
    throw new InvalidInputError(`${where}: ${errorMessage(error)}`, { cause: error });
  }
}

function isArchitectureVariant(key: string): boolean {
  for (const field of ARCH_SPECIFIC_FIELDS) if (key.startsWith(`${field}_`)) return true;
  return false;
}
