/**
 * The publish transaction (publish.ts, publisher.ts) against real archives, a real state database, bsdtar and
 * repo-add as references and a real pacman client: output identical to repo-add's, the database pair and its
 * signatures switched at one rename, modification times that always move on by whole seconds, removals that stay
 * removed, intake that sets every bad archive aside, and completion of a publish interrupted at its crash points.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readPackageArchive } from '../../../src/core/alpm/package-archive.js';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { changeClockPassed, fileStamp } from '../../../src/core/atomic-file.js';
import { Database } from '../../../src/core/database/connection.js';
import { run } from '../../../src/core/process.js';
import { type PublishPlan, type PublishServices, executePlan, recoverPublish } from '../../../src/core/repository/publish.js';
import { publishStaged } from '../../../src/core/repository/publish-staged.js';
import { type PublishSigners, RepositoryPublisher } from '../../../src/core/repository/publisher.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { LocalStatusClient } from '../../../src/core/status/local-client.js';
import { StatusService } from '../../../src/core/status/service.js';
import { Signer } from '../../../src/core/sign/signer.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';
import { craftArchive, writeHostileArchives } from '../../support/crafted-archives.js';
import { removeTestKeys, testKey, type TestKey } from '../../support/keys.js';
import { SPLIT_PACKAGE, buildPackages, removeBuildDirectories } from '../../support/makepkg.js';
import { type PacmanClient, createPacmanRoot, removeKeyringTemplate } from '../../support/pacman-client.js';

/** The text of every entry file (`<name>-<version>/desc`, `/files`) of a database, as bsdtar extracts it. */
async function entryTexts(database: string): Promise<Map<string, string>> {
  const listing = await run('bsdtar', ['-tf', database]);
  const texts = new Map<string, string>();
  for (const name of listing.stdout.split('\n').filter((line) => line && !line.endsWith('/'))) {
    texts.set(name, (await run('bsdtar', ['-xOf', database, name])).stdout);
  }
  return texts;
}

const opened: Array<{ state: RepositoryState; root: string }> = [];
const clients: PacmanClient[] = [];

/** Services over a new tree, or over `root` again (a new run after a crash: fresh publisher, same files). */
async function makeServices(signers: PublishSigners = {}, root = mkdtempSync(path.join(os.tmpdir(), 'ahriman-publish-'))): Promise<PublishServices> {
  const paths = new RepositoryPaths(root, new RepositoryId('x86_64', 'demo'));
  await fs.mkdir(paths.packages, { recursive: true });
  const state = new RepositoryState(await Database.open(paths.database), paths.repositoryId);
  opened.push({ state, root });
  return { paths, state, status: new StatusService(new LocalStatusClient(state)), publisher: new RepositoryPublisher(paths, signers) };
}

async function stage(services: PublishServices, archives: readonly string[]): Promise<string[]> {
  return archives.map((archive) => {
    const target = path.join(services.paths.packages, path.basename(archive));
    copyFileSync(archive, target);
    return target;
  });
}

async function listed(services: PublishServices): Promise<string[]> {
  return (await readSyncDatabase(path.join(services.paths.repository, 'demo.db'))).map((entry) => `${entry.name} ${entry.version}`).sort();
}

/** The crash-safety invariant: every file the served database lists is there with the listed checksum. */
async function expectServedFilesMatch(services: PublishServices): Promise<void> {
  for (const entry of await readSyncDatabase(path.join(services.paths.repository, 'demo.db'))) {
    const bytes = await fs.readFile(path.join(services.paths.repository, entry.fileName));
    expect(createHash('sha256').update(bytes).digest('hex'), entry.fileName).toBe(entry.sha256);
  }
}

async function statuses(services: PublishServices): Promise<Record<string, string>> {
  return Object.fromEntries((await services.state.packages.listPackages()).map((item) => [item.package.base, item.status.status]));
}

