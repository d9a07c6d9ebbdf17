import { createHash, randomBytes } from 'node:crypto';
import { copyFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { readPackageArchive } from '../../../src/core/alpm/package-archive.js';
import { run } from '../../../src/core/process.js';
import type { PackageMetadata } from '../../../src/models/package-metadata.js';
import {
  PLAIN_PACKAGE,
  SPLIT_PACKAGE,
  buildPackages,
  makeBuildDirectory,
  removeBuildDirectories,
  type BuiltPackages,
} from '../../support/makepkg.js';

/** bsdtar prints names in the locale's charset; UTF-8 keeps non-ASCII names readable. */
const UTF8 = { env: { LC_ALL: 'C.UTF-8' } };

let split: BuiltPackages;
let plainGzip: BuiltPackages;
let plainXz: BuiltPackages;
let scratch: string;

beforeAll(async () => {
  [split, plainGzip, plainXz, scratch] = await Promise.all([
    buildPackages(SPLIT_PACKAGE),
    buildPackages(PLAIN_PACKAGE, { extension: '.pkg.tar.gz' }),
    buildPackages(PLAIN_PACKAGE, { extension: '.pkg.tar.xz' }),
    makeBuildDirectory(),
  ]);
});
afterAll(removeBuildDirectories);

function archive(built: BuiltPackages, name: string): string {
  const found = built.archives.find((file) => path.basename(file).startsWith(`${name}-`));
  if (found === undefined) throw new Error(`no archive of ${name} in ${built.archives.join(', ')}`);
  return found;
}

/** `.PKGINFO` as bsdtar extracts it, split into `key -> values` without any normalisation. */
async function bsdtarPkginfo(file: string): Promise<Map<string, string[]>> {
  const { stdout } = await run('bsdtar', ['-xOf', file, '.PKGINFO'], UTF8);
  const fields = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const separator = line.indexOf(' = ');
    const key = line.slice(0, separator);
    fields.set(key, [...(fields.get(key) ?? []), line.slice(separator + 3)]);
  }
  return fields;
}

/** The `files` entry repo-add would write: `bsdtar --exclude='^.*' -tf` sorted byte-wise without duplicates. */
async function bsdtarFileList(file: string): Promise<string[]> {
  const { stdout } = await run('bsdtar', ['--exclude', '^.*', '-tf', file], UTF8);
  const names = stdout.split('\n').filter((line) => line !== '');
  const sorted = names.map((name) => Buffer.from(name)).sort(Buffer.compare);
  return [...new Set(sorted.map((name) => name.toString()))];
}

async function expectMatchesBsdtar(file: string, metadata: PackageMetadata): Promise<void> {
  const pkginfo = await bsdtarPkginfo(file);
  const single = (key: string): string => pkginfo.get(key)?.[0] ?? '';
  const list = (key: string): string[] => pkginfo.get(key) ?? [];
  expect(metadata).toEqual({
    name: single('pkgname'),
    base: single('pkgbase'),
    version: single('pkgver'),
    description: single('pkgdesc'),
    url: single('url'),
    architecture: single('arch'),
    buildDate: Number(single('builddate')),
    packager: single('packager'),
    installedSize: Number(single('size')),
    licenses: list('license'),
    groups: list('group'),
    provides: list('provides'),
    depends: list('depend'),
    optDepends: list('optdepend'),
    makeDepends: list('makedepend'),
    checkDepends: list('checkdepend'),
    conflicts: list('conflict'),
    replaces: list('replaces'),
    backup: list('backup'),
    xdata: list('xdata'),
    fileName: path.basename(file),
    compressedSize: (await stat(file)).size,
    md5: createHash('md5').update(await readFile(file)).digest('hex'),
    sha256: createHash('sha256').update(await readFile(file)).digest('hex'),
    files: await bsdtarFileList(file),
  });
}

