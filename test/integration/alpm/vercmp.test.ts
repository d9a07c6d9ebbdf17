import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVersion, parseVersion, vercmp, type Ordering } from '../../../src/core/alpm/vercmp.js';
import {
  binaryVercmp,
  binaryVercmpAll,
  NativeVercmp,
  type Sign,
  type VersionPair,
} from '../../support/native-vercmp.js';

/** [a, b, expected sign of vercmp(a, b)]; every case is also checked reversed. */
type Case = readonly [string, string, Ordering];

// The cases of pacman's own test list (test/util/vercmptest.sh).
const PACMAN_CASES: readonly Case[] = [
  // all similar length, no pkgrel
  ['1.5.0', '1.5.0', 0],
  ['1.5.1', '1.5.0', 1],
  // mixed length
  ['1.5.1', '1.5', 1],
  // with pkgrel, simple
  ['1.5.0-1', '1.5.0-1', 0],
  ['1.5.0-1', '1.5.0-2', -1],
  ['1.5.0-1', '1.5.1-1', -1],
  ['1.5.0-2', '1.5.1-1', -1],
  // with pkgrel, mixed lengths
  ['1.5-1', '1.5.1-1', -1],
  ['1.5-2', '1.5.1-1', -1],
  ['1.5-2', '1.5.1-2', -1],
  // mixed pkgrel inclusion: a missing release matches any release
  ['1.5', '1.5-1', 0],
  ['1.5-1', '1.5', 0],
  ['1.1-1', '1.1', 0],
  ['1.0-1', '1.1', -1],
  ['1.1-1', '1.0', 1],
  // alphanumeric versions
  ['1.5b-1', '1.5-1', -1],
  ['1.5b', '1.5', -1],
  ['1.5b-1', '1.5', -1],
  ['1.5b', '1.5.1', -1],
  // from the man page
  ['1.0a', '1.0alpha', -1],
  ['1.0alpha', '1.0b', -1],
  ['1.0b', '1.0beta', -1],
  ['1.0beta', '1.0rc', -1],
  ['1.0rc', '1.0', -1],
  // alpha-dotted versions
  ['1.5.a', '1.5', 1],
  ['1.5.b', '1.5.a', 1],
  ['1.5.1', '1.5.b', 1],
  // alpha dots and dashes
  ['1.5.b-1', '1.5.b', 0],
  ['1.5-1', '1.5.b', -1],
  // same or similar content, differing separators
  ['2.0', '2_0', 0],
  ['2.0_a', '2_0.a', 0],
  ['2.0a', '2.0.a', -1],
  ['2___a', '2_a', 1],
  // epochs
  ['0:1.0', '0:1.0', 0],
  ['0:1.0', '0:1.1', -1],
  ['1:1.0', '0:1.0', 1],
  ['1:1.0', '0:1.1', 1],
  ['1:1.0', '2:1.1', -1],
  // epochs with a release on one side
  ['1:1.0', '0:1.0-1', 1],
  ['1:1.0-1', '0:1.1-1', 1],
  // epoch on one side only
  ['0:1.0', '1.0', 0],
  ['0:1.0', '1.1', -1],
  ['0:1.1', '1.0', 1],
  ['1:1.0', '1.0', 1],
  ['1:1.0', '1.1', 1],
  ['1:1.1', '1.1', 1],
];

