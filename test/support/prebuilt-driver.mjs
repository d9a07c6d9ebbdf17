/**
 * A build driver for tests and benchmarks, loaded like a third-party trigger (`[build] driver =
 * /path/to/test/support/prebuilt-driver.mjs`): it makes a tiny package archive (`.PKGINFO` and one file, with
 * bsdtar) for each package of the PKGBUILD instead of running makepkg. It reads only plain one-line assignments of
 * pkgbase, pkgname (word or array), pkgver, pkgrel and epoch, which is all the PKGBUILDs of the tests use.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function variable(pkgbuild, name) {
  const match = new RegExp(`^${name}=(\\(([^)]*)\\)|'([^']*)'|"([^"]*)"|(\\S+))`, 'm').exec(pkgbuild);
  if (!match) return undefined;
  if (match[2] !== undefined) return match[2].split(/\s+/).filter(Boolean).map((word) => word.replace(/^['"]|['"]$/g, ''));
  return match[3] ?? match[4] ?? match[5];
}

export default {
  name: 'prebuilt',
  async build(request) {
    const pkgbuild = await fs.readFile(path.join(request.directory, 'PKGBUILD'), 'utf8');
    const names = [variable(pkgbuild, 'pkgname') ?? request.packageBase].flat();
    const epoch = variable(pkgbuild, 'epoch');
    const version = `${epoch ? `${epoch}:` : ''}${variable(pkgbuild, 'pkgver')}-${variable(pkgbuild, 'pkgrel') ?? '1'}`;
    await fs.mkdir(request.outputDirectory, { recursive: true });
    const archives = [];
    for (const name of names) {
      const root = await fs.mkdtemp(path.join(request.outputDirectory, '.root-'));
      try {
        await fs.mkdir(path.join(root, 'usr/share', name), { recursive: true });
        await fs.writeFile(path.join(root, 'usr/share', name, 'marker'), `${name}\n`);
        const pkginfo = [`pkgname = ${name}`, `pkgbase = ${request.packageBase}`, `pkgver = ${version}`, `pkgdesc = prebuilt ${name}`,
          `builddate = ${Math.floor(Date.now() / 1000)}`, `packager = ${request.packager || 'Prebuilt <prebuilt@localhost>'}`, 'size = 8', 'arch = any'];
        await fs.writeFile(path.join(root, '.PKGINFO'), `${pkginfo.join('\n')}\n`);
        const archive = path.join(request.outputDirectory, `${name}-${version}-any.pkg.tar.gz`);
        await run('bsdtar', ['-czf', archive, '-C', root, '.PKGINFO', 'usr']);
        request.onLine(`prebuilt ${path.basename(archive)}`);
        archives.push(archive);
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    }
    return archives;
  },
};
