/**
 * Daily snapshots with real packages (makepkg), a real published and signed repository, our database reader and
 * real pacman installing from a snapshot with `SigLevel = Required`; pruning after archived files are gone.
 */
import { existsSync, mkdtempSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositoryEntry } from '../../../src/core/alpm/repository-database.js';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { archiveTrigger, pruneSnapshots, snapshotDirectory, writeSnapshot } from '../../../src/core/archive/archive-trigger.js';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { type PublishSigners, RepositoryPublisher } from '../../../src/core/repository/publisher.js';
import { publishCopies } from '../../support/publish.js';
import { loadSigners } from '../../../src/core/repository/services.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import type { TriggerContext } from '../../../src/core/triggers/trigger.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import type { RepositoryPaths } from '../../../src/models/repository-paths.js';
import { emptyResult } from '../../../src/models/result.js';
import { removeTestKeys, testKey, type TestKey } from '../../support/keys.js';
import { buildPackages, removeBuildDirectories } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate } from '../../support/pacman-client.js';

const REPOSITORY = new RepositoryId('x86_64', 'demo');
const install = (name: string): string => `mkdir -p "$pkgdir/usr/share/${name}" && echo ${name} > "$pkgdir/usr/share/${name}/marker"`;
const noSigner = async () => undefined;

describe('archive snapshots', () => {
  let directory: string;
  let key: TestKey;
  let context: TriggerContext;
  let paths: RepositoryPaths;
  let signers: PublishSigners;
  let archives: { old: string[]; upgrade: string[]; other: string[] };
  let servedBeforeUpgrade: RepositoryEntry[];

  /** Publishes copies of the archives, as an update would. */
  async function publish(files: string[]): Promise<void> {
    await publishCopies(paths, signers, files);
  }

  const served = async () => [...(await new RepositoryPublisher(paths).index()).values()];
  const listed = async (snapshot: string) => (await readSyncDatabase(path.join(snapshot, 'demo.db'))).map((entry) => `${entry.name} ${entry.version}`).sort();

  beforeAll(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-archive-'));
    key = await testKey();
    const file = path.join(directory, 'ahriman.ini');
    const signing = `[sign]\ntarget = package repository\nkey = ${key.fingerprint}\nkey_file = ${key.secretKeyFile}`;
    writeFileSync(file, `[settings]\ndatabase = ${directory}/ahriman.db\n\n[repository]\nroot = ${directory}/root\n\n${signing}\n`);
    const configuration = Configuration.load(file, REPOSITORY);
    paths = configuration.repositoryPaths();
    context = { configuration, repositoryId: REPOSITORY, paths, state: await RepositoryState.open(configuration, REPOSITORY) };
    signers = await loadSigners(configuration);
    const [old, upgrade, other] = await Promise.all([
      buildPackages({ pkgname: 'ahr-snap', pkgver: '1.0', package: install('ahr-snap') }),
      buildPackages({ pkgname: 'ahr-snap', pkgver: '1.1', package: install('ahr-snap') }),
      buildPackages({ pkgname: 'ahr-keep', pkgver: '3.0', package: install('ahr-keep') }),
    ]);
    archives = { old: old.archives, upgrade: upgrade.archives, other: other.archives };
  });

  afterAll(async () => {
    await context?.state.close();
    await fs.rm(directory, { recursive: true, force: true });
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('the trigger snapshots what the repository serves today: relative links and a signed database pacman installs from', async () => {
    await publish([...archives.old, ...archives.other]);
    const trigger = await archiveTrigger.create(context);
    servedBeforeUpgrade = await served();
    await trigger.onResult!(emptyResult(), servedBeforeUpgrade);

    const snapshot = snapshotDirectory(paths, new Date());
    expect(snapshot).toMatch(new RegExp(`/archive/repos/\\d{4}/\\d{2}/\\d{2}/demo/x86_64$`));
    expect(await listed(snapshot)).toEqual(['ahr-keep 3.0-1', 'ahr-snap 1.0-1']);
    const link = path.join(snapshot, path.basename(archives.old[0]!));
    expect(path.isAbsolute(readlinkSync(link))).toBe(false);
    expect(realpathSync(link)).toBe(realpathSync(path.join(paths.archiveFor('ahr-snap'), path.basename(archives.old[0]!))));
    for (const name of ['demo.db.sig', 'demo.files.sig', `${path.basename(archives.old[0]!)}.sig`]) expect(existsSync(path.join(snapshot, name)), name).toBe(true);

    const pacman = await createPacmanRoot({ repositories: [{ name: 'demo', server: `file://${snapshot}` }], keys: [key.armoredPublic] });
    try {
      const sync = await pacman.sync();
      expect(sync.code, sync.stderr).toBe(0);
      const installed = await pacman.install(['ahr-snap', 'ahr-keep']);
      expect(installed.code, installed.stderr).toBe(0);
      expect(Object.fromEntries(await pacman.query())).toEqual({ 'ahr-keep': '3.0-1', 'ahr-snap': '1.0-1' });
    } finally {
      await pacman.cleanup();
    }
  });

  it('a later run of the same day replaces the snapshot, leaving no link of what is no longer served', async () => {
    await publish(archives.upgrade);
    const snapshot = await writeSnapshot(paths, await served(), new Date(), noSigner);
    expect(await listed(snapshot)).toEqual(['ahr-keep 3.0-1', 'ahr-snap 1.1-1']);
    const packageFiles = (await fs.readdir(snapshot)).filter((name) => name.includes('.pkg.tar')).sort();
    expect(packageFiles).toEqual([...archives.other, ...archives.upgrade].flatMap((file) => [path.basename(file), `${path.basename(file)}.sig`]).sort());
  });

  it('pruning drops packages whose archived files are gone and removes past snapshots left empty', async () => {
    const [onlyOld, mixed] = [new Date(2023, 5, 1), new Date(2024, 0, 15)];
    await writeSnapshot(paths, servedBeforeUpgrade.filter((entry) => entry.name === 'ahr-snap'), onlyOld, noSigner);
    await writeSnapshot(paths, servedBeforeUpgrade, mixed, noSigner);
    // archive rotation deletes ahr-snap 1.0, which the repository no longer serves
    const stored = path.join(paths.archiveFor('ahr-snap'), path.basename(archives.old[0]!));
    await fs.rm(stored);
    await fs.rm(`${stored}.sig`);

    expect(await pruneSnapshots(paths, new Date(), noSigner)).toEqual([snapshotDirectory(paths, onlyOld), snapshotDirectory(paths, mixed)]);
    expect(existsSync(path.join(paths.archiveSnapshots, '2023'))).toBe(false);
    expect(await listed(snapshotDirectory(paths, mixed))).toEqual(['ahr-keep 3.0-1']);
    expect((await fs.readdir(snapshotDirectory(paths, mixed))).filter((name) => name.startsWith('ahr-snap'))).toEqual([]);
    expect(await listed(snapshotDirectory(paths, new Date()))).toEqual(['ahr-keep 3.0-1', 'ahr-snap 1.1-1']);
    expect(await pruneSnapshots(paths, new Date(), noSigner)).toEqual([]);
  });
});