// Further corners of libalpm's rules.
const EXTRA_CASES: readonly Case[] = [
  ['1.0', '1.0.a', -1],
  ['1.0', '1.0.1', -1],
  ['1.0', '1.0.', -1],
  ['1.0.', '1.0..', 0],
  ['1.0a', '1.0', -1],
  ['1.0~rc1', '1.0', 1],
  ['1.0~rc1', '1.0.rc1', 0],
  ['1.0+2', '1.0.2', 0],
  ['1.0A', '1.0a', -1],
  ['a', '1', -1],
  ['1.a', '1.1', -1],
  // leading zeros are dropped before comparing numbers
  ['1.01', '1.1', 0],
  ['1.001', '1.1', 0],
  ['1.010', '1.10', 0],
  ['1.0', '1.00', 0],
  ['1.000', '1', 1],
  // numbers of any length, compared as digit strings (beyond 2^53)
  ['9007199254740993', '9007199254740992', 1],
  ['12345678901234567890123', '12345678901234567890124', -1],
  ['1.99999999999999999999', '1.100000000000000000000', -1],
  ['000000000000000000000000000001', '1', 0],
  // separators are compared by their length in UTF-8 bytes
  ['1.é2', '1...2', 0],
  ['1.é2', '1..2', 1],
  ['1€2', '1...2', 0],
  ['1😀2', '1....2', 0],
  ['1.é', '1..', 0],
  // empty strings and parts
  ['', '', 0],
  ['', 'a', 1],
  ['', '0', -1],
  ['', '1', -1],
  ['1.0-1', '1.0-', 1],
  ['1.0', '1.0-', 0],
  // epochs: digits before the first colon only, empty and zero-padded mean 0
  [':1.0', '1.0', 0],
  ['00:1.0', '1.0', 0],
  ['10:1.0', '9:2.0', 1],
  ['1:1.0', '1-2:3', 1],
  ['a:1.0', '1.0', -1],
  ['1:2:3', '1:2', 1],
  // releases: split at the last dash, may have dots
  ['1.0-1.1', '1.0-1', 1],
  ['1.0-1.1', '1.0-2', -1],
  ['1.0-1-2', '1.0-1-1', 1],
  ['1.0-1-2', '1.0-2', 1],
  ['1.0-rc1', '1.0-1', -1],
];

const negate = (sign: Ordering): Ordering => (sign === 0 ? 0 : sign === 1 ? -1 : 1);

let native: NativeVercmp;

beforeAll(async () => {
  native = await NativeVercmp.build();
});

afterAll(async () => {
  await native?.dispose();
});

describe('parseVersion', () => {
  it.each([
    ['1.0', { epoch: '0', pkgver: '1.0', pkgrel: undefined }],
    ['1.0-1', { epoch: '0', pkgver: '1.0', pkgrel: '1' }],
    ['2:1.0-1.1', { epoch: '2', pkgver: '1.0', pkgrel: '1.1' }],
    ['1:2:3-4', { epoch: '1', pkgver: '2:3', pkgrel: '4' }],
    [':1.0', { epoch: '0', pkgver: '1.0', pkgrel: undefined }],
    ['a:1.0', { epoch: '0', pkgver: 'a:1.0', pkgrel: undefined }],
    ['1-2:3', { epoch: '0', pkgver: '1', pkgrel: '2:3' }],
    ['1.0-1-2', { epoch: '0', pkgver: '1.0-1', pkgrel: '2' }],
    ['-1', { epoch: '0', pkgver: '', pkgrel: '1' }],
    ['3:-1', { epoch: '3', pkgver: '', pkgrel: '1' }],
    ['1.0-', { epoch: '0', pkgver: '1.0', pkgrel: '' }],
    ['', { epoch: '0', pkgver: '', pkgrel: undefined }],
  ])('splits %j like libalpm', (full, parts) => {
    expect(parseVersion(full)).toEqual(parts);
  });
});

describe('formatVersion', () => {
  it.each([
    [{ pkgver: '1.0', pkgrel: '1' }, '1.0-1'],
    [{ epoch: '2', pkgver: '1.0', pkgrel: '1.1' }, '2:1.0-1.1'],
    [{ epoch: '0', pkgver: '1.0', pkgrel: '1' }, '1.0-1'],
    [{ epoch: '00', pkgver: '1.0', pkgrel: '1' }, '1.0-1'],
    [{ epoch: '', pkgver: '1.0', pkgrel: '1' }, '1.0-1'],
    [{ epoch: '10', pkgver: 'r5.abc', pkgrel: undefined }, '10:r5.abc'],
  ])('writes %j as %s', (parts, full) => {
    expect(formatVersion(parts)).toBe(full);
  });

  it('gives back a canonical version that compares equal to the one parsed', () => {
    for (const full of ['1:2.0-1', '0:2.0-1', '2.0', '3:1.0-1-2']) {
      const again = formatVersion(parseVersion(full));
      expect(vercmp(again, full)).toBe(0);
      expect(parseVersion(again).pkgrel).toBe(parseVersion(full).pkgrel);
    }
  });
});