async function pacmanFor(services: PublishServices, key?: TestKey): Promise<PacmanClient> {
  const client = await createPacmanRoot({
    repositories: [{ name: 'demo', server: `file://${services.paths.repository}`, sigLevel: key ? 'Required' : 'Never' }],
    keys: key ? [key.armoredPublic] : [],
  });
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const { state, root } of opened.splice(0)) {
    await state.close();
    await fs.rm(root, { recursive: true, force: true });
  }
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.cleanup()));
  await Promise.all([removeBuildDirectories(), removeKeyringTemplate(), removeTestKeys()]);
});

describe('publishing', () => {
  let archives: string[] = [];
  let upgraded: string[] = [];

  beforeAll(async () => {
    const builds = await Promise.all([
      buildPackages(SPLIT_PACKAGE),
      buildPackages({ pkgname: 'ahr-plain', pkgver: '1.0', variables: { depends: ['ahr-split-main'] } }, { extension: '.pkg.tar.xz' }),
      buildPackages({ pkgname: 'ahr-gzip', pkgver: '0.1' }, { extension: '.pkg.tar.gz' }),
      buildPackages({ pkgname: 'ahr-plain', pkgver: '1.1', variables: { depends: ['ahr-split-main'] } }, { extension: '.pkg.tar.xz' }),
    ]);
    archives = builds.slice(0, 3).flatMap((build) => build.archives);
    upgraded = builds[3]!.archives;
  });

  it('writes desc and files entries identical to what repo-add writes for the same packages', async () => {
    const services = await makeServices();
    await stage(services, archives);
    const result = await publishStaged(services);
    expect(result.added.map((entry) => entry.name).sort()).toEqual(['ahr-gzip', 'ahr-plain', 'ahr-split-extra', 'ahr-split-main']);

    const reference = mkdtempSync(path.join(os.tmpdir(), 'ahriman-repo-add-'));
    for (const archive of archives) copyFileSync(archive, path.join(reference, path.basename(archive)));
    await run('repo-add', ['-q', path.join(reference, 'demo.db.tar.gz'), ...archives.map((archive) => path.join(reference, path.basename(archive)))]);

    for (const kind of ['db', 'files']) {
      const ours = await entryTexts(path.join(services.paths.repository, `demo.${kind}.tar.gz`));
      const theirs = await entryTexts(path.join(reference, `demo.${kind}.tar.gz`));
      expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
      for (const [name, text] of theirs) expect(ours.get(name), `${kind}: ${name}`).toBe(text);
    }
    await fs.rm(reference, { recursive: true });
  });

  it('serves hard links of the archive pool, records state in the same run, replaces an upgrade and removes for good', async () => {
    const services = await makeServices();
    await stage(services, archives);
    await publishStaged(services);
    const oldPlain = path.basename(archives.find((archive) => archive.includes('ahr-plain-1.0'))!);
    const { repository } = services.paths;
    const served = lstatSync(path.join(repository, oldPlain));
    const pooled = lstatSync(path.join(services.paths.root, 'archive/packages/a/ahr-plain', oldPlain));
    expect(served.isFile() && served.ino === pooled.ino && served.nlink === 2).toBe(true);
    expect(readdirSync(services.paths.packages)).toEqual([]);
    expect(await statuses(services)).toEqual({ 'ahr-gzip': 'success', 'ahr-plain': 'success', 'ahr-split': 'success' });
    expect(await services.state.journal.journalGet()).toBeUndefined();

    await stage(services, upgraded);
    const result = await publishStaged(services);
    expect(result.added.map((entry) => entry.version)).toEqual(['1.1-1']);
    expect(result.removed.map((entry) => entry.version)).toEqual(['1.0-1']);
    expect(existsSync(path.join(repository, oldPlain))).toBe(false);
    expect(existsSync(path.join(services.paths.archiveFor('ahr-plain'), oldPlain))).toBe(true);
    expect(await listed(services)).toEqual(['ahr-gzip 0.1-1', 'ahr-plain 1.1-1', 'ahr-split-extra 2:1.2.3-4', 'ahr-split-main 2:1.2.3-4']);

    await executePlan(services, { added: [], remove: ['ahr-split-main', 'ahr-split-extra'], forget: ['ahr-split'], durations: {} });
    expect(await listed(services)).toEqual(['ahr-gzip 0.1-1', 'ahr-plain 1.1-1']);
    expect(readdirSync(repository).filter((name) => name.includes('ahr-split'))).toEqual([]);
    expect(Object.keys(await statuses(services))).toEqual(['ahr-gzip', 'ahr-plain']);

    // a later run, with the removed package's link back (a cleanup the crash of an old run never made): not resurrected
    const split = path.basename(archives.find((archive) => archive.includes('ahr-split-main'))!);
    await fs.symlink(path.relative(repository, path.join(services.paths.archiveFor('ahr-split'), split)), path.join(repository, split));
    const again = await makeServices({}, services.paths.root);
    await publishStaged(again);
    expect(await listed(again)).toEqual(['ahr-gzip 0.1-1', 'ahr-plain 1.1-1']);
    expect(existsSync(path.join(repository, split))).toBe(false);
  });

  it('switches .db, .files and their signatures at one rename: constant links resolve through one pointer', async () => {
    const key = await testKey();
    const signer = await Signer.load({ targets: { packages: true, repository: true }, keyFile: key.secretKeyFile });
    const sign = async (file: string): Promise<void> => void (await signer.signFile(file));
    const services = await makeServices({ packages: sign, repository: sign });
    await stage(services, archives.filter((archive) => archive.includes('ahr-gzip')));
    await publishStaged(services);
    await stage(services, archives.filter((archive) => archive.includes('ahr-split')));
    await publishStaged(services);

    const { repository } = services.paths;
    for (const kind of ['db', 'files']) {
      for (const suffix of ['', '.sig']) {
        const target = `.db/current/demo.${kind}.tar.gz${suffix}`;
        expect(readlinkSync(path.join(repository, `demo.${kind}${suffix}`))).toBe(target);
        expect(readlinkSync(path.join(repository, `demo.${kind}.tar.gz${suffix}`))).toBe(target);
      }
    }
    const current = readlinkSync(path.join(repository, '.db/current'));
    expect(current).toMatch(/^[0-9]+$/);
    // the generation before is kept for readers in the middle of a download, older ones go
    expect(readdirSync(path.join(repository, '.db')).sort()).toEqual([String(Number(current) - 1), current, 'current'].sort());
    expect(readdirSync(path.join(repository, '.db', current)).sort()).toEqual(['demo.db.tar.gz', 'demo.db.tar.gz.sig', 'demo.files.tar.gz', 'demo.files.tar.gz.sig', 'entries.json', 'files-0.tar']);

    const pacman = await pacmanFor(services, key);
    const synced = await pacman.sync();
    expect(synced.code, synced.stderr).toBe(0);
    const installed = await pacman.run(['-S', '--noconfirm', '--noscriptlet', 'ahr-gzip']);
    expect(installed.code, installed.stderr).toBe(0);
    expect((await pacman.run(['-Si', 'ahr-split-main'])).code).toBe(0);
  });

  it('two publishes within a second: the second database is a whole second newer, and a client that synced in between sees it', async () => {
    const key = await testKey();
    const signer = await Signer.load({ targets: { packages: true, repository: true }, keyFile: key.secretKeyFile });
    const sign = async (file: string): Promise<void> => void (await signer.signFile(file));
    const services = await makeServices({ packages: sign, repository: sign });
    const database = path.join(services.paths.repository, 'demo.db');
    await stage(services, archives.filter((archive) => archive.includes('ahr-gzip')));
    await publishStaged(services);
    const pacman = await pacmanFor(services, key);
    expect((await pacman.sync()).code).toBe(0);
    const first = (await fs.stat(database)).mtimeMs;

    await stage(services, archives.filter((archive) => archive.includes('ahr-split')));
    await publishStaged(services);
    const second = (await fs.stat(database)).mtimeMs;
    expect(Math.floor(second / 1000)).toBeGreaterThanOrEqual(Math.floor(first / 1000) + 1);
    expect((await fs.stat(`${database}.sig`)).mtimeMs).toBe(second);

    const synced = await pacman.sync();
    expect(synced.code, synced.stderr).toBe(0);
    const info = await pacman.run(['-Si', 'ahr-split-main']);
    expect(info.code, info.stderr).toBe(0);
  });

  it('a rebuilt file of a served name never leaves a listed file with another checksum, even when interrupted', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-rebuilt-'));
    const first = await craftArchive(path.join(directory, 'first'), { pkgname: 'ahr-same', version: '1.0-1' });
    const rebuilt = await craftArchive(path.join(directory, 'rebuilt'), { pkgname: 'ahr-same', version: '1.0-1' });
    const services = await makeServices();
    await stage(services, [first]);
    await publishStaged(services);

    // the package signer fails once: the run stops in the pool step, after the served file left the database
    const failing = await makeServices({ packages: () => Promise.reject(new Error('signing failed')) }, services.paths.root);
    await stage(failing, [rebuilt]);
    await expect(publishStaged(failing)).rejects.toThrow('signing failed');
    await expectServedFilesMatch(failing);
    expect(await listed(failing)).toEqual([]);

    const next = await makeServices({}, services.paths.root);
    await publishStaged(next);
    await expectServedFilesMatch(next);
    const sha256 = createHash('sha256').update(await fs.readFile(rebuilt)).digest('hex');
    expect((await readSyncDatabase(path.join(next.paths.repository, 'demo.db'))).map((entry) => entry.sha256)).toEqual([sha256]);
    await fs.rm(directory, { recursive: true });
  });
});

