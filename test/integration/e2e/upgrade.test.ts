/**
 * The life of published packages: an AUR version bump found by repo-check and built by repo-update reaches pacman
 * through -Syu; the same local PKGBUILD added again is rebuilt with a bumped pkgrel; package-remove takes a split
 * package base out of the repository, both packages at once.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { type PacmanClient, removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service } from './support.js';

const install = (name: string): string => `mkdir -p "$pkgdir/usr/share/${name}" && echo "${name} $pkgver" > "$pkgdir/usr/share/${name}/marker"`;
const bumped = (version: string): PkgbuildSpec => ({ pkgname: 'ahr-bump', pkgver: version, package: install('ahr-bump') });
const TWINS: PkgbuildSpec = {
  pkgbase: 'ahr-twins',
  pkgname: ['ahr-twins-one', 'ahr-twins-two'],
  pkgver: '4.2',
  package: { 'ahr-twins-one': install('ahr-twins-one'), 'ahr-twins-two': install('ahr-twins-two') },
};

describe('updates, pkgrel bumps and removal', () => {
  let service: Service;
  let pacman: PacmanClient;
  let twinsDirectory: string;

  beforeAll(async () => {
    service = await Service.create();
    await service.publishToAur(bumped('1.0'));
    twinsDirectory = await service.localPackage(TWINS);
    await service.expectCli(['package-add', 'ahr-bump', twinsDirectory]);
    await service.expectCli(['repo-update']);
    pacman = await service.pacman();
    const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-bump', 'ahr-twins-one', 'ahr-twins-two']);
    expect(installed.code, installed.stderr).toBe(0);
  });

  afterAll(async () => {
    await service?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('repo-check reports nothing while the AUR has what the repository has', async () => {
    const check = await service.expectCli(['repo-check']);
    expect(check.stdout.trim()).toBe('everything is up to date');
    const exitCode = await service.expectCli(['repo-check', '--exit-code'], 0);
    expect(exitCode.stdout.trim()).toBe('everything is up to date');
  });

  it('repo-check (text and --json) finds the AUR version bump without building it', async () => {
    await service.publishToAur(bumped('1.1'));
    const check = await service.expectCli(['repo-check']);
    expect(check.stdout.trim()).toBe('ahr-bump 1.0-1 -> 1.1-1  (AUR has 1.1-1)');
    const json = await service.expectCli(['repo-check', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([{ base: 'ahr-bump', current: '1.0-1', version: '1.1-1', reason: 'AUR has 1.1-1' }]);
    await service.expectCli(['repo-check', '--exit-code'], 1);
    expect((await service.databaseEntries()).find((entry) => entry.name === 'ahr-bump')?.version).toBe('1.0-1');
  });

  it('repo-update builds the bump and pacman -Syu upgrades to it', async () => {
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built ahr-bump 1\.1-1 in /m);
    expect(update.stdout).not.toMatch(/ahr-twins/);
    await service.checkServedFiles();

    const upgrade = await pacman.upgrade();
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect((await pacman.query()).get('ahr-bump')).toBe('1.1-1');
    expect(await fs.readFile(path.join(pacman.root, 'usr/share/ahr-bump/marker'), 'utf8')).toBe('ahr-bump 1.1\n');
    expect((await service.expectCli(['repo-check'])).stdout.trim()).toBe('everything is up to date');
  });

  it('the same local PKGBUILD added again is rebuilt as pkgrel 1.1, which pacman takes as an upgrade', async () => {
    await service.expectCli(['package-add', twinsDirectory]);
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built ahr-twins 4\.2-1\.1 in /m);
    const versions = Object.fromEntries((await service.checkServedFiles()).map((entry) => [entry.name, entry.version]));
    expect(versions).toEqual({ 'ahr-bump': '1.1-1', 'ahr-twins-one': '4.2-1.1', 'ahr-twins-two': '4.2-1.1' });
    expect((await fs.readdir(service.repository)).filter((name) => name.startsWith('ahr-twins-one-4.2-1-any'))).toEqual([]);

    const upgrade = await pacman.upgrade();
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const installed = await pacman.query();
    expect([installed.get('ahr-twins-one'), installed.get('ahr-twins-two')]).toEqual(['4.2-1.1', '4.2-1.1']);
  });

  it('package-remove of the split base removes both packages, their files and their state', async () => {
    const before = await service.databaseEntries();
    const twins = before.filter((entry) => entry.base === 'ahr-twins');
    expect(twins).toHaveLength(2);

    const remove = await service.expectCli(['package-remove', 'ahr-twins']);
    expect(remove.stdout.split('\n').filter(Boolean).sort()).toEqual(['removed ahr-twins-one', 'removed ahr-twins-two']);

    const entries = await service.checkServedFiles();
    expect(entries.map((entry) => entry.name)).toEqual(['ahr-bump']);
    for (const entry of twins) {
      expect(existsSync(path.join(service.repository, entry.fileName)), entry.fileName).toBe(false);
      expect(existsSync(path.join(service.repository, `${entry.fileName}.sig`)), `${entry.fileName}.sig`).toBe(false);
    }
    expect(await fs.readdir(service.repository)).not.toContainEqual(expect.stringContaining('ahr-twins'));
    expect(Object.keys(await service.statuses())).toEqual(['ahr-bump']);

    expect((await pacman.sync()).code).toBe(0);
    const info = await pacman.info('ahr-twins-one');
    expect(info.code).not.toBe(0);
    expect(info.stderr).toMatch(/ahr-twins-one.*not found/);
  });
});
