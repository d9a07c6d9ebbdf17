/**
 * Bad input answered with one clear line (issue 7, item 14): a PKGBUILD whose pkgname is a path, a configuration
 * file holding control bytes, and `package-add -- NAME` (words after `--` are arguments, not ignored).
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ahriman, makeSandbox } from '../../support/cli.js';
import { removeBuildDirectories, writePkgbuild } from '../../support/makepkg.js';

const REPOSITORY = ['-a', 'x86_64', '-r', 'demo'];

/** What the command said beyond informational lines. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim().length > 0 && !line.startsWith('[INFO'));
}

describe('bad input', () => {
  afterAll(async () => {
    await removeBuildDirectories();
  });

  it("a PKGBUILD with pkgname='../../etc' is refused with one line naming the problems", async () => {
    const sandbox = makeSandbox();
    const directory = await writePkgbuild("pkgname='../../etc'\npkgver=1.0\npkgrel=1\narch=(any)\npackage() { :; }\n");
    const result = await ahriman(['-c', sandbox.configuration, ...REPOSITORY, 'package-add', directory]);
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `ahriman: makepkg cannot read ${directory}/PKGBUILD: pkgname is not allowed to start with a dot; pkgname contains invalid characters: '//'` +
        "; pkgbase is not allowed to start with a dot; pkgbase contains invalid characters: '//'",
    ]);
  });

  it('control bytes of a binary configuration file are escaped in the error', async () => {
    const sandbox = makeSandbox();
    writeFileSync(sandbox.configuration, Buffer.from([0x00, 0x01, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x7f, 0x0a]));
    const result = await ahriman(['-c', sandbox.configuration, ...REPOSITORY, 'package-status']);
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `ahriman: ${sandbox.configuration}:1: expected '[section]' or 'key = value', got '\\x00\\x01\\x1b[31m\\x7f'`,
    ]);
  });

  it('package-add -- NAME adds NAME, even one starting with a hyphen, and -- alone still needs a name', async () => {
    const sandbox = makeSandbox();
    const directory = await writePkgbuild({ pkgname: 'dashed-one', pkgver: '1.0', package: 'mkdir -p "$pkgdir/usr/share/dashed-one"' });
    const added = await ahriman(['-c', sandbox.configuration, ...REPOSITORY, 'package-add', '--', directory]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout.trim()).toBe('queued dashed-one');

    const hyphen = await ahriman(['-c', sandbox.configuration, ...REPOSITORY, 'package-add', '-s', 'aur', '--', '-odd']);
    expect(hyphen.code).toBe(1);
    expect(errorLines(hyphen.stderr)).toEqual(['ahriman: invalid package name "-odd": must not start with a hyphen']);

    const nothing = await ahriman(['-c', sandbox.configuration, ...REPOSITORY, 'package-add', '--']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('need at least 1 (package)');
  });
});
