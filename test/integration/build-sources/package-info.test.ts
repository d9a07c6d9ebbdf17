import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageBase, type PackageInfoOptions } from '../../../src/core/build/package-info.js';
import { applyPatches, parseVariableAssignment } from '../../../src/core/build/patches.js';
import { pkgrelPatch } from '../../../src/core/build/pkgrel.js';
import { fetchRemote, prepareBuildDirectory } from '../../../src/core/build/sources.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { lookupUser, run, type SystemUser } from '../../../src/core/process.js';
import { FakeAur } from '../../support/fake-aur.js';

const SPLIT_PKGBUILD = `pkgbase=hello-split
pkgname=(hello-split-a hello-split-b)
pkgver=2.0
pkgrel=3
epoch=1
pkgdesc="split test"
arch=(x86_64 aarch64)
url="https://example.com"
license=(MIT)
makedepends=(make)
checkdepends=(check-tool)
depends=(glibc)
depends_x86_64=(x86-only)
depends_aarch64=(arm-only)
install=hello.install
source=("hello-\${pkgver}.tar.gz::https://example.com/{a,b}.tar.gz")
sha256sums=(SKIP)
package_hello-split-a() {
  provides=("hello-virtual=\${pkgver}")
  :
}
package_hello-split-b() {
  pkgdesc="second"
  depends=(hello-split-a)
  :
}
`;

const EXPECTED = {
  base: 'hello-split',
  version: '1:2.0-3',
  packages: [
    {
      name: 'hello-split-a',
      base: 'hello-split',
      version: '1:2.0-3',
      description: 'split test',
      architectures: ['x86_64', 'aarch64'],
      depends: ['glibc', 'x86-only'],
      makeDepends: ['make'],
      checkDepends: ['check-tool'],
      provides: ['hello-virtual=2.0'],
      sources: ['hello-2.0.tar.gz::https://example.com/{a,b}.tar.gz'],
    },
    {
      name: 'hello-split-b',
      description: 'second',
      depends: ['hello-split-a', 'x86-only'],
      provides: [],
    },
  ],
};

let work: string;
let user: SystemUser;
let options: PackageInfoOptions;
/** The real makepkg's .SRCINFO for SPLIT_PKGBUILD, as its maintainer would have pushed it to the AUR. */
let splitSrcinfo: string;

async function pkgbuildDirectory(name: string, pkgbuild: string, extra: Record<string, string> = {}): Promise<string> {
  const directory = path.join(work, name);
  await fs.mkdir(directory, { recursive: true });
  await fs.writeFile(path.join(directory, 'PKGBUILD'), pkgbuild);
  for (const [file, content] of Object.entries(extra)) await fs.writeFile(path.join(directory, file), content);
  return directory;
}

/** What the real makepkg prints for a PKGBUILD, run by hand the way a maintainer makes the AUR's .SRCINFO. */
async function realPrintsrcinfo(directory: string): Promise<string> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'reference-srcinfo-'));
  try {
    await fs.cp(directory, scratch, { recursive: true });
    await run('chown', ['-R', `${user.uid}:${user.gid}`, scratch]);
    return (await run('makepkg', ['--printsrcinfo'], { cwd: scratch, user })).stdout;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'package-info-'));
  user = await lookupUser('ahriman');
  options = { user, architecture: 'x86_64', cacheDirectory: path.join(work, 'srcinfo-cache') };
  splitSrcinfo = await realPrintsrcinfo(await pkgbuildDirectory('reference', SPLIT_PKGBUILD, { 'hello.install': '' }));
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

