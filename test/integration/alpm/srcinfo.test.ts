import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageArchive } from '../../../src/core/alpm/package-archive.js';
import { packageFields, parseSrcinfo, resolvePackage, type Srcinfo } from '../../../src/core/alpm/srcinfo.js';
import {
  PLAIN_PACKAGE,
  SPLIT_PACKAGE,
  buildPackages,
  printSrcinfo,
  removeBuildDirectories,
  writePkgbuild,
  type BuiltPackages,
} from '../../support/makepkg.js';

let split: Srcinfo;
let plain: Srcinfo;
let built: BuiltPackages;

beforeAll(async () => {
  const [splitText, plainText, splitBuild] = await Promise.all([
    writePkgbuild(SPLIT_PACKAGE).then(printSrcinfo),
    writePkgbuild(PLAIN_PACKAGE).then(printSrcinfo),
    buildPackages(SPLIT_PACKAGE),
  ]);
  split = parseSrcinfo(splitText, 'split/.SRCINFO');
  plain = parseSrcinfo(plainText, 'plain/.SRCINFO');
  built = splitBuild;
});
afterAll(removeBuildDirectories);

describe('parseSrcinfo on makepkg --printsrcinfo output', () => {
  it('reads the pkgbase section with its version and architecture-specific fields', () => {
    expect(split.base.name).toBe('ahr-split');
    expect(split).toMatchObject({ epoch: '2', pkgver: '1.2.3', pkgrel: '4', version: '2:1.2.3-4' });
    expect(split.packages.map((section) => section.name)).toEqual(['ahr-split-main', 'ahr-split-extra']);
    expect(split.base.fields.get('depends')).toEqual(['bash', 'glibc>=2.17']);
    expect(split.base.fields.get('depends_x86_64')).toEqual(['ahr-x86-only']);
    expect(split.base.fields.get('depends_aarch64')).toEqual(['ahr-arm-only']);
    expect(split.base.fields.get('optdepends')).toEqual(['python: for the helper scripts', 'perl']);
    expect(plain).toMatchObject({ epoch: undefined, version: '0.9.r12.gabc-1' });
  });

  it('keeps what a package section overrides or clears', () => {
    const extra = packageFields(split, 'ahr-split-extra');
    expect(extra.get('pkgdesc')).toEqual(['The extra part']);
    expect(extra.get('depends')).toEqual([]);
    expect(extra.get('depends_x86_64')).toEqual([]);
    expect(extra.get('depends_aarch64')).toEqual(['ahr-arm-only']);
    expect(extra.get('license')).toEqual(['MIT', 'GPL-3.0-or-later']);
  });

  it('resolves each architecture', () => {
    expect(resolvePackage(split, 'ahr-split-main', 'aarch64').depends).toEqual(['bash', 'glibc>=2.17', 'ahr-arm-only']);
    expect(resolvePackage(split, 'ahr-split-extra', 'aarch64').depends).toEqual(['ahr-arm-only']);
    expect(resolvePackage(split, 'ahr-split-extra', 'x86_64').depends).toEqual([]);
  });

  it('agrees with the .PKGINFO of the packages makepkg builds from the same PKGBUILD', async () => {
    for (const archive of built.archives) {
      const metadata = await readPackageArchive(archive);
      const resolved = resolvePackage(split, metadata.name, metadata.architecture);
      expect(path.basename(archive)).toContain(resolved.name);
      expect(resolved.architectures).toContain(metadata.architecture);
      expect({
        name: resolved.name,
        base: resolved.base,
        version: resolved.version,
        description: resolved.description,
        url: resolved.url,
        licenses: resolved.licenses,
        groups: resolved.groups,
        depends: resolved.depends,
        optDepends: resolved.optDepends,
        makeDepends: resolved.makeDepends,
        checkDepends: resolved.checkDepends,
        provides: resolved.provides,
        conflicts: resolved.conflicts,
        replaces: resolved.replaces,
        backup: resolved.backup,
      }).toEqual({
        name: metadata.name,
        base: metadata.base,
        version: metadata.version,
        description: metadata.description,
        url: metadata.url,
        licenses: metadata.licenses,
        groups: metadata.groups,
        depends: metadata.depends,
        optDepends: metadata.optDepends,
        makeDepends: metadata.makeDepends,
        checkDepends: metadata.checkDepends,
        provides: metadata.provides,
        conflicts: metadata.conflicts,
        replaces: metadata.replaces,
        backup: metadata.backup,
      });
    }
  });
});