describe('readPackageArchive on packages built by makepkg', () => {
  it('reads every field of a split package with an epoch (zstd) as bsdtar sees it', async () => {
    for (const name of ['ahr-split-main', 'ahr-split-extra']) {
      const file = archive(split, name);
      await expectMatchesBsdtar(file, await readPackageArchive(file));
    }
  });

  it('reads the split package as the PKGBUILD defines it', async () => {
    const main = await readPackageArchive(archive(split, 'ahr-split-main'));
    expect(main).toMatchObject({
      name: 'ahr-split-main',
      base: 'ahr-split',
      version: '2:1.2.3-4',
      description: 'Split package with odd spacing',
      url: 'https://example.com/ahr',
      architecture: 'x86_64',
      licenses: ['MIT', 'GPL-3.0-or-later'],
      groups: ['ahr-group'],
      depends: ['bash', 'glibc>=2.17', 'ahr-x86-only'],
      optDepends: ['python: for the helper scripts', 'perl'],
      provides: ['ahr-virtual=1.2'],
      conflicts: ['ahr-old<1.0'],
      replaces: ['ahr-ancient'],
      backup: ['etc/ahr/ahr.conf'],
      fileName: 'ahr-split-main-2:1.2.3-4-x86_64.pkg.tar.zst',
    });
    expect(main.files).toEqual([
      'etc/',
      'etc/ahr/',
      'etc/ahr/ahr.conf',
      'usr/',
      'usr/bin/',
      'usr/bin/ahr',
      'usr/bin/ahr-data',
      'usr/share/',
      'usr/share/ahr/',
      `usr/share/ahr/${'d'.repeat(90)}/`,
      `usr/share/ahr/${'d'.repeat(90)}/${'f'.repeat(60)}`,
      'usr/share/ahr/empty/',
      'usr/share/ahr/file with spaces.txt',
      'usr/share/ahr/hardlink.txt',
      'usr/share/ahr/ünïcödé.txt',
    ]);

    const extra = await readPackageArchive(archive(split, 'ahr-split-extra'));
    expect(extra).toMatchObject({
      description: 'The extra part',
      depends: [],
      optDepends: [],
      backup: [],
      files: ['usr/', 'usr/bin/', 'usr/bin/ahr-extra'],
    });
  });

  it('reads gzip and xz packages', async () => {
    for (const built of [plainGzip, plainXz]) {
      const file = archive(built, 'ahr-plain');
      const metadata = await readPackageArchive(file);
      await expectMatchesBsdtar(file, metadata);
      expect(metadata).toMatchObject({ name: 'ahr-plain', version: '0.9.r12.gabc-1', architecture: 'any' });
    }
  });

  it('reads an uncompressed package', async () => {
    const file = path.join(scratch, 'ahr-split-main-2:1.2.3-4-x86_64.pkg.tar');
    await run('zstd', ['-dq', archive(split, 'ahr-split-main'), '-o', file]);
    await expectMatchesBsdtar(file, await readPackageArchive(file));
  });
});

describe('readPackageArchive on bad input', () => {
  const zstdPackage = (): string => archive(split, 'ahr-split-main');

  async function expectInvalid(file: string, message: RegExp): Promise<void> {
    const failure = readPackageArchive(file);
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow(message);
  }

  it('rejects truncated archives of each compression', async () => {
    for (const source of [zstdPackage(), archive(plainGzip, 'ahr-plain'), archive(plainXz, 'ahr-plain')]) {
      const file = path.join(scratch, `truncated-${path.basename(source)}`);
      await copyFile(source, file);
      await truncate(file, Math.floor((await stat(file)).size / 2));
      await expectInvalid(file, new RegExp(`^${escape(file)}: (corrupt (zstd|gzip|xz) data|truncated tar)`));
    }
  });

  it('rejects an uncompressed archive cut at an entry boundary', async () => {
    const tar = path.join(scratch, 'boundary.pkg.tar');
    await run('zstd', ['-dq', zstdPackage(), '-o', tar]);
    // Keep whole 512-byte blocks up to the last header, without the end-of-archive marker.
    const bytes = await readFile(tar);
    let end = bytes.length;
    while (end > 0 && bytes.subarray(end - 512, end).every((byte) => byte === 0)) end -= 512;
    await truncate(tar, end);
    await expectInvalid(tar, /truncated tar archive/);
  });

  it('rejects random bytes, an empty file and bzip2', async () => {
    const random = path.join(scratch, 'random.pkg.tar.zst');
    await writeFile(random, randomBytes(4096));
    await expectInvalid(random, /not a tar archive compressed with zstd, xz or gzip/);

    const empty = path.join(scratch, 'empty.pkg.tar.zst');
    await writeFile(empty, '');
    await expectInvalid(empty, /file is empty/);

    const bzip2 = path.join(scratch, 'garbage.pkg.tar.bz2');
    await writeFile(bzip2, Buffer.concat([Buffer.from('BZh9'), randomBytes(100)]));
    await expectInvalid(bzip2, /bzip2 compression is not supported/);
  });

  it('rejects valid compression of garbage', async () => {
    for (const [tool, extension] of [
      ['gzip', 'gz'],
      ['zstd', 'zst'],
      ['xz', 'xz'],
    ] as const) {
      const garbage = path.join(scratch, `garbage-${tool}`);
      await writeFile(garbage, randomBytes(20_000));
      await run(tool, ['-q', '-f', garbage]);
      await expectInvalid(`${garbage}.${extension}`, /corrupt tar header at byte 0 \(checksum mismatch\)/);
    }
  });

  it('rejects a tar without .PKGINFO and a .PKGINFO without pkgname', async () => {
    const content = path.join(scratch, 'content');
    await run('mkdir', ['-p', path.join(content, 'usr/bin')]);
    await writeFile(path.join(content, 'usr/bin/tool'), 'tool');
    const withoutPkginfo = path.join(scratch, 'no-pkginfo.pkg.tar.gz');
    await run('bsdtar', ['-czf', withoutPkginfo, '-C', content, 'usr']);
    await expectInvalid(withoutPkginfo, /not a package archive \(no \.PKGINFO\)/);

    await writeFile(path.join(content, '.PKGINFO'), 'pkgver = 1.0-1\narch = any\n');
    const withoutName = path.join(scratch, 'no-name.pkg.tar.zst');
    await run('bsdtar', ['--zstd', '-cf', withoutName, '-C', content, '.PKGINFO', 'usr']);
    await expectInvalid(withoutName, /no-name\.pkg\.tar\.zst: \.PKGINFO: missing or empty 'pkgname'/);
  });

  it('reports a missing file as it is', async () => {
    await expect(readPackageArchive(path.join(scratch, 'missing.pkg.tar.zst'))).rejects.toThrow(/ENOENT/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
