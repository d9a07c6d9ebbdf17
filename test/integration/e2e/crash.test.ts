/**
 * Crash safety: `repo-update` killed with SIGKILL while it builds, and while it publishes (at several moments),
 * leaves a repository pacman can sync whose every listed file is present with the listed checksum, and the build
 * queue intact; the next run completes the work.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
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
async function writeBulkArchives(directory: string, pkgver: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  for (const name of BULK_NAMES) {
    const root = await mkdtemp(path.join(directory, '.root-'));
    await mkdir(path.join(root, 'usr/share', name), { recursive: true });
    await writeFile(path.join(root, 'usr/share', name, 'data'), randomBytes(BULK_PAYLOAD));
    const pkginfo = [
      `pkgname = ${name}`,
      'pkgbase = ahr-bulk',
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

describe('repo-update killed with SIGKILL', () => {
  let service: Service;

  /** The invariants after a crash: pacman syncs, every listed file is there with the listed checksum. */
  async function expectConsistent(): Promise<string[]> {
    const entries = await service.checkServedFiles();
    const pacman = await service.pacman();
    const sync = await pacman.sync();
    expect(sync.code, sync.stderr).toBe(0);
    await pacman.cleanup();
    return entries.map((entry) => `${entry.name} ${entry.version}`);
  }

  async function queued(): Promise<string[]> {
    const pending = await service.expectCli(['repo-update', '--dry-run', '--json']);
    return (JSON.parse(pending.stdout) as Array<{ base: string; reason: string }>).map((item) => `${item.base} ${item.reason}`);
  }

  beforeAll(async () => {
    service = await Service.create();
  });

  afterAll(async () => {
    await service?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  describe('while building', () => {
    let slowDirectory: string;

    it('leaves the published repository consistent and the package queued', async () => {
      const stable = await service.localPackage({ pkgname: 'ahr-stable', package: 'mkdir -p "$pkgdir/usr/share/ahr-stable"' });
      slowDirectory = await service.localPackage(slowPkgbuild(300));
      await service.expectCli(['package-add', stable]);
      await service.expectCli(['repo-update']);
      await service.expectCli(['package-add', slowDirectory]);

      const update = service.spawn(['repo-update']);
      // the live build log says when makepkg has entered build(), which then sleeps
      const building = async () => (await service.cli(['package-logs', 'ahr-slow'])).stdout.includes('Starting build()');
      await waitFor(building, 'makepkg to start build() of ahr-slow');
      update.child.kill('SIGKILL');
      expect(await update.exited).toBeNull();

      expect(await expectConsistent()).toEqual(['ahr-stable 1.0-1']);
      expect(await queued()).toEqual(['ahr-slow queued']);
    });

    it('the next run, with the PKGBUILD fixed, completes the work', async () => {
      const pkgbuild = path.join(slowDirectory, 'PKGBUILD');
      await writeFile(pkgbuild, slowPkgbuild(0));
      const user = await buildUser();
      await chown(pkgbuild, user.uid, user.gid);

      const update = await service.expectCli(['repo-update']);
      expect(update.stdout).toMatch(/^built ahr-slow 1\.0-1 /m);
      expect(await expectConsistent()).toEqual(['ahr-slow 1.0-1', 'ahr-stable 1.0-1']);
      expect(await queued()).toEqual([]);
      expect(await service.statuses()).toEqual({ 'ahr-slow': 'success', 'ahr-stable': 'success' });
    });
  });

  describe('while publishing', () => {
    const versions = ['2.0', '3.0'];
    const archives = new Map<string, string>();

    beforeAll(async () => {
      const directory = await service.temporaryDirectory();
      for (const pkgver of versions) {
        archives.set(pkgver, path.join(directory, pkgver));
        await writeBulkArchives(path.join(directory, pkgver), pkgver);
      }
    });

    /** Archives waiting in `packages/demo/x86_64` (hidden temporary files of killed runs aside). */
    async function stagedArchives(): Promise<string[]> {
      return (await readdir(service.incoming)).filter((name) => !name.startsWith('.'));
    }

    /** The names in the archive pool of the bulk packages (the publisher's first move of staged archives). */
    async function pooled(): Promise<string> {
      const names = await readdir(path.join(service.sandbox.root, 'archive/packages/a/ahr-bulk')).catch(() => []);
      return names.sort().join('\n');
    }

    /** Stages one version of the bulk packages and starts repo-update; resolves once the publisher pools them. */
    async function startPublishing(pkgver: string) {
      await service.expectCli(['package-add', archives.get(pkgver)!]);
      const before = await pooled();
      const update = service.spawn(['repo-update']);
      let exited = false;
      void update.exited.then(() => (exited = true));
      await waitFor(async () => exited || (await pooled()) !== before, 'the publish to start');
      return { update, exited: () => exited };
    }

    /** How each killed run ended: killed midway, or finished before the kill. */
    const outcomes: Array<'killed' | 'finished'> = [];

    // milliseconds after the publisher first pooled an archive (the rest of a publish of 60 validated archives takes
    // a few hundred ms); the version alternates between runs. Kills at every filesystem step, deterministically,
    // are the kill harness's job; these are a smoke test of random moments.
    it.each([0, 25, 100, 300])('killed %i ms into the publish, the repository stays consistent', async (offset) => {
      const { update, exited } = await startPublishing(versions[outcomes.length % versions.length]!);
      await delay(offset);
      outcomes.push(exited() ? 'finished' : 'killed');
      update.child.kill('SIGKILL');
      await update.exited;
      const published = await expectConsistent();
      expect(published).toEqual(expect.arrayContaining(['ahr-slow 1.0-1', 'ahr-stable 1.0-1']));
    });

    it('the next run publishes what the killed runs left staged', async () => {
      await service.expectCli(['repo-update']);
      // the kills did interrupt publishing; the state agrees with what is served, and no journal entry is left
      expect(outcomes.filter((outcome) => outcome === 'killed').length).toBeGreaterThanOrEqual(2);
      expect(await service.statuses()).toEqual({ 'ahr-bulk': 'success', 'ahr-slow': 'success', 'ahr-stable': 'success' });

      expect(await stagedArchives()).toEqual([]);
      const published = await expectConsistent();
      expect(published.map((entry) => entry.split(' ')[0])).toEqual(['ahr-slow', 'ahr-stable', ...BULK_NAMES].sort());
    });

    it('and the repository takes further updates as usual', async () => {
      const pkgver = versions[0]!;
      await service.expectCli(['package-add', archives.get(pkgver)!]);
      await service.expectCli(['repo-update']);
      expect(await stagedArchives()).toEqual([]);
      const published = await expectConsistent();
      expect(published).toEqual(['ahr-slow 1.0-1', 'ahr-stable 1.0-1', ...BULK_NAMES.map((name) => `${name} ${pkgver}-1`)].sort());
      const pacman = await service.pacman();
      const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-bulk-01', `ahr-bulk-${BULK_COUNT}`, 'ahr-slow']);
      expect(installed.code, installed.stderr).toBe(0);
      expect((await readFile(path.join(pacman.root, 'usr/share/ahr-bulk-01/data'))).length).toBe(BULK_PAYLOAD);
    });

    it('killed while rebuilt archives replace served ones of the same name: consistent, and the next run lists them', async () => {
      const directory = archives.get(versions[0]!)!;
      await rm(directory, { recursive: true });
      await writeBulkArchives(directory, versions[0]!);
      const { update, exited } = await startPublishing(versions[0]!);
      await delay(150);
      expect(exited(), 'the publish was over before the kill').toBe(false);
      update.child.kill('SIGKILL');
      await update.exited;
      await expectConsistent();

      await service.expectCli(['repo-update']);
      const served = new Map((await service.checkServedFiles()).map((entry) => [entry.fileName, entry.sha256]));
      for (const name of await readdir(directory)) {
        const sha256 = createHash('sha256').update(await readFile(path.join(directory, name))).digest('hex');
        expect(served.get(name), name).toBe(sha256);
      }
    });
  });
});