describe.each([
  ["pacman's test list", PACMAN_CASES],
  ['further corners', EXTRA_CASES],
])('vercmp on %s', (_title, cases) => {
  it.each(cases)('%j vs %j is %i, also for libalpm and the vercmp binary', async (a, b, expected) => {
    expect(vercmp(a, b)).toBe(expected);
    expect(vercmp(b, a)).toBe(negate(expected));
    expect(await native.compare([[a, b], [b, a]])).toEqual([expected, negate(expected)]);
    expect(await binaryVercmp(a, b)).toBe(expected);
    expect(await binaryVercmp(b, a)).toBe(negate(expected));
  });
});

// Generators that stress every rule: epochs, segment kinds, separators and their byte lengths, leading zeros,
// long numbers, releases with dots, empty parts and shared prefixes (so comparisons run deep into the strings).
const digitString = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });
const numericSegment = fc.oneof(
  { weight: 4, arbitrary: fc.nat(20).map(String) },
  { weight: 2, arbitrary: digitString(1, 4) },
  { weight: 1, arbitrary: digitString(15, 40) },
);
const alphaSegment = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abcrzAZ'), minLength: 1, maxLength: 3 }),
  fc.constantFrom('alpha', 'beta', 'rc', 'pre', 'git', 'r'),
);
// Mostly dots, as in real versions; é, € and 😀 are 2, 3 and 4 bytes long in UTF-8.
const separator = fc.constantFrom(
  ...['.', '.', '.', '_', '+', '~', '-', '', ':', ' '],
  ...['..', '._', '--', '.-', 'é', '€', '😀'],
);
const segments = fc
  .array(fc.tuple(fc.oneof(numericSegment, alphaSegment), separator), { maxLength: 6 })
  .map((parts) => parts.map(([segment, after]) => segment + after).join(''));
const pkgver = fc.tuple(fc.constantFrom('', '', '', '.', '_'), segments).map(([before, body]) => before + body);
const epoch = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constantFrom(':', '0:', '00:', '1:', '2:', '10:') },
  { weight: 1, arbitrary: digitString(1, 25).map((digits) => `${digits}:`) },
);
const pkgrel = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 4, arbitrary: fc.nat(12).map((release) => `-${release}`) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(5), fc.nat(12)).map(([major, minor]) => `-${major}.${minor}`) },
  { weight: 1, arbitrary: fc.constantFrom('-', '-0', '-01', '-a', '-1.1.1', '-1-1') },
);
const structuredVersion = fc.tuple(epoch, pkgver, pkgrel).map((parts) => parts.join(''));
const noisyVersion = fc.string({ unit: fc.constantFrom(...'0019aAzZ..--_:~+é '), maxLength: 12 });
const version = fc.oneof({ weight: 4, arbitrary: structuredVersion }, { weight: 1, arbitrary: noisyVersion });
const versionPair: fc.Arbitrary<VersionPair> = fc.oneof(
  fc.tuple(version, version),
  fc.tuple(version, version, version).map(([common, x, y]): VersionPair => [common + x, common + y]),
  fc.tuple(structuredVersion, segments).map(([base, extra]): VersionPair => [base, base + extra]),
);

describe('vercmp against libalpm', () => {
  const BATCH = 1_000;
  const BATCHES = 100;

  it(`gives the sign of alpm_pkg_vercmp for ${BATCH * BATCHES} generated pairs`, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(versionPair, { minLength: BATCH, maxLength: BATCH }), async (pairs) => {
        const expected = await native.compare(pairs);
        const mismatches = pairs
          .map(([a, b], index) => ({ a, b, ours: vercmp(a, b), libalpm: expected[index] }))
          .filter((result) => result.ours !== result.libalpm);
        expect(mismatches.slice(0, 5)).toEqual([]);
        checked += pairs.length;
      }),
      // Shrinking a batch would start libalpm's helper thousands of times; the failure already lists the pairs.
      { numRuns: BATCHES, endOnFailure: true },
    );
    expect(checked).toBe(BATCH * BATCHES);
  });

  it('uses a native helper that agrees with the vercmp binary', async () => {
    const pairs = fc
      .sample(versionPair, { numRuns: 400, seed: 20_240_601 })
      .filter(([a]) => a !== '-h' && a !== '--help');
    const [fromLibrary, fromBinary] = await Promise.all([native.compare(pairs), binaryVercmpAll(pairs, 4)]);
    expect(fromLibrary).toEqual(fromBinary);
    expect(new Set<Sign>(fromBinary)).toEqual(new Set([-1, 0, 1]));
  });
});
