/**
 * Dependency-change rebuilds with real gcc, makepkg, readelf and pacman: `demo-app` is linked against `libdemo.so.1`
 * of the repository's `libdemo`; `--check-files` records that implicit dependency. When `libdemo` 2.0 with
 * `libdemo.so.2` is published, the dependent is scheduled with the soname reason, repo-check prints it, repo-update
 * rebuilds it with a bumped pkgrel and pacman upgrades both. A pkgrel-only change of libdemo rebuilds nothing in the
 * default `soname` mode (and is reported in `always` mode).
 *
 * The host driver builds without a chroot, so the test plays the chroot's part: before each build of demo-app it
 * extracts the libdemo the repository serves into a build root the PKGBUILD links against.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RepositoryEntry, writeRepositoryDatabase } from '../../../src/core/alpm/repository-database.js';
import { Database } from '../../../src/core/database/connection.js';
import { DependenciesOperations } from '../../../src/core/database/operations/dependencies.js';
import { EventOperations } from '../../../src/core/database/operations/events.js';
import { RebuildOperations } from '../../../src/core/database/operations/rebuilds.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { type PacmanClient, removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service } from './support.js';

const SOURCE = 'int demo_value(void) { return 42; }';

function libdemo(pkgver: string, soversion: string, pkgrel = '1'): PkgbuildSpec {
  return {
    pkgname: 'libdemo',
    pkgver,
    pkgrel,
    arch: ['x86_64'],
    variables: { options: ['!debug'] },
    package: [
      `printf '%s\\n' '${SOURCE}' > demo.c`,
      `gcc -shared -fPIC -Wl,-soname,libdemo.so.${soversion} -o libdemo.so.${soversion} demo.c`,
      `install -Dm755 libdemo.so.${soversion} "$pkgdir/usr/lib/libdemo.so.${soversion}"`,
      `ln -s libdemo.so.${soversion} "$pkgdir/usr/lib/libdemo.so"`,
    ].join('\n'),
  };
}

function demoApp(buildRoot: string): PkgbuildSpec {
  return {
    pkgname: 'demo-app',
    arch: ['x86_64'],
    variables: { depends: ['libdemo'], options: ['!debug'] },
    package: [
      `printf '%s\\n' 'int demo_value(void);' 'int main(void) { return demo_value() == 42 ? 0 : 1; }' > main.c`,
      `gcc -o demo-app main.c -L${buildRoot}/usr/lib -ldemo`,
      'install -Dm755 demo-app "$pkgdir/usr/bin/demo-app"',
    ].join('\n'),
  };
}

describe('dependency-change rebuilds', () => {
  let service: Service;
  let pacman: PacmanClient;
  let buildRoot: string;
  let database: Database;
  const repositoryId = new RepositoryId('x86_64', 'demo');

  /** What a chroot would have installed: the libdemo the repository serves now. */
  async function installServedLibdemo(): Promise<void> {
    await fs.rm(buildRoot, { recursive: true, force: true });
    await fs.mkdir(buildRoot, { mode: 0o755 });
    const archive = (await service.databaseEntries()).find((entry) => entry.name === 'libdemo')!.fileName;
    execFileSync('bsdtar', ['-xf', path.join(service.repository, archive), '-C', buildRoot, 'usr']);
  }

  beforeAll(async () => {
    service = await Service.create({ driver: 'host' });
    buildRoot = path.join(await service.temporaryDirectory(), 'root');
    await fs.chmod(path.dirname(buildRoot), 0o755);
    await service.expectCli(['package-add', await service.localPackage(libdemo('1.0', '1'))]);
    await service.expectCli(['repo-update']);
    await installServedLibdemo();
    await service.expectCli(['package-add', await service.localPackage(demoApp(buildRoot))]);
    await service.expectCli(['repo-update']);
    database = await Database.open(path.join(service.sandbox.root, 'ahriman.db'));
    pacman = await service.pacman();
    const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'demo-app']);
    expect(installed.code, installed.stderr).toBe(0);
  });

  afterAll(async () => {
    await database?.close();
    await service?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('--check-files records the library demo-app links against as its implicit dependency', async () => {
    const implicit = await new DependenciesOperations(database, repositoryId).dependenciesGet('demo-app');
    expect(implicit.get('demo-app')).toEqual({ paths: { 'usr/lib/libdemo.so.1': ['libdemo'] } });
    const record = (await new RebuildOperations(database, repositoryId).latestBuildRecords('demo-app')).get('demo-app');
    expect(record).toMatchObject({ version: '1.0-1', used: { libdemo: '1.0-1' }, needed: { 'libdemo.so.1': { provider: 'libdemo', version: '1.0-1' } } });
    expect((await service.expectCli(['repo-check'])).stdout.trim()).toBe('everything is up to date');
  });

  it('libdemo 2.0 with libdemo.so.2 schedules demo-app with the soname reason, which repo-check prints', async () => {
    await service.expectCli(['package-add', await service.localPackage(libdemo('2.0', '2'))]);
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built libdemo 2\.0-1 in /m);
    expect(update.stdout).not.toMatch(/demo-app/);

    const reason = 'libdemo.so.1 -> libdemo.so.2 (libdemo 1.0-1 -> 2.0-1)';
    const check = await service.expectCli(['repo-check']);
    expect(check.stdout.trim()).toBe(`demo-app 1.0-1 => 1.0-1  (${reason})`);
    expect((await service.expectCli(['repo-check', '--no-check-files'])).stdout.trim()).toBe('everything is up to date');

    const queue = await new RebuildOperations(database, repositoryId).rebuildList();
    expect(queue).toEqual([expect.objectContaining({ base: 'demo-app', reason, failed: null })]);
    expect(queue[0]!.priority).toBeGreaterThanOrEqual(1000);
    const events = await new EventOperations(database, repositoryId).eventList({ event: 'package-outdated', objectId: 'demo-app' });
    expect(events.map((event) => event.message)).toEqual([`rebuild: ${reason}`]);
  });

  it('repo-update rebuilds demo-app with a bumped pkgrel against libdemo.so.2, and pacman upgrades both', async () => {
    await installServedLibdemo();
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built demo-app 1\.0-1\.1 in /m);
    const versions = Object.fromEntries((await service.checkServedFiles()).map((entry) => [entry.name, entry.version]));
    expect(versions).toEqual({ libdemo: '2.0-1', 'demo-app': '1.0-1.1' });
    expect(await new RebuildOperations(database, repositoryId).rebuildList()).toEqual([]);
    expect((await service.expectCli(['package-changes', 'demo-app'])).stdout).toContain('libdemo.so.1 -> libdemo.so.2');

    const upgrade = await pacman.upgrade();
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const installed = await pacman.query();
    expect([installed.get('libdemo'), installed.get('demo-app')]).toEqual(['2.0-1', '1.0-1.1']);
    const binary = await fs.readFile(path.join(pacman.root, 'usr/bin/demo-app'));
    expect(binary.includes(Buffer.from('libdemo.so.2'))).toBe(true);
    expect(binary.includes(Buffer.from('libdemo.so.1'))).toBe(false);
  });

  it('a pkgrel-only change of libdemo rebuilds nothing in soname mode; always mode reports it', async () => {
    await service.expectCli(['package-add', await service.localPackage(libdemo('2.0', '2', '2'))]);
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built libdemo 2\.0-2 in /m);
    expect(update.stdout).not.toMatch(/demo-app/);
    expect((await service.expectCli(['repo-check'])).stdout.trim()).toBe('everything is up to date');
    expect(await new RebuildOperations(database, repositoryId).rebuildList()).toEqual([]);

    const always = await service.cli(['repo-check'], { 'build:rebuild_on_dependency_change': 'always' });
    expect(always.code, always.stderr).toBe(0);
    expect(always.stdout.trim()).toBe('demo-app 1.0-1.1 => 1.0-1.1  (libdemo 2.0-1 -> 2.0-2)');
  });
});

