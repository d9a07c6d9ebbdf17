/**
 * Snapshots and pointers on the mirrors. rsync into a local directory: snapshots arrive with their packages as files,
 * pointers as links, and pacman installs from a pointer of the mirror. S3 against s3rver: every object of a snapshot
 * goes up before any database object of a pointer naming it, and a reader polling a pointer's database during the
 * upload never finds it naming a missing object; purged snapshots leave the bucket. GitHub: each pointer is a
 * release of its own holding its snapshot.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { purgeSnapshots } from '../../../src/core/snapshots/purge.js';
import { SnapshotStore } from '../../../src/core/snapshots/store.js';
import { FakeGitHub, fakeGitHubAssetName } from '../../support/fake-github.js';
import { removeTestKeys, testKey } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate } from '../../support/pacman-client.js';
import { TestS3Server } from '../../support/s3-server.js';
import { ARCHITECTURE, PACKAGE_A, PACKAGE_A_UPDATE, PACKAGE_B, REPOSITORY, UploadFixture, archiveOf } from './support.js';

const SNAPSHOTS = `${REPOSITORY}/${ARCHITECTURE}/snapshots`;

/**
 * The `%FILENAME%` entries of a gzipped repository database (tar read by hand: 512-byte headers, padded bodies), or
 * undefined when the gzip stream is incomplete: s3rver rewrites an object in place, so a poll can catch one half
 * written (S3 itself replaces an object whole).
 */
