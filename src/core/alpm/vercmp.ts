/**
 * Package version comparison with exactly the semantics of libalpm's `alpm_pkg_vercmp` (what `vercmp` and pacman use).
 *
 * A full version is `[epoch:]pkgver[-pkgrel]`. Each part is compared with rpm's segment rules: a version is a run of
 * alphabetic or numeric segments between separators (anything not an ASCII letter or digit). Numbers compare by value
 * as digit strings (any length), letters compare like `strcmp`, a numeric segment beats an alphabetic one, and a
 * longer separator run wins. libalpm sees UTF-8 bytes, so a separator's length is counted in UTF-8 bytes here too.
 *
 * This runs for every package on every update check, so the segments are walked by character code in place: no
 * regular expressions, no arrays of segments.
 */

export type Ordering = -1 | 0 | 1;

/** A full version split the way libalpm splits it. */
export interface VersionParts {
  /** The digits before the first `:` ("0" when there is none, as libalpm assumes). */
  epoch: string;
  pkgver: string;
  /** What follows the last `-`, or undefined when the version has no release. */
  pkgrel: string | undefined;
}

const CODE_0 = 0x30;
const CODE_9 = 0x39;
const CODE_UPPER_A = 0x41;
const CODE_UPPER_Z = 0x5a;
const CODE_LOWER_A = 0x61;
const CODE_LOWER_Z = 0x7a;
const CODE_COLON = 0x3a;

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

/** ASCII letters only: libalpm's `isalpha` runs in the C locale. */
function isAlpha(code: number): boolean {
  return (code >= CODE_UPPER_A && code <= CODE_UPPER_Z) || (code >= CODE_LOWER_A && code <= CODE_LOWER_Z);
}

function isAlphanumeric(code: number): boolean {
  return isDigit(code) || isAlpha(code);
}

/**
 * How many UTF-8 bytes a UTF-16 code unit stands for in a well-formed string: each half of a surrogate pair counts for
 * two of the pair's four.
 */
function utf8ByteLength(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 2;
  return 3;
}

/**
 * Splits `[epoch:]pkgver[-pkgrel]` like libalpm's `parseEVR`: the epoch is the leading digits when a `:` follows them,
 * the release is whatever follows the last `-` after those digits. Accepts anything, as libalpm does; use
 * `validateFullVersion` to check a version against makepkg's rules.
 */
export function parseVersion(full: string): VersionParts {
  let digitsEnd = 0;
  while (digitsEnd < full.length && isDigit(full.charCodeAt(digitsEnd))) digitsEnd++;

  const releaseDash = full.lastIndexOf('-');
  const hasRelease = releaseDash >= digitsEnd;
  const hasEpoch = full.charCodeAt(digitsEnd) === CODE_COLON;
  const pkgverStart = hasEpoch ? digitsEnd + 1 : 0;

  return {
    epoch: hasEpoch && digitsEnd > 0 ? full.slice(0, digitsEnd) : '0',
    pkgver: full.slice(pkgverStart, hasRelease ? releaseDash : full.length),
    pkgrel: hasRelease ? full.slice(releaseDash + 1) : undefined,
  };
}

/**
 * Joins the parts into the canonical full version, as makepkg writes it into `.PKGINFO` and file names: the epoch
 * only when it is greater than zero, the release only when there is one.
 */
export function formatVersion({ epoch, pkgver, pkgrel }: Partial<VersionParts> & { pkgver: string }): string {
  const prefix = epoch !== undefined && hasNonZeroDigit(epoch) ? `${epoch}:` : '';
  const suffix = pkgrel === undefined ? '' : `-${pkgrel}`;
  return `${prefix}${pkgver}${suffix}`;
}

function hasNonZeroDigit(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code > CODE_0 && code <= CODE_9) return true;
  }
  return false;
}

/**
 * Compares two full versions: -1 when `a` is older than `b`, 1 when it is newer, 0 when pacman considers them equal
 * (e.g. `1.0` and `1.0-1`: a missing release matches any release; `0:1.0` and `1.0`; `1.0` and `1_0`).
 */
export function vercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  const left = parseVersion(a);
  const right = parseVersion(b);
  const byEpoch = compareSegments(left.epoch, right.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byPkgver = compareSegments(left.pkgver, right.pkgver);
  if (byPkgver !== 0 || left.pkgrel === undefined || right.pkgrel === undefined) return byPkgver;
  return compareSegments(left.pkgrel, right.pkgrel);
}

/** rpm's `rpmvercmp` on one part of a version (epoch, pkgver or pkgrel). */
function compareSegments(a: string, b: string): Ordering {
  if (a === b) return 0;
  const lengthA = a.length;
  const lengthB = b.length;
  // `one` and `two` are where the not yet compared rest of each string starts.
  let one = 0;
  let two = 0;

  while (one < lengthA && two < lengthB) {
    let separatorBytesA = 0;
    let separatorBytesB = 0;
    while (one < lengthA && !isAlphanumeric(a.charCodeAt(one))) separatorBytesA += utf8ByteLength(a.charCodeAt(one++));
    while (two < lengthB && !isAlphanumeric(b.charCodeAt(two))) separatorBytesB += utf8ByteLength(b.charCodeAt(two++));
    if (one === lengthA || two === lengthB) break;
    if (separatorBytesA !== separatorBytesB) return separatorBytesA < separatorBytesB ? -1 : 1;

    // The segment's kind is decided by `a`; `b`'s segment of that kind may be empty.
    const numeric = isDigit(a.charCodeAt(one));
    let endA = one + 1;
    let endB = two;
    if (numeric) {
      while (endA < lengthA && isDigit(a.charCodeAt(endA))) endA++;
      while (endB < lengthB && isDigit(b.charCodeAt(endB))) endB++;
    } else {
      while (endA < lengthA && isAlpha(a.charCodeAt(endA))) endA++;
      while (endB < lengthB && isAlpha(b.charCodeAt(endB))) endB++;
    }

    // Different kinds: a number is always newer than letters.
    if (endB === two) return numeric ? 1 : -1;

    if (numeric) {
      while (one < endA && a.charCodeAt(one) === CODE_0) one++;
      while (two < endB && b.charCodeAt(two) === CODE_0) two++;
      const digitsA = endA - one;
      const digitsB = endB - two;
      if (digitsA !== digitsB) return digitsA > digitsB ? 1 : -1;
    }
    const bySegment = compareRanges(a, one, endA, b, two, endB);
    if (bySegment !== 0) return bySegment;
    one = endA;
    two = endB;
  }

  const restA = one < lengthA;
  const restB = two < lengthB;
  if (!restA && !restB) return 0;
  // Only one side has something left. It loses when that starts with a letter (`1.0a` < `1.0`) and wins
  // otherwise (`1.0.1` > `1.0`, even `1.0.` > `1.0`).
  if ((!restA && !isAlpha(b.charCodeAt(two))) || (restA && isAlpha(a.charCodeAt(one)))) return -1;
  return 1;
}

/** `strcmp` of `a[startA, endA)` and `b[startB, endB)`, both plain ASCII. */
function compareRanges(a: string, startA: number, endA: number, b: string, startB: number, endB: number): Ordering {
  const lengthA = endA - startA;
  const lengthB = endB - startB;
  const common = lengthA < lengthB ? lengthA : lengthB;
  for (let offset = 0; offset < common; offset++) {
    const codeA = a.charCodeAt(startA + offset);
    const codeB = b.charCodeAt(startB + offset);
    if (codeA !== codeB) return codeA < codeB ? -1 : 1;
  }
  if (lengthA === lengthB) return 0;
  return lengthA < lengthB ? -1 : 1;
}
