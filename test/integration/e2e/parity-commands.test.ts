/**
 * The reference's repository commands against a real repository built by the service: package-archives and
 * package-rollback (pacman gets the older version back), package-changes / package-pkgbuild, package-copy into a
 * second repository (pacman installs from there), repo-remove-unknown with the fake AUR, repo-rebuild --dry-run and
 * package-add --json, and repo-backup / repo-restore on an emptied root.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ahriman } from '../../support/cli.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service } from './support.js';

const install = (name: string): string => `mkdir -p "$pkgdir/usr/share/${name}" && echo "${name} $pkgver" > "$pkgdir/usr/share/${name}/marker"`;
const ROLL = (version: string): PkgbuildSpec => ({ pkgname: 'ahr-roll', pkgver: version, package: install('ahr-roll') });
const GONE: PkgbuildSpec = { pkgname: 'ahr-gone', pkgver: '1.0', package: install('ahr-gone') };
const LOCAL: PkgbuildSpec = { pkgname: 'ahr-local', pkgver: '2.0', package: install('ahr-local') };

describe('parity commands on a real repository', () => {
  let service: Service;

  beforeAll(async () => {
    service = await Service.create();
    // keep every built version: rollback needs the older one
    const overrides = path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d', '99-test.ini');
    await fs.writeFile(overrides, '[archive]\nkeep_built_packages = 0\n');
    await service.publishToAur(ROLL('1.0'));
    await service.publishToAur(GONE);
    const added = await service.expectCli(['package-add', '--json', 'ahr-roll', 'ahr-gone', await service.localPackage(LOCAL)]);
    expect(JSON.parse(added.stdout)).toEqual({ queued: ['ahr-local', 'ahr-roll', 'ahr-gone'], staged: [], rejected: [] });
    await service.expectCli(['repo-update']);
  }, 300_000);

  afterAll(async () => {
    await service?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('stores the changes since the last build and the PKGBUILD it was built from', async () => {
    await service.publishToAur(ROLL('1.1'));
    const check = await service.expectCli(['repo-check']);
    expect(check.stdout).toContain('ahr-roll 1.0-1 -> 1.1-1');
    const changes = await service.expectCli(['package-changes', 'ahr-roll']);
    expect(changes.stdout).toMatch(/^-pkgver='?1\.0'?$/m);
    expect(changes.stdout).toMatch(/^\+pkgver='?1\.1'?$/m);
    const pkgbuild = await service.expectCli(['package-pkgbuild', 'ahr-roll']);
    expect(pkgbuild.stdout).toMatch(/^pkgver='?1\.0'?$/m);
    await service.expectCli(['package-changes-remove', 'ahr-roll']);
    const [cleared, pkgbuildKept] = await Promise.all([
      service.cli(['package-changes', 'ahr-roll', '-e']),
      service.cli(['package-pkgbuild', 'ahr-roll', '-e']),
    ]);
    expect([cleared.code, cleared.stdout, pkgbuildKept.code]).toEqual([1, '', 0]);
  });

  it('rolls back to the archived version, which pacman then installs, and holds the package', async () => {
    await service.expectCli(['repo-update']);
    const archives = await service.expectCli(['package-archives', 'ahr-roll', '--json']);
    expect((JSON.parse(archives.stdout) as Array<{ version: string }>).map((item) => item.version)).toEqual(['1.0-1', '1.1-1']);
    const text = await service.expectCli(['package-archives', 'ahr-roll']);
    expect(text.stdout).toBe('ahr-roll\n\tVersion: 1.0-1\nahr-roll\n\tVersion: 1.1-1\n');

    const missing = await service.cli(['package-rollback', 'ahr-roll', '0.9-1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ahr-roll 0.9-1 is not in the archive (archived versions: 1.0-1, 1.1-1)');

    await service.expectCli(['package-rollback', 'ahr-roll', '1.0-1']);
    await service.checkServedFiles();
    const pacman = await service.pacman();
    const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-roll']);
    expect(installed.code, installed.stderr).toBe(0);
    expect((await pacman.query()).get('ahr-roll')).toBe('1.0-1');
    const status = JSON.parse((await service.expectCli(['package-status', '--json', 'ahr-roll'])).stdout) as Array<{ package: { version: string }; status: { isHeld: boolean } }>;
    expect(status[0]).toMatchObject({ package: { version: '1.0-1' }, status: { isHeld: true } });
  });

  it('lists what repo-rebuild would rebuild, as JSON too', async () => {
    const json = await service.expectCli(['repo-rebuild', '--dry-run', '--json']);
    const bases = (JSON.parse(json.stdout) as Array<{ base: string }>).map((item) => item.base).sort();
    expect(bases).toEqual(['ahr-gone', 'ahr-local', 'ahr-roll']);
    const empty = await service.cli(['repo-rebuild', '--dry-run', '--depends-on', 'nothing-depends-on-this', '-e']);
    expect([empty.code, empty.stdout.trim()]).toEqual([1, 'nothing to rebuild']);
  });

  it('copies a package into a second repository, from which pacman installs it; --remove takes it out of the first', async () => {
    const other = ['-c', service.sandbox.configuration, '-a', 'x86_64', '-r', 'other'];
    expect((await ahriman([...other, 'service-setup', '--packager', 'T <t@localhost>'])).code).toBe(0);
    const unknown = await ahriman([...other, 'package-copy', 'demo', 'ahr-nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('not in repository x86_64-demo: ahr-nope');

    const copied = await ahriman([...other, 'copy', 'demo', 'ahr-local', '--remove']);
    expect(copied.code, copied.stderr).toBe(0);
    const otherRepository = path.join(service.sandbox.root, 'repository', 'other', 'x86_64');
    const pacman = await createPacmanRoot({
      repositories: [{ name: 'other', server: `file://${otherRepository}`, sigLevel: 'Required' }],
      keys: [service.key!.armoredPublic],
    });
    try {
      const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-local']);
      expect(installed.code, installed.stderr).toBe(0);
      expect((await pacman.query()).get('ahr-local')).toBe('2.0-1');
    } finally {
      await pacman.cleanup();
    }
    expect((await service.databaseEntries()).map((entry) => entry.name)).not.toContain('ahr-local');
    const status = JSON.parse((await ahriman([...other, 'package-status', '--json'])).stdout) as Array<{ package: { base: string } }>;
    expect(status.map((entry) => entry.package.base)).toEqual(['ahr-local']);
  });

  it('removes the packages that vanished from the AUR and keeps the local ones', async () => {
    await service.expectCli(['package-add', await service.localPackage(LOCAL)]);
    await service.expectCli(['repo-update']);
    service.aur.packages.delete('ahr-gone');
    const dryRun = await service.expectCli(['repo-remove-unknown', '--dry-run']);
    expect(dryRun.stdout).toBe('ahr-gone\n');
    expect((await service.databaseEntries()).map((entry) => entry.name)).toContain('ahr-gone');

    const removed = await service.expectCli(['remove-unknown']);
    expect(removed.stdout).toContain('removed ahr-gone');
    expect((await service.checkServedFiles()).map((entry) => entry.name)).toEqual(['ahr-local', 'ahr-roll']);
    expect(Object.keys(await service.statuses()).sort()).toEqual(['ahr-local', 'ahr-roll']);
  });

  it('backs up and restores the state: on an emptied root, package-status is the same again', async () => {
    const before = (await service.expectCli(['package-status', '--json'])).stdout;
    const archive = path.join(await service.temporaryDirectory(), 'backup.tar.gz');
    await service.expectCli(['repo-backup', archive]);
    await fs.rm(service.sandbox.root, { recursive: true, force: true });
    await fs.rm(service.sandbox.configuration);

    const restored = await ahriman(['repo-restore', archive]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(existsSync(service.sandbox.configuration)).toBe(true);
    expect(existsSync(path.join(service.sandbox.root, 'cache', 'ahr-roll', 'PKGBUILD'))).toBe(true);
    expect((await service.expectCli(['package-status', '--json'])).stdout).toBe(before);
  });

  it('refuses a backup whose entries would land outside the output directory, writing nothing', async () => {
    const directory = await service.temporaryDirectory();
    const archive = path.join(directory, 'hostile.tar');
    const writer = pack();
    writer.entry({ name: 'fine.txt' }, 'fine\n');
    writer.entry({ name: '../escaped.txt' }, 'escaped\n');
    writer.entry({ name: 'link', type: 'symlink', linkname: '/etc' });
    writer.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of writer) chunks.push(chunk as Buffer);
    await fs.writeFile(archive, Buffer.concat(chunks));

    const output = path.join(directory, 'out');
    await fs.mkdir(output);
    const result = await ahriman(['repo-restore', archive, '-o', output]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('../escaped.txt: path leaves the target directory');
    expect(result.stderr).toContain('link: symbolic link to the absolute path /etc');
    expect(await fs.readdir(output)).toEqual([]);
    expect(existsSync(path.join(directory, 'escaped.txt'))).toBe(false);
  });
});
