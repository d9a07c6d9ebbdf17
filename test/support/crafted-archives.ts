/**
 * Package archives made directly with bsdtar (the way makepkg lays one out: `.PKGINFO` first, then the files), for
 * tests that need many packages, or broken and hostile ones makepkg would never write: a `.PKGINFO` that lies about
 * the file name, entries renamed to absolute or `..` paths, links leading out of the install root.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../src/core/process.js';

export interface CraftedPackage {
  pkgname: string;
  /** Full version `[epoch:]pkgver-pkgrel`. */
  version: string;
  arch?: string;
  /** Bytes of `usr/share/<pkgname>/data` (random, so every archive differs). */
  payload?: number;
  /** Lines of `.PKGINFO` instead of the ones made from the fields above; null leaves `.PKGINFO` out. */
  pkginfo?: string[] | null;
  /** bsdtar `-s` substitutions applied to entry names, e.g. `,^usr/share,/tmp,`. */
  rename?: string[];
  /** Symbolic links to add, entry name -> target. */
  symlinks?: Record<string, string>;
}

/** The file name makepkg would give the package. */
export function craftedFileName(spec: CraftedPackage): string {
  return `${spec.pkgname}-${spec.version}-${spec.arch ?? 'any'}.pkg.tar.zst`;
}

/**
 * Writes the archive into `directory` (under `fileName`, default the name makepkg would use; xz-compressed when it
 * ends in `.xz`, else zstd) and returns its path.
 */
export async function craftArchive(directory: string, spec: CraftedPackage, fileName = craftedFileName(spec)): Promise<string> {
  await fs.mkdir(directory, { recursive: true });
  const root = await fs.mkdtemp(path.join(directory, '.root-'));
  try {
    const data = path.join('usr/share', spec.pkgname.replace(/[^A-Za-z0-9._+-]/g, '_'));
    await fs.mkdir(path.join(root, data), { recursive: true });
    await fs.writeFile(path.join(root, data, 'data'), randomBytes(spec.payload ?? 64));
    for (const [name, target] of Object.entries(spec.symlinks ?? {})) {
      await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await fs.symlink(target, path.join(root, name));
    }
    const pkginfo = spec.pkginfo === undefined
      ? [`pkgname = ${spec.pkgname}`, `pkgbase = ${spec.pkgname}`, `pkgver = ${spec.version}`, `pkgdesc = crafted ${spec.pkgname}`, 'builddate = 1700000000', 'packager = T <t@localhost>', 'size = 64', `arch = ${spec.arch ?? 'any'}`]
      : spec.pkginfo;
    const entries = ['usr'];
    if (pkginfo !== null) {
      await fs.writeFile(path.join(root, '.PKGINFO'), `${pkginfo.join('\n')}\n`);
      entries.unshift('.PKGINFO');
    }
    const target = path.join(directory, fileName);
    const renames = (spec.rename ?? []).flatMap((rule) => ['-s', rule]);
    const compression = fileName.endsWith('.xz') ? '--xz' : '--zstd';
    await run('bsdtar', [compression, '-P', '-cf', target, '-C', root, ...renames, ...entries]);
    return target;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

/**
 * Every kind of bad archive an intake must refuse, written into `directory`: file name -> what is wrong with it.
 * Includes a symbolic link to /etc/passwd, a FIFO and a directory, all named like archives.
 */
export async function writeHostileArchives(directory: string): Promise<Map<string, string>> {
  const cases = new Map<string, string>();
  const add = async (what: string, spec: CraftedPackage, fileName?: string): Promise<string> => {
    const file = await craftArchive(directory, spec, fileName);
    cases.set(path.basename(file), what);
    return file;
  };
  const lying = (pkgname: string, version: string): string[] => [`pkgname = ${pkgname}`, `pkgver = ${version}`, 'arch = any', 'size = 1'];

  await fs.mkdir(directory, { recursive: true });
  await fs.writeFile(path.join(directory, 'corrupt-1.0-1-any.pkg.tar.zst'), randomBytes(4096));
  cases.set('corrupt-1.0-1-any.pkg.tar.zst', 'corrupt');
  const truncated = await add('truncated', { pkgname: 'truncated', version: '1.0-1', payload: 256 * 1024 });
  await fs.truncate(truncated, (await fs.stat(truncated)).size >> 1);
  await fs.writeFile(path.join(directory, 'empty-1.0-1-any.pkg.tar.zst'), '');
  cases.set('empty-1.0-1-any.pkg.tar.zst', 'empty');
  await add('no .PKGINFO', { pkgname: 'nopkginfo', version: '1.0-1', pkginfo: null });
  await add('pkgname with a path', { pkgname: 'evil', version: '1.0-1', pkginfo: lying('../../etc/evil', '1.0-1') });
  await add('pkgname with shell syntax', { pkgname: 'shell', version: '1.0-1', pkginfo: lying('$(touch /tmp/ahriman-intake-pwned)', '1.0-1') });
  await add('bad pkgver', { pkgname: 'badver', version: '1.0-1', pkginfo: lying('badver', '1.0/..-1') });
  await add('wrong architecture', { pkgname: 'wrongarch', version: '1.0-1', arch: 'aarch64' });
  await add('name not the file name', { pkgname: 'mismatch', version: '1.0-1', pkginfo: lying('ahr-good', '9.9-1') });
  await add('version not the file name', { pkgname: 'verskew', version: '1.0-1', pkginfo: lying('verskew', '7.0-1') });
  await add('absolute entry', { pkgname: 'absolute', version: '1.0-1', rename: [',^usr/share,/tmp,'] });
  await add('.. entry', { pkgname: 'dotdot', version: '1.0-1', rename: [',^usr/share,../../../..,'] });
  await add('entry below a link', { pkgname: 'linkescape', version: '1.0-1', symlinks: { 'usr/lnk': '/etc' }, rename: [',^usr/share/linkescape,usr/lnk,'] });
  await add('entry below a link, spelled ./usr//lnk', { pkgname: 'linkspelled', version: '1.0-1', symlinks: { 'usr/lnk': '/etc' }, rename: [',^usr/share/linkspelled,./usr//lnk,'] });
  await fs.symlink('/etc/passwd', path.join(directory, 'passwd-1.0-1-any.pkg.tar.zst'));
  cases.set('passwd-1.0-1-any.pkg.tar.zst', 'symbolic link');
  await run('mkfifo', [path.join(directory, 'fifo-1.0-1-any.pkg.tar.zst')]);
  cases.set('fifo-1.0-1-any.pkg.tar.zst', 'FIFO');
  await fs.mkdir(path.join(directory, 'subdir-1.0-1-any.pkg.tar.zst'));
  cases.set('subdir-1.0-1-any.pkg.tar.zst', 'directory');
  return cases;
}