describe('readPackageBase', () => {
  it('reads a fresh .SRCINFO and gets the same metadata as makepkg does (then from the cache, fast)', async () => {
    const extra = { 'hello.install': 'post_install() { :; }\n', 'hello-2.0.tar.gz': 'x'.repeat(3 * 1024 * 1024) };
    const withoutSrcinfo = await pkgbuildDirectory('without-srcinfo', SPLIT_PKGBUILD, extra);
    const withSrcinfo = await pkgbuildDirectory('with-srcinfo', SPLIT_PKGBUILD, extra);
    await fs.writeFile(path.join(withSrcinfo, '.SRCINFO'), splitSrcinfo);

    const fromFile = await readPackageBase(withSrcinfo, options);
    expect(fromFile.readFrom).toBe('.SRCINFO');
    expect(fromFile).toMatchObject(EXPECTED);

    const fromMakepkg = await readPackageBase(withoutSrcinfo, options);
    expect(fromMakepkg.readFrom).toBe('makepkg');
    expect(fromMakepkg).toMatchObject(EXPECTED);
    expect(fromMakepkg.packages).toEqual(fromFile.packages);

    const fromCache = await readPackageBase(withoutSrcinfo, options);
    expect(fromCache.readFrom).toBe('cache');
    expect(fromCache.packages).toEqual(fromMakepkg.packages);
  });

  it('trusts the .SRCINFO of an AUR checkout', async () => {
    const aur = await new FakeAur().start();
    try {
      await aur.add({
        name: 'hello-split-a',
        packageBase: 'hello-split',
        version: '1:2.0-3',
        files: { PKGBUILD: SPLIT_PKGBUILD, '.SRCINFO': splitSrcinfo, 'hello.install': '' },
      });
      const checkout = path.join(work, 'cache', 'hello-split');
      await fetchRemote({ source: 'aur', gitUrl: `${aur.url}/hello-split.git`, webUrl: null, path: null, branch: null }, checkout);
      const build = path.join(work, 'build', 'hello-split');
      await prepareBuildDirectory(checkout, build);
      for (const fresh of [checkout, build]) {
        expect(await readPackageBase(fresh, options), fresh).toMatchObject({ ...EXPECTED, readFrom: '.SRCINFO' });
      }
    } finally {
      await aur.stop();
    }
  });

  it('resolves architecture-specific fields for the requested architecture', async () => {
    const directory = await pkgbuildDirectory('arm', SPLIT_PKGBUILD, { 'hello.install': '' });
    const info = await readPackageBase(directory, { ...options, architecture: 'aarch64' });
    expect(info.packages[0]!.depends).toEqual(['glibc', 'arm-only']);
  });

  it('trusts a .SRCINFO written moments before the PKGBUILD, as one checkout writes them', async () => {
    const directory = await pkgbuildDirectory('same-checkout', SPLIT_PKGBUILD, { 'hello.install': '' });
    await fs.writeFile(path.join(directory, '.SRCINFO'), splitSrcinfo);
    const written = (await fs.stat(path.join(directory, 'PKGBUILD'))).mtimeMs;
    const justBefore = new Date(written - 300);
    await fs.utimes(path.join(directory, '.SRCINFO'), justBefore, justBefore);
    expect((await readPackageBase(directory, options)).readFrom).toBe('.SRCINFO');
  });

  it('ignores a .SRCINFO older than the PKGBUILD, and a malformed one', async () => {
    const pkgbuild = SPLIT_PKGBUILD.replace('pkgrel=3', 'pkgrel=4');
    const stale = await pkgbuildDirectory('stale', pkgbuild, { 'hello.install': '' });
    await fs.writeFile(path.join(stale, '.SRCINFO'), 'pkgbase = hello-split\n\tpkgver = 0.1\n\tpkgrel = 1\n\npkgname = hello-split-a\n');
    const tenSecondsAgo = new Date(Date.now() - 10_000);
    await fs.utimes(path.join(stale, '.SRCINFO'), tenSecondsAgo, tenSecondsAgo);
    const fromStale = await readPackageBase(stale, options);
    expect(fromStale).toMatchObject({ readFrom: 'makepkg', version: '1:2.0-4' });

    const malformed = await pkgbuildDirectory('malformed', pkgbuild, { 'hello.install': '', '.SRCINFO': 'this is not srcinfo\n' });
    expect(await readPackageBase(malformed, options)).toMatchObject({ readFrom: 'cache', version: '1:2.0-4' });
  });

  it('sees patches applied to a build directory, not the stale .SRCINFO', async () => {
    const directory = await pkgbuildDirectory('patched', SPLIT_PKGBUILD, { 'hello.install': '' });
    await fs.writeFile(path.join(directory, '.SRCINFO'), splitSrcinfo);
    expect((await readPackageBase(directory, options)).readFrom).toBe('.SRCINFO');

    await applyPatches(directory, [parseVariableAssignment('depends=(glibc "libfoo>=2")'), pkgrelPatch('3.1')]);
    const patched = await readPackageBase(directory, options);
    expect(patched).toMatchObject({ readFrom: 'makepkg', version: '1:2.0-3.1' });
    expect(patched.packages[0]!.depends).toEqual(['glibc', 'libfoo>=2', 'x86-only']);
  });

  it("reports a PKGBUILD that does not parse with makepkg's message", async () => {
    const directory = await pkgbuildDirectory('broken', 'pkgname=broken\npkgver=1\npkgrel=1\narch=(any)\nbuild() {\n  if true; then\n}\n');
    const error = await readPackageBase(directory, options).then(
      () => new Error('expected a failure'),
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain(`makepkg cannot read ${directory}/PKGBUILD`);
    expect(error.message).toMatch(/syntax error/);
    expect(error.message).toMatch(/Failed to source/);
    expect(error.message).not.toContain('ahriman-srcinfo-');
  });

  it('refuses a directory without PKGBUILD', async () => {
    await expect(readPackageBase(work, options)).rejects.toThrow(`${work} has no PKGBUILD`);
  });
});
