/**
 * The host and sandbox drivers build the same package with real makepkg (and real bwrap): a compiled binary with a
 * debug package, a local source file, a source downloaded over HTTP and a git source.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageArchive } from '../../../src/core/alpm/package-archive.js';
import { createDriver } from '../../../src/core/build/drivers/driver.js';
import { run } from '../../../src/core/process.js';
import { TemporaryDirectories, buildRequest, serveDirectory, sha256, snapshot, writePackage } from './support.js';

const LOCAL = 'a local source file\n';
const REMOTE = 'a source downloaded over http\n';
const TRACKED = 'a file from a git source\n';

const temporary = new TemporaryDirectories();
let server: Awaited<ReturnType<typeof serveDirectory>>;
let packageDirectory: string;
let workspaceRoot: string;

/** A git repository (served over dumb HTTP) with one tracked file. */
async function makeGitRepository(directory: string): Promise<void> {
  await fs.mkdir(directory);
  await fs.writeFile(path.join(directory, 'tracked.txt'), TRACKED);
  const identity = ['-c', 'user.name=test', '-c', 'user.email=test@example.com'];
  const git = (...args: string[]) => run('git', [...identity, ...args], { cwd: directory });
  await git('init', '--quiet', '--initial-branch', 'main');
  await git('add', 'tracked.txt');
  await git('commit', '--quiet', '-m', 'initial');
  await git('update-server-info');
}

beforeAll(async () => {
  const served = await temporary.make('served');
  await fs.writeFile(path.join(served, 'remote.txt'), REMOTE);
  await makeGitRepository(path.join(served, 'repository'));
  server = await serveDirectory(served);
  workspaceRoot = await temporary.make('workspaces');
  // owned by root and not writable by the build user: the driver works on its own copy
  packageDirectory = path.join(await temporary.make('fixtures'), 'drv-hello');
  await writePackage(
    packageDirectory,
    `pkgname=drv-hello
pkgver=1.0
pkgrel=1
pkgdesc='build driver test package'
arch=(x86_64)
license=(MIT)
options=(debug strip)
source=(local.txt "remote.txt::${server.url}/remote.txt" "repository::git+${server.url}/repository/.git")
sha256sums=(${sha256(LOCAL)} ${sha256(REMOTE)} SKIP)

build() {
  printf '#include <stdio.h>\\nint main(void) { puts("hello"); return 0; }\\n' > hello.c
  gcc -g -O0 -o hello hello.c
}

package() {
  install -Dm755 hello "$pkgdir/usr/bin/drv-hello"
  install -Dm644 -t "$pkgdir/usr/share/drv-hello" local.txt remote.txt repository/tracked.txt
}
`,
    { 'local.txt': LOCAL },
  );
});

afterAll(async () => {
  await server.close();
  await temporary.removeAll();
});

describe.each([
  // the host build also checks that request.environment reaches makepkg (PKGEXT) and that debug packages are dropped
  { driver: 'host', includeDebug: false, environment: { PKGEXT: '.pkg.tar.zst' }, extension: '.pkg.tar.zst' },
  { driver: 'sandbox', includeDebug: true, environment: undefined, extension: '.pkg.tar.gz' },
])('$driver driver', ({ driver, includeDebug, environment, extension }) => {
  it('builds the package from every kind of source and returns its archives', async () => {
    const outputDirectory = path.join(await temporary.make(`${driver}-output`), 'packages');
    const before = await snapshot(packageDirectory);
    const { request, lines } = await buildRequest({
      directory: packageDirectory,
      packageBase: 'drv-hello',
      outputDirectory,
      includeDebug,
      environment,
    });

    const archives = await createDriver(driver, { workspaceRoot }).build(request);

    const names = ['drv-hello', ...(includeDebug ? ['drv-hello-debug'] : [])];
    expect(archives).toEqual(names.map((name) => path.join(outputDirectory, `${name}-1.0-1-x86_64${extension}`)));
    expect((await fs.readdir(outputDirectory)).sort()).toEqual(archives.map((archive) => path.basename(archive)));
    const built = await readPackageArchive(archives[0]!);
    expect(built.packager).toBe('Driver Test <driver@example.com>');
    expect(built.files).toEqual(
      expect.arrayContaining([
        'usr/bin/drv-hello',
        'usr/share/drv-hello/local.txt',
        'usr/share/drv-hello/remote.txt',
        'usr/share/drv-hello/tracked.txt',
      ]),
    );
    if (includeDebug) {
      const debug = await readPackageArchive(archives[1]!);
      expect(debug.files.some((file) => file.startsWith('usr/lib/debug/'))).toBe(true);
    }

    expect(lines).toContainEqual(expect.stringContaining('Finished making: drv-hello 1.0-1'));
    // the sandbox downloads the remote sources in a phase of its own, with the network, before the build
    expect(lines.filter((line) => line.includes('Making package: drv-hello'))).toHaveLength(driver === 'sandbox' ? 2 : 1);
    expect(await snapshot(packageDirectory)).toEqual(before);
    expect(await fs.readdir(workspaceRoot)).toEqual([]);
  });
});
