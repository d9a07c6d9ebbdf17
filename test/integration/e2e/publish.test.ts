/**
 * Build and publish, end to end: AUR packages (one pulling an AUR dependency the user never added, one split package
 * with an epoch) and a local PKGBUILD are built with real makepkg in the sandbox driver, signed and published by the
 * built CLI; real pacman installs them with `SigLevel = Required` and rejects a tampered copy.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service, copyRepository } from './support.js';

const install = (name: string): string => `mkdir -p "$pkgdir/usr/share/${name}" && echo ${name} > "$pkgdir/usr/share/${name}/marker"`;

const LIBRARY: PkgbuildSpec = { pkgname: 'ahr-lib', pkgver: '1.0', package: install('ahr-lib') };
const APPLICATION: PkgbuildSpec = { pkgname: 'ahr-app', pkgver: '2.1', variables: { depends: ['ahr-lib>=1.0'] }, package: install('ahr-app') };
const SPLIT: PkgbuildSpec = {
  pkgbase: 'ahr-pair',
  pkgname: ['ahr-pair-left', 'ahr-pair-right'],
  pkgver: '3.0',
  epoch: '1',
  package: { 'ahr-pair-left': install('ahr-pair-left'), 'ahr-pair-right': install('ahr-pair-right') },
};
const LOCAL: PkgbuildSpec = { pkgname: 'ahr-local', pkgver: '0.5', package: install('ahr-local') };

describe('build and publish with the fake AUR, the sandbox driver and real pacman', () => {
  let service: Service;

  beforeAll(async () => {
    service = await Service.create();
    await Promise.all([service.publishToAur(LIBRARY), service.publishToAur(APPLICATION), service.publishToAur(SPLIT)]);
  });

  afterAll(async () => {
    await service?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('queues AUR names and a local PKGBUILD directory', async () => {
    const aur = await service.expectCli(['package-add', 'ahr-app', 'ahr-pair-right']);
    expect(aur.stdout.split('\n').filter(Boolean).sort()).toEqual(['queued ahr-app', 'queued ahr-pair']);
    const local = await service.expectCli(['package-add', await service.localPackage(LOCAL)]);
    expect(local.stdout.trim()).toBe('queued ahr-local');
  });

  it('builds the queue plus the AUR dependency nobody added, signs and publishes everything', async () => {
    const update = await service.expectCli(['repo-update']);
    const built = update.stdout.split('\n').filter((line) => line.startsWith('built ')).map((line) => line.split(' ').slice(1, 3).join(' '));
    expect(built.sort()).toEqual(['ahr-app 2.1-1', 'ahr-lib 1.0-1', 'ahr-local 0.5-1', 'ahr-pair 1:3.0-1']);

    const entries = await service.checkServedFiles();
    expect(entries.map(({ name, version, base }) => `${name} ${version} ${base}`)).toEqual([
      'ahr-app 2.1-1 ahr-app',
      'ahr-lib 1.0-1 ahr-lib',
      'ahr-local 0.5-1 ahr-local',
      'ahr-pair-left 1:3.0-1 ahr-pair',
      'ahr-pair-right 1:3.0-1 ahr-pair',
    ]);
    for (const name of ['demo.db', 'demo.db.sig', 'demo.files', 'demo.files.sig']) expect(existsSync(path.join(service.repository, name)), name).toBe(true);
    expect(await service.statuses()).toEqual({ 'ahr-app': 'success', 'ahr-lib': 'success', 'ahr-local': 'success', 'ahr-pair': 'success' });
    const queue = await service.expectCli(['repo-update', '--dry-run']);
    expect(queue.stdout.trim()).toBe('everything is up to date');
  });

  it('is installable by pacman with SigLevel = Required, dependency included', async () => {
    const pacman = await service.pacman();
    const sync = await pacman.sync();
    expect(sync.code, sync.stderr).toBe(0);
    const installed = await pacman.install(['ahr-app', 'ahr-pair-left', 'ahr-pair-right', 'ahr-local']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(Object.fromEntries(await pacman.query())).toEqual({
      'ahr-app': '2.1-1',
      'ahr-lib': '1.0-1',
      'ahr-local': '0.5-1',
      'ahr-pair-left': '1:3.0-1',
      'ahr-pair-right': '1:3.0-1',
    });
    for (const name of ['ahr-app', 'ahr-lib', 'ahr-local', 'ahr-pair-left', 'ahr-pair-right']) {
      expect(await fs.readFile(path.join(pacman.root, 'usr/share', name, 'marker'), 'utf8')).toBe(`${name}\n`);
    }
  });

  it('a package with one byte flipped in a copy of the repository is rejected by pacman', async () => {
    const copy = path.join(await service.temporaryDirectory(), 'demo');
    await copyRepository(service.repository, copy);
    const entry = (await service.databaseEntries(copy)).find((item) => item.name === 'ahr-local')!;
    const file = path.join(copy, entry.fileName);
    const bytes = await fs.readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await fs.writeFile(file, bytes);

    const pacman = await service.pacman(copy);
    expect((await pacman.sync()).code).toBe(0);
    const installed = await pacman.install(['ahr-local']);
    expect(installed.code).not.toBe(0);
    expect(installed.stderr).toMatch(/ahr-local.*(corrupted|invalid)/);
    expect((await pacman.query()).has('ahr-local')).toBe(false);
  });
});
