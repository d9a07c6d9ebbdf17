import { describe, expect, it } from 'vitest';
import { nextPkgrel, pkgrelPatch } from '../../../src/core/build/pkgrel.js';
import { vercmp } from '../../../src/core/alpm/vercmp.js';

/** [version in the repository, version to build, expected pkgrel]. */
const CASES: readonly [string | undefined, string, string | undefined][] = [
  [undefined, '1.0-1', undefined], // nothing in the repository yet
  ['1.0-1', '1.0-1', '1.1'],
  ['1.0-1.1', '1.0-1', '1.2'], // based on the repository's pkgrel, not the PKGBUILD's
  ['1.0-1.9', '1.0-1', '1.10'],
  ['1.0-2', '1.0-1', '2.1'], // older pkgrel, same pkgver: still bumped above the repository
  ['1.0-1', '1.0-2', undefined], // newer pkgrel
  ['1.0-1', '1.1-1', undefined], // newer pkgver
  ['1.1-1', '1.0-1', undefined], // deliberate downgrade of pkgver
  ['1:1.0-1', '1:1.0-1', '1.1'],
  ['1:1.0-3', '1.0-1', undefined], // epoch differs
  ['1.0-1', '1:1.0-1', undefined], // newer epoch
  ['0:1.0-1', '1.0-1', '1.1'], // an epoch of 0 is no epoch
  ['1.0-1.0.1', '1.0-1', '1.0.2'],
];

describe('pkgrel bump', () => {
  it.each(CASES)('repository %s, building %s -> %s', (repository, build, expected) => {
    expect(nextPkgrel(repository, build)).toBe(expected);
  });

  it('always yields a version newer than the repository one', () => {
    for (const [repository, build, expected] of CASES) {
      if (repository === undefined || expected === undefined) continue;
      const bumped = build.replace(/-[^-]+$/, `-${expected}`);
      expect(vercmp(bumped, repository), `${bumped} vs ${repository}`).toBe(1);
    }
  });

  it('refuses a repository version without a numeric pkgrel', () => {
    expect(() => nextPkgrel('1.0', '1.0-1')).toThrow(/no numeric pkgrel/);
    expect(() => nextPkgrel('1.0-a', '1.0-a')).toThrow(/no numeric pkgrel/);
  });

  it('makes the pkgrel patch, refusing what makepkg would refuse', () => {
    expect(pkgrelPatch('1.1')).toEqual({ key: 'pkgrel', value: '1.1' });
    expect(() => pkgrelPatch('1.0.2')).toThrow(/pkgrel/);
  });
});
