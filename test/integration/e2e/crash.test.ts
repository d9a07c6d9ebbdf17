/**
 * Crash safety: `repo-update` killed with SIGKILL while it builds, and while it publishes (at several of its
 * filesystem steps, chosen with the kill shim), leaves a repository pacman can sync whose every listed file is
 * present with the listed checksum, and the build queue intact; the next run completes the work. Every `it` has a
 * service of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { readSteps, removeKillShim, shimEnvironment } from '../../support/kill-shim.js';
import { removeTestKeys } from '../../support/keys.js';
import { buildUser, removeBuildDirectories } from '../../support/makepkg.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { PACKAGER, Service } from './support.js';

/** Many packages, so that publishing takes long enough to be interrupted at several moments. */
const BULK_COUNT = 60;
const BULK_NAMES = Array.from({ length: BULK_COUNT }, (_, index) => `ahr-bulk-${String(index + 1).padStart(2, '0')}`);
const BULK_PAYLOAD = 256 * 1024;

/**
 * Writes the bulk packages of one version into `directory`, made the way makepkg lays an archive out (`.PKGINFO`
 * first, then the files) with bsdtar: one makepkg run per package would take minutes.
 */
async function writeBulkArchives(directory: string, pkgver: string, names: readonly string[] = BULK_NAMES, base = 'ahr-bulk'): Promise<void> {
  await mkdir(directory, { recursive: true });
  for (const name of names) {
    const root = await mkdtemp(path.join(directory, '.root-'));
    await mkdir(path.join(root, 'usr/share', name), { recursive: true });
    await writeFile(path.join(root, 'usr/share', name, 'data'), randomBytes(BULK_PAYLOAD));
    const pkginfo = [
      `pkgname = ${name}`,
      `pkgbase = ${base}`,
      `pkgver = ${pkgver}-1`,
      `pkgdesc = bulk package ${name}`,
      `builddate = ${Math.floor(Date.now() / 1000)}`,
      `packager = ${PACKAGER}`,
      `size = ${BULK_PAYLOAD}`,
      'arch = any',
    ];
    await writeFile(path.join(root, '.PKGINFO'), `${pkginfo.join('\n')}\n`);
    await run('bsdtar', ['--zstd', '-cf', path.join(directory, `${name}-${pkgver}-1-any.pkg.tar.zst`), '-C', root, '.PKGINFO', 'usr']);
    await rm(root, { recursive: true });
  }
}

const slowPkgbuild = (seconds: number): string =>
  [
    'pkgname=ahr-slow',
    'pkgver=1.0',
    'pkgrel=1',
    "pkgdesc='builds slowly'",
    "arch=('any')",
    `build() {\n  sleep ${seconds}\n}`,
    'package() {\n  mkdir -p "$pkgdir/usr/share/ahr-slow"\n}',
    '',
  ].join('\n');

const delay = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** The invariants after a crash: pacman syncs, every listed file is there with the listed checksum. */
async function expectConsistent(service: Service): Promise<string[]> {
  const entries = await service.checkServedFiles();
  const pacman = await service.pacman();
  const sync = await pacman.sync();
  expect(sync.code, sync.stderr).toBe(0);
  await pacman.cleanup();
  return entries.map((entry) => `${entry.name} ${entry.version}`);
}

async function queued(service: Service): Promise<string[]> {
  const pending = await service.expectCli(['repo-update', '--dry-run', '--json']);
  return (JSON.parse(pending.stdout) as Array<{ base: string; reason: string }>).map((item) => `${item.base} ${item.reason}`);
}

/** Archives waiting in `packages/demo/x86_64` (hidden temporary files of killed runs aside). */
async function stagedArchives(service: Service): Promise<string[]> {
  return (await readdir(service.incoming)).filter((name) => !name.startsWith('.') && name.includes('.pkg.tar'));
}

/** Runs repo-update killed just before its `at`-th filesystem step; fails when it finished first. */
async function killUpdateAt(service: Service, at: number): Promise<void> {
  const log = path.join(await service.temporaryDirectory(), 'kill.log');
  const update = await service.cli(['repo-update'], await shimEnvironment(log, { at }));
  const { killed } = await readSteps(log);
  expect(killed, `repo-update finished before step ${at}: ${update.stderr}`).toBeDefined();
  expect(update.code).toBe(-1);
}