describe('a publish interrupted after its journal entry', () => {
  let archives: string[] = [];
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-journal-'));
    archives = [
      await craftArchive(directory, { pkgname: 'ahr-one', version: '1.0-1' }),
      await craftArchive(directory, { pkgname: 'ahr-two', version: '2.0-1' }),
    ];
  });
  afterAll(() => fs.rm(directory, { recursive: true, force: true }));

  /** Stages the archives and journals their publish as step 3 does, with their metadata read by the intake. */
  async function journaled(services: PublishServices): Promise<PublishPlan> {
    await stage(services, archives);
    const added = await Promise.all(archives.map((archive) => readPackageArchive(path.join(services.paths.packages, path.basename(archive)))));
    const plan: PublishPlan = { added, remove: [], forget: [], durations: { 'ahr-one': 12 } };
    await services.state.journal.journalInsert(plan);
    return plan;
  }

  async function expectCompleted(services: PublishServices): Promise<void> {
    expect(await listed(services)).toEqual(['ahr-one 1.0-1', 'ahr-two 2.0-1']);
    await expectServedFilesMatch(services);
    expect(await statuses(services)).toEqual({ 'ahr-one': 'success', 'ahr-two': 'success' });
    expect(await services.state.journal.journalGet()).toBeUndefined();
    expect(readdirSync(services.paths.packages)).toEqual([]);
    const events = await services.state.events.eventList({ event: 'package-updated' });
    expect(events.map((event) => [event.objectId, event.data['duration']])).toEqual([['ahr-one', 12], ['ahr-two', 0]]);
  }

  it('before anything moved: the next run publishes the journaled archives and records them', async () => {
    const crashed = await makeServices();
    await journaled(crashed);
    const next = await makeServices({}, crashed.paths.root);
    const recovered = await recoverPublish(next);
    expect(recovered?.added.map((entry) => entry.name).sort()).toEqual(['ahr-one', 'ahr-two']);
    await expectCompleted(next);
  });

  it('a staged file replaced after the journal entry is not pooled under the planned checksum: the next intake takes it', async () => {
    const crashed = await makeServices();
    await journaled(crashed);
    const replaced = await craftArchive(directory, { pkgname: 'ahr-one', version: '1.0-1', payload: 4096 }, 'replacement.pkg.tar.zst');
    await fs.copyFile(replaced, path.join(crashed.paths.packages, 'ahr-one-1.0-1-any.pkg.tar.zst'));

    const next = await makeServices({}, crashed.paths.root);
    await recoverPublish(next);
    expect(await listed(next)).toEqual(['ahr-two 2.0-1']);
    expect(readdirSync(next.paths.packages)).toEqual(['ahr-one-1.0-1-any.pkg.tar.zst']);
    await publishStaged(next);
    expect(await listed(next)).toEqual(['ahr-one 1.0-1', 'ahr-two 2.0-1']);
    await expectServedFilesMatch(next);
    await fs.rm(replaced);
  });

  it('between the commit and the state update: the state catches up, nothing is published twice', async () => {
    const crashed = await makeServices();
    const plan = await journaled(crashed);
    // steps 4-6 of the interrupted run
    await fs.mkdir(crashed.paths.repository, { recursive: true });
    const entries = await Promise.all(plan.added.map((metadata) => crashed.publisher.pool(metadata)));
    for (const entry of entries) await crashed.publisher.link(entry!);
    await crashed.publisher.commit(entries.map((entry) => entry!));
    expect(await statuses(crashed)).toEqual({});

    const next = await makeServices({}, crashed.paths.root);
    await publishStaged(next);
    await expectCompleted(next);
  });
});