/** A distribution package in a sync database, with makepkg's library provide for its soname. */
function distributionLibrary(version: string, soversion: string): RepositoryEntry {
  return {
    fileName: `libsys-${version}-x86_64.pkg.tar.zst`, name: 'libsys', base: 'libsys', version, description: 'libsys', groups: [], compressedSize: 1,
    installedSize: 1, md5: '0'.repeat(32), sha256: '0'.repeat(64), pgpSignature: '', url: '', licenses: [], architecture: 'x86_64',
    buildDate: 1_700_000_000, packager: 'someone', replaces: [], conflicts: [], provides: [`libsys.so=${soversion}-64`], depends: [], optDepends: [],
    makeDepends: [], checkDepends: [], files: [],
  };
}

describe('dependency-change rebuilds against the distribution, found by -y', () => {
  let service: Service;
  let server: http.Server;
  let mirror: string;
  let database: Database;
  let environment: Record<string, string>;
  const repositoryId = new RepositoryId('x86_64', 'demo');

  async function publishDistribution(version: string, soversion: string): Promise<void> {
    await writeRepositoryDatabase(path.join(mirror, 'core', 'os', 'x86_64'), 'core', [distributionLibrary(version, soversion)]);
  }

  beforeAll(async () => {
    service = await Service.create({ driver: 'host', sign: false });
    mirror = await service.temporaryDirectory();
    await publishDistribution('1.0-1', '1');
    for (const other of ['extra', 'multilib']) await writeRepositoryDatabase(path.join(mirror, other, 'os', 'x86_64'), other, []);
    server = http.createServer((request, response) => {
      try {
        response.writeHead(200).end(readFileSync(path.join(mirror, request.url ?? '')));
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    environment = { 'alpm:mirror': `http://127.0.0.1:${(server.address() as AddressInfo).port}/$repo/os/$arch` };
    // links against a stand-in with the distribution library's soname, as the chroot's libsys would give it
    const app: PkgbuildSpec = {
      pkgname: 'sys-app',
      arch: ['x86_64'],
      variables: { depends: ['libsys'], options: ['!debug'] },
      package: [
        `printf '%s\\n' 'int sys_value(void) { return 0; }' > sys.c`,
        'gcc -shared -fPIC -Wl,-soname,libsys.so.1 -o libsys.so sys.c',
        `printf '%s\\n' 'int sys_value(void);' 'int main(void) { return sys_value(); }' > main.c`,
        'gcc -o sys-app main.c -L. -lsys',
        'install -Dm755 sys-app "$pkgdir/usr/bin/sys-app"',
      ].join('\n'),
    };
    await service.expectCli(['package-add', await service.localPackage(app)]);
    const update = await service.cli(['repo-update', '-y'], environment);
    expect(update.code, update.stderr).toBe(0);
    database = await Database.open(path.join(service.sandbox.root, 'ahriman.db'));
  });

  afterAll(async () => {
    await database?.close();
    await new Promise((resolve) => server?.close(resolve));
    await service?.cleanup();
    await removeBuildDirectories();
  });

  it('maps the soname to the distribution package that provides it', async () => {
    const implicit = await new DependenciesOperations(database, repositoryId).dependenciesGet('sys-app');
    expect(implicit.get('sys-app')).toEqual({ paths: { 'usr/lib/libsys.so.1': ['libsys'] } });
  });

  it('a -y refresh that brings libsys.so.2 schedules sys-app, which repo-check then prints', async () => {
    await publishDistribution('2.0-1', '2');
    const refresh = await service.cli(['repo-check', '-y', '--no-check-files'], environment);
    expect([refresh.code, refresh.stdout.trim()], refresh.stderr).toEqual([0, 'everything is up to date']);
    const reason = 'libsys.so.1 -> libsys.so.2 (libsys 1.0-1 -> 2.0-1)';
    expect(await new RebuildOperations(database, repositoryId).rebuildList()).toEqual([expect.objectContaining({ base: 'sys-app', reason, failed: null })]);
    const check = await service.cli(['repo-check'], environment);
    expect(check.stdout.trim(), check.stderr).toBe(`sys-app 1.0-1 => 1.0-1  (${reason})`);
  });
});