function listedFiles(database: Buffer): string[] | undefined {
  let tar: Buffer;
  try {
    tar = gunzipSync(database);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') return undefined;
    throw error;
  }
  const names: string[] = [];
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const size = parseInt(tar.subarray(offset + 124, offset + 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const body = tar.subarray(offset + 512, offset + 512 + size).toString('utf8');
    const match = /^%FILENAME%\n(.*)$/m.exec(body);
    if (match) names.push(match[1]!);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

async function purge(fixture: UploadFixture): Promise<string[]> {
  const database = await Database.open(fixture.paths.database);
  try {
    const state = new RepositoryState(database, fixture.paths.repositoryId);
    return (await purgeSnapshots(fixture.paths, new SnapshotStore(fixture.paths), state, { keep: 0, olderThanDays: 0, dryRun: false })).snapshots;
  } finally {
    await database.close();
  }
}

describe('snapshot uploads', () => {
  let fixture: UploadFixture;
  let store: SnapshotStore;

  beforeAll(async () => {
    fixture = await UploadFixture.create();
    store = new SnapshotStore(fixture.paths);
    await fixture.publish(await Promise.all([archiveOf(PACKAGE_A), archiveOf(PACKAGE_B)]), { snapshots: true });
  });

  afterAll(async () => {
    await fixture?.remove();
    await Promise.all([removeBuildDirectories(), removeKeyringTemplate(), removeTestKeys()]);
  });

  it('rsync: snapshots as files, pointers as links, pacman installs from a pointer of the mirror', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-rsync-snapshots-'));
    try {
      const remote = path.join(work, 'mirror');
      await fixture.upload(['[upload]', 'target = mirror', '[mirror]', 'type = rsync', `remote = ${remote}`].join('\n'));
      const mirrored = path.join(remote, ARCHITECTURE, 'snapshots');
      const [id] = await store.ids();
      expect(await fs.readlink(path.join(mirrored, 'current'))).toBe(id);
      const archive = (await fs.readdir(path.join(mirrored, id!))).find((name) => name.startsWith('ahr-up-a-'))!;
      expect((await fs.lstat(path.join(mirrored, id!, archive))).isFile()).toBe(true);
      // the repository's own second run (with deletion) leaves the snapshots alone
      await fixture.upload(['[upload]', 'target = mirror', '[mirror]', 'type = rsync', `remote = ${remote}`].join('\n'));
      expect(await fs.readlink(path.join(mirrored, 'consistent'))).toBe(id);

      const pacman = await createPacmanRoot({ repositories: [{ name: REPOSITORY, server: `file://${mirrored}/current` }], keys: [(await testKey()).armoredPublic] });
      try {
        expect((await pacman.sync()).code).toBe(0);
        const installed = await pacman.install(['ahr-up-a', 'ahr-up-b']);
        expect(installed.code, installed.stderr).toBe(0);
      } finally {
        await pacman.cleanup();
      }
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  describe('s3', () => {
    let s3: TestS3Server;
    const section = (): string =>
      ['[upload]', 'target = s3', '[s3]', `bucket = ${s3.bucket}`, 'region = us-east-1', `endpoint_url = ${s3.endpoint}`, 'force_path_style = yes', 'access_key = S3RVER', 'secret_key = S3RVER', 'max_retries = 0'].join('\n');

    beforeAll(async () => {
      s3 = await TestS3Server.start();
    });

    afterAll(async () => s3?.stop());

    it('uploads a snapshot before its pointers, and a polling reader never sees a database naming a missing object', async () => {
      await fixture.upload(section());
      await fixture.publish([await archiveOf(PACKAGE_A_UPDATE)], { snapshots: true });
      const pointed = (await store.pointers()).get('current')!;
      s3.requests.length = 0;

      let uploading = true;
      const problems: string[] = [];
      let databasesSeen = 0;
      const reader = (async () => {
        while (uploading) {
          for (const pointer of ['current', 'consistent']) {
            const database = await s3.polledContent(`${SNAPSHOTS}/${pointer}/${REPOSITORY}.db`);
            const listed = database === undefined || database === 'rewriting' ? undefined : listedFiles(database);
            if (listed === undefined) continue;
            databasesSeen += 1;
            for (const name of listed) {
              for (const file of [name, `${name}.sig`]) {
                if ((await s3.polledContent(`${SNAPSHOTS}/${pointer}/${file}`)) === undefined) problems.push(`${pointer}/${REPOSITORY}.db names the missing ${file}`);
              }
            }
          }
        }
      })();
      try {
        await fixture.upload(section());
      } finally {
        uploading = false;
        await reader;
      }
      expect(problems).toEqual([]);
      expect(databasesSeen).toBeGreaterThan(0);

      const writes = s3.requests.filter((request) => request.operation === 'PutObject').map((request) => request.key);
      const lastOfSnapshot = writes.findLastIndex((key) => key.startsWith(`${SNAPSHOTS}/${pointed}/`));
      const firstPointerDatabase = writes.findIndex((key) => /\/snapshots\/(current|consistent)\/ahrup\.(db|files)/.test(key));
      expect(lastOfSnapshot).toBeGreaterThanOrEqual(0);
      expect(firstPointerDatabase).toBeGreaterThan(lastOfSnapshot);
      const pointerPackages = writes.filter((key) => key.startsWith(`${SNAPSHOTS}/current/ahr-up-a-1.1`));
      expect(pointerPackages.length).toBe(2);
      expect(writes.findLastIndex((key) => key.startsWith(`${SNAPSHOTS}/current/ahr-up-a-1.1`))).toBeLessThan(writes.findIndex((key) => key.startsWith(`${SNAPSHOTS}/current/ahrup.db`)));
      // the old version left the pointer once its database no longer listed it
      expect(await s3.keys(`${SNAPSHOTS}/current/ahr-up-a-1.0`)).toEqual([]);
    });

    it('removes the prefixes of purged snapshots', async () => {
      const purged = await purge(fixture);
      expect(purged).toHaveLength(1);
      expect((await s3.keys(`${SNAPSHOTS}/${purged[0]}/`)).length).toBeGreaterThan(0);
      await fixture.upload(section());
      expect(await s3.keys(`${SNAPSHOTS}/${purged[0]}/`)).toEqual([]);
      const pointed = (await store.pointers()).get('current')!;
      expect(await s3.keys(`${SNAPSHOTS}/${pointed}/`)).toContain(`${SNAPSHOTS}/${pointed}/${REPOSITORY}.db`);
    });
  });

  it('github: each pointer is a release holding its snapshot, packages uploaded before the database', async () => {
    const github = await new FakeGitHub().start();
    try {
      const section = ['[upload]', 'target = release', '[release]', 'type = github', `owner = ${github.owner}`, `repository = ${github.repository}`, `password = ${github.token}`, `api_url = ${github.url}`, 'max_retries = 0'];
      await fixture.upload(section.join('\n'));
      const pointers = await store.pointers();
      expect(pointers.size).toBe(2);
      for (const [pointer, id] of pointers) {
        const release = github.release(`${ARCHITECTURE}-${pointer}`);
        const names = (await fs.readdir(store.snapshotDirectory(id))).map(fakeGitHubAssetName).sort();
        expect(release?.assets.map((asset) => asset.name).sort(), pointer).toEqual(names);
      }
      const order = github.requestsTo('upload-asset').map((request) => request.name!);
      const lastPackage = order.findLastIndex((name) => name.includes('.pkg.tar'));
      // the last release written is a pointer's: its databases follow its packages
      expect(order.slice(lastPackage + 1).length).toBeGreaterThan(0);
      expect(order.slice(lastPackage + 1).every((name) => name.startsWith(`${REPOSITORY}.`))).toBe(true);
    } finally {
      await github.stop();
    }
  });
});