describe('intake of staged archives', () => {
  it('sets every bad archive aside with one line each, publishes the good ones, leaves the served ones alone', async () => {
    const services = await makeServices();
    const directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-intake-'));
    await stage(services, [await craftArchive(directory, { pkgname: 'ahr-served', version: '1.0-1' })]);
    await publishStaged(services);

    const cases = await writeHostileArchives(services.paths.packages);
    await craftArchive(services.paths.packages, { pkgname: 'ahr-good', version: '1.0-1' });
    const result = await publishStaged(services);

    expect(result.added.map((entry) => entry.name)).toEqual(['ahr-good']);
    expect(result.rejected).toHaveLength(cases.size);
    for (const name of cases.keys()) {
      const lines = result.rejected.filter((line) => line.includes(`/${name}`));
      expect(lines, `${name} (${cases.get(name)})`).toHaveLength(1);
      expect(lines[0]!.includes('\n'), name).toBe(false);
    }
    expect(await listed(services)).toEqual(['ahr-good 1.0-1', 'ahr-served 1.0-1']);
    await expectServedFilesMatch(services);
    expect(readdirSync(services.paths.packages)).toEqual(['rejected']);
    expect(readdirSync(path.join(services.paths.packages, 'rejected')).sort()).toEqual([...cases.keys()].sort());
    expect(existsSync('/tmp/ahriman-intake-pwned')).toBe(false);

    // set aside, they block nothing: the next publish has nothing to reject
    await craftArchive(services.paths.packages, { pkgname: 'ahr-later', version: '1.0-1' });
    const later = await publishStaged(services);
    expect(later.rejected).toEqual([]);
    expect(await listed(services)).toEqual(['ahr-good 1.0-1', 'ahr-later 1.0-1', 'ahr-served 1.0-1']);
    await fs.rm(directory, { recursive: true });
  });
});

