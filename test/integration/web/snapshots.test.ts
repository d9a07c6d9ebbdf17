/**
 * The snapshot API over a real server and a real published snapshot: reads for `read`, votes for `reporter` (run as
 * a `snapshot-vote` child under the repository lock, which promotes), promotion by hand for `full` only, and one-line
 * errors for unknown snapshots, bad jobs and unconfigured pointers.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { publishStaged } from '../../../src/core/repository/publish-staged.js';
import { RepositoryPublisher } from '../../../src/core/repository/publisher.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { SnapshotStore } from '../../../src/core/snapshots/store.js';
import { LocalStatusClient } from '../../../src/core/status/local-client.js';
import { StatusService } from '../../../src/core/status/service.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';
import type { SnapshotView } from '../../../src/models/snapshot.js';
import { buildPackages, removeBuildDirectories } from '../../support/makepkg.js';
import { login, REPOSITORY, startTestServer, type TestServer } from './support.js';

let test: TestServer;
let id: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  test = await startTestServer({ ini: '[snapshots]\nenabled = yes\npointers = stable testing\npromote_stable = unit\n[web]\nwait_timeout = 120\n' });
  for (const user of ['read', 'reporter', 'full']) cookies[user] = await login(test.url, user);
  const paths = new RepositoryPaths(test.root, REPOSITORY);
  const { archives } = await buildPackages({ pkgname: 'ahr-api', package: 'mkdir -p "$pkgdir/usr/share/ahr-api"' });
  await fs.mkdir(paths.packages, { recursive: true });
  for (const archive of archives) await fs.copyFile(archive, path.join(paths.packages, path.basename(archive)));
  const database = await Database.open(paths.database);
  try {
    const state = new RepositoryState(database, REPOSITORY);
    const services = { paths, state, status: new StatusService(new LocalStatusClient(state)), publisher: new RepositoryPublisher(paths), snapshots: new SnapshotStore(paths) };
    id = (await publishStaged(services)).snapshot!;
  } finally {
    await database.close();
  }
});

afterAll(async () => {
  await test?.stop();
  await removeBuildDirectories();
});

async function call(user: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${test.url}${route}`, {
    method,
    headers: { cookie: cookies[user]!, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function finished(processId: string): Promise<{ status: string; output: string[] }> {
  let info: { is_alive: boolean; status: string; output: string[] } | undefined;
  await vi.waitFor(
    async () => {
      info = (await call('full', 'GET', `/api/v1/service/process/${processId}`)).json as typeof info;
      expect(info!.is_alive).toBe(false);
    },
    { timeout: 60_000, interval: 100 },
  );
  return info!;
}

describe('snapshot API', () => {
  it('lists snapshots and pointers for read, and shows one by id or pointer', async () => {
    const listing = await call('read', 'GET', '/api/v1/snapshots');
    expect(listing.status).toBe(200);
    const { snapshots, pointers } = listing.json as { snapshots: SnapshotView[]; pointers: Record<string, string> };
    expect(snapshots.map((item) => item.id)).toEqual([id]);
    expect(pointers).toEqual({ consistent: id, current: id });
    const shown = await call('read', 'GET', '/api/v1/snapshots/current');
    expect(shown.status).toBe(200);
    expect((shown.json as SnapshotView).changes.added.map((item) => item.name)).toEqual(['ahr-api']);
    expect(await call('read', 'GET', '/api/v1/snapshots/000000000000')).toEqual({ status: 404, json: { error: `no snapshot 000000000000 in ${REPOSITORY.id}` } });
  });

  it('takes votes from reporter, not from read, and the vote promotes', async () => {
    expect((await call('read', 'POST', `/api/v1/snapshots/${id}/votes`, { job: 'unit', passed: true })).status).toBe(403);
    expect((await call('reporter', 'POST', `/api/v1/snapshots/${id}/votes`, { job: 'two words', passed: true })).status).toBe(400);
    expect((await call('reporter', 'POST', '/api/v1/snapshots/0123456789ab/votes', { job: 'unit', passed: true })).status).toBe(404);
    const vote = await call('reporter', 'POST', `/api/v1/snapshots/${id}/votes`, { job: 'unit', passed: true, url: 'https://ci.example/7', notes: '--not an option' });
    expect(vote.status).toBe(200);
    const outcome = await finished((vote.json as { process_id: string }).process_id);
    expect(outcome.status, outcome.output.join('\n')).toBe('success');
    const shown = (await call('read', 'GET', `/api/v1/snapshots/${id}`)).json as SnapshotView;
    expect(shown.pointers).toEqual(['consistent', 'current', 'stable']);
    expect(shown.votes).toMatchObject([{ job: 'unit', passed: true, url: 'https://ci.example/7', notes: '--not an option' }]);
  });

  it('promotes by hand for full only, to configured pointers only', async () => {
    expect((await call('reporter', 'POST', `/api/v1/snapshots/${id}/promote`, { pointer: 'testing' })).status).toBe(403);
    expect(await call('full', 'POST', `/api/v1/snapshots/${id}/promote`, { pointer: 'prod' })).toEqual({
      status: 400,
      json: { error: "pointer 'prod' is not configured ([snapshots] pointers: stable testing)" },
    });
    const promote = await call('full', 'POST', `/api/v1/snapshots/${id}/promote`, { pointer: 'testing' });
    expect(promote.status).toBe(200);
    expect((await finished((promote.json as { process_id: string }).process_id)).status).toBe('success');
    expect(((await call('read', 'GET', '/api/v1/snapshots')).json as { pointers: Record<string, string> }).pointers.testing).toBe(id);
  });
});