describe('repo-update killed with SIGKILL', () => {
  const services: Service[] = [];
  const service = async (): Promise<Service> => {
    const created = await Service.create();
    services.push(created);
    return created;
  };

  afterAll(async () => {
    for (const created of services) await created.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
    await removeKillShim();
  });

  it('while building: leaves the repository consistent and the package queued; the next run builds it and removes the leftovers', async () => {
    const crashed = await service();
    const stable = await crashed.localPackage({ pkgname: 'ahr-stable', package: 'mkdir -p "$pkgdir/usr/share/ahr-stable"' });
    const slowDirectory = await crashed.localPackage(slowPkgbuild(300));
    await crashed.expectCli(['package-add', stable]);
    await crashed.expectCli(['repo-update']);
    await crashed.expectCli(['package-add', slowDirectory]);

    const update = crashed.spawn(['repo-update']);
    // the live build log says when makepkg has entered build(), which then sleeps
    const building = async () => (await crashed.cli(['package-logs', 'ahr-slow'])).stdout.includes('Starting build()');
    await waitFor(building, 'makepkg to start build() of ahr-slow');
    update.child.kill('SIGKILL');
    expect(await update.exited).toBeNull();

    // the killed run's working copy is left, until the next command taking the lock removes it
    const workspaces = path.join(crashed.sandbox.root, 'build', 'demo', 'x86_64');
    expect(await readdir(workspaces)).toHaveLength(1);
    expect(await expectConsistent(crashed)).toEqual(['ahr-stable 1.0-1']);
    expect(await queued(crashed)).toEqual(['ahr-slow queued']);
    expect(await readdir(workspaces)).toEqual([]);

    const pkgbuild = path.join(slowDirectory, 'PKGBUILD');
    await writeFile(pkgbuild, slowPkgbuild(0));
    const user = await buildUser();
    await chown(pkgbuild, user.uid, user.gid);
    const rerun = await crashed.expectCli(['repo-update']);
    expect(rerun.stdout).toMatch(/^built ahr-slow 1\.0-1 /m);
    expect(await expectConsistent(crashed)).toEqual(['ahr-slow 1.0-1', 'ahr-stable 1.0-1']);
    expect(await queued(crashed)).toEqual([]);
    expect(await crashed.statuses()).toEqual({ 'ahr-slow': 'success', 'ahr-stable': 'success' });
    expect(await readdir(workspaces)).toEqual([]);
  });

  describe('while publishing', () => {
    let archives: string;
    /** How many filesystem steps publishing the bulk packages into a fresh repository takes. */
    let steps: number;

    /** A service serving one package already, as the repositories the kills interrupt do. */
    const publishingService = async (): Promise<Service> => {
      const created = await service();
      await created.expectCli(['package-add', path.join(archives, 'first')]);
      await created.expectCli(['repo-update']);
      return created;
    };

    beforeAll(async () => {
      archives = await mkdtemp(path.join(os.tmpdir(), 'ahriman-crash-archives-'));
      await writeBulkArchives(path.join(archives, '2.0'), '2.0');
      await writeBulkArchives(path.join(archives, 'first'), '1.0', ['ahr-first'], 'ahr-first');
      const probe = await publishingService();
      await probe.expectCli(['package-add', path.join(archives, '2.0')]);
      const log = path.join(await probe.temporaryDirectory(), 'count.log');
      const counted = await probe.cli(['repo-update'], await shimEnvironment(log));
      expect(counted.code, counted.stderr).toBe(0);
      steps = (await readSteps(log)).steps.length;
    });

    afterAll(async () => {
      if (archives) await rm(archives, { recursive: true, force: true });
    });

    // where in the publish the kill lands, as a fraction of its steps
    it.each([0.05, 0.35, 0.65, 0.95])('killed at %f of its steps: consistent, and the next run publishes everything', async (fraction) => {
      const crashed = await publishingService();
      await crashed.expectCli(['package-add', path.join(archives, '2.0')]);
      await killUpdateAt(crashed, Math.max(1, Math.floor(steps * fraction)));
      await expectConsistent(crashed);

      await crashed.expectCli(['repo-update']);
      expect(await stagedArchives(crashed)).toEqual([]);
      expect(await expectConsistent(crashed)).toEqual([...BULK_NAMES.map((name) => `${name} 2.0-1`), 'ahr-first 1.0-1']);
      expect(await crashed.statuses()).toEqual({ 'ahr-bulk': 'success', 'ahr-first': 'success' });
      const pacman = await crashed.pacman();
      const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-bulk-01', `ahr-bulk-${BULK_COUNT}`]);
      expect(installed.code, installed.stderr).toBe(0);
      expect((await readFile(path.join(pacman.root, 'usr/share/ahr-bulk-01/data'))).length).toBe(BULK_PAYLOAD);
    });

    it('killed while rebuilt archives replace served ones of the same name: consistent, and the next run lists them', async () => {
      const crashed = await publishingService();
      await crashed.expectCli(['package-add', path.join(archives, '2.0')]);
      await crashed.expectCli(['repo-update']);
      const rebuilt = path.join(await crashed.temporaryDirectory(), '2.0');
      await writeBulkArchives(rebuilt, '2.0');
      await crashed.expectCli(['package-add', rebuilt]);
      await killUpdateAt(crashed, Math.floor(steps / 2));
      await expectConsistent(crashed);

      await crashed.expectCli(['repo-update']);
      const served = new Map((await crashed.checkServedFiles()).map((entry) => [entry.fileName, entry.sha256]));
      for (const name of await readdir(rebuilt)) {
        const sha256 = createHash('sha256').update(await readFile(path.join(rebuilt, name))).digest('hex');
        expect(served.get(name), name).toBe(sha256);
      }
    });
  });
});