describe('the metadata of archives validated before', () => {
  it('spares the decompression of the same bytes, and only of the same bytes', async () => {
    const services = await makeServices();
    const directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-validated-'));
    const archive = await craftArchive(directory, { pkgname: 'ahr-known', version: '1.0-1' });
    const metadata = await readPackageArchive(archive);
    // bytes of the same name and size that are no archive at all: the hash tells them from the validated ones
    const impostor = path.join(services.paths.packages, path.basename(archive));
    await fs.writeFile(impostor, Buffer.alloc(metadata.compressedSize, 0x41));
    await services.state.archiveMetadata.metadataInsert([{ metadata, stagedStamp: null }]);
    const rejected = await publishStaged(services);
    expect(rejected.rejected).toEqual([expect.stringContaining('not a tar archive')]);

    // the validated bytes themselves: accepted from what was remembered (the remembered file list proves it)
    await stage(services, [archive]);
    await services.state.archiveMetadata.metadataInsert([{ metadata: { ...metadata, files: ['usr/', 'usr/remembered'] }, stagedStamp: null }]);
    const accepted = await publishStaged(services);
    expect(accepted.added.map((entry) => entry.files)).toEqual([['usr/', 'usr/remembered']]);
    expect(await services.state.archiveMetadata.metadataList()).toEqual([]);
    await fs.rm(directory, { recursive: true });
  });

  it('takes the staged copy that still has the stamp package-add took without reading it, and reads it once it changed', async () => {
    const services = await makeServices();
    const directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-stamped-'));
    const archive = await craftArchive(directory, { pkgname: 'ahr-stamped', version: '1.0-1' });
    const metadata = { ...(await readPackageArchive(archive)), files: ['usr/', 'usr/remembered'] };
    // bytes that are no archive at all, under the stamp of a validated copy: only a publish that reads them sees that
    const staged = path.join(services.paths.packages, path.basename(archive));
    await fs.writeFile(staged, Buffer.alloc(metadata.compressedSize, 0x41));
    await services.state.archiveMetadata.metadataInsert([{ metadata, stagedStamp: fileStamp(statSync(staged, { bigint: true })) }]);
    const taken = await publishStaged(services);
    expect(taken.rejected).toEqual([]);
    expect(taken.added.map((entry) => entry.files)).toEqual([['usr/', 'usr/remembered']]);

    // the same bytes written again in place, as tampering would: the stamp changes, so the publish reads the file
    const retouched = path.join(services.paths.packages, path.basename(archive).replace('1.0-1', '1.0-2'));
    await fs.writeFile(retouched, Buffer.alloc(metadata.compressedSize, 0x41));
    const remembered = statSync(retouched, { bigint: true });
    await services.state.archiveMetadata.metadataInsert([{ metadata: { ...metadata, version: '1.0-2', fileName: path.basename(retouched) }, stagedStamp: fileStamp(remembered) }]);
    expect(changeClockPassed(services.paths.packages, remembered.ctimeNs)).toBe(true); // as package-add does
    await fs.writeFile(retouched, Buffer.alloc(metadata.compressedSize, 0x41));
    const read = await publishStaged(services);
    expect(read.rejected).toEqual([expect.stringContaining('not a tar archive')]);
    await fs.rm(directory, { recursive: true });
  });
});

describe('cleanup after a killed run', () => {
  it('removes the temporary files the killed run left, and nothing else', async () => {
    const services = await makeServices();
    await fs.mkdir(services.paths.repository, { recursive: true });
    const leftovers = [
      path.join(services.paths.packages, '.foo-1-1-any.pkg.tar.zst.sig.0123456789ab.tmp'),
      path.join(services.paths.repository, '.demo.db.tar.gz.ba9876543210.tmp'),
    ];
    for (const file of leftovers) await fs.writeFile(file, 'partial');
    await fs.writeFile(path.join(services.paths.repository, '.keep-me'), 'not ours');
    await publishStaged(services);
    for (const file of leftovers) expect(existsSync(file), file).toBe(false);
    expect(existsSync(path.join(services.paths.repository, '.keep-me'))).toBe(true);
  });
});
