/**
 * A run's staging repository, with the real pieces: redis-server, the web service serving the repository to the
 * worker's user, `repo-update` as the coordinator writing its database level by level, and a `repo-worker` whose
 * driver (test/support/staging-probe-driver.mjs) installs dependencies, so it mirrors the repository for the build of
 * a dependent. pacman, on the worker's side, syncs the mirror and finds the previous level's package in it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPacmanRoot, removeKeyringTemplate } from '../../support/pacman-client.js';
import { RedisServer } from '../../support/redis.js';
import type { Service } from '../e2e/support.js';
import { PASSWORD, type Running, USER, WAIT_MS, startCoordinator, startWorker, stop } from './support.js';

const PROBE = fileURLToPath(new URL('../../support/staging-probe-driver.mjs', import.meta.url));

describe('distributed builds: the staging repository of a run', () => {
  let service: Service;
  let redis: RedisServer;
  let web: Running;
  let worker: Running;
  let base: string;
  let temporary: string;
  let workerDirectory: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    ({ service, web, base, temporary } = await startCoordinator(redis, 'ahriman-staging'));
    workerDirectory = path.join(temporary, 'worker');
    worker = await startWorker({
      directory: workerDirectory, id: 'probe-worker', queueUrl: redis.url, prefix: 'ahriman-staging', coordinator: base,
      username: USER, password: PASSWORD, temporary, driver: PROBE,
    });
  }, WAIT_MS);

  afterAll(async () => {
    for (const running of [worker, web]) if (running) await stop(running);
    await redis?.remove();
    await service?.cleanup();
    await removeKeyringTemplate();
  }, WAIT_MS);

  it('serves the finished level to the worker building its dependent, and is gone once the run is published', async () => {
    await service.expectCli(['package-add', await service.localPackage({ pkgname: 'stage-lib', pkgver: '1.0' })]);
    await service.expectCli(['package-add', await service.localPackage({ pkgname: 'stage-app', pkgver: '2.0', variables: { depends: ['stage-lib'] } })]);
    const update = await service.cli(['repo-update']);
    expect(update.code, `${update.stdout}\n${update.stderr}\n${worker.output.join('')}`).toBe(0);

    // the dependent's build was given the mirrored staging repository; the first level had nothing to install
    const mirrors = path.join(workerDirectory, 'root', 'distributed-mirror');
    const [run] = await fs.readdir(mirrors);
    const mirror = path.join(mirrors, run!);
    expect((await service.expectCli(['package-logs', 'stage-app'])).stdout).toContain(`repository demo-staging ${mirror}`);
    expect((await service.expectCli(['package-logs', 'stage-lib'])).stdout).not.toContain('repository demo-staging');

    const pacman = await createPacmanRoot({ repositories: [{ name: 'demo-staging', server: `file://${mirror}`, sigLevel: 'Never' }] });
    try {
      const synced = await pacman.sync();
      expect(synced.code, synced.stderr).toBe(0);
      const listed = await pacman.run(['-Sl', 'demo-staging']);
      expect(listed.stdout.trim().split('\n')).toEqual(['demo-staging stage-lib 1.0-1']);
    } finally {
      await pacman.cleanup();
    }

    // published: the run's staging area, its repository with it, is removed, and the route has nothing to serve
    expect(await fs.readdir(path.join(service.sandbox.root, 'distributed', 'demo', 'x86_64'))).toEqual([]);
    const anonymous = await fetch(`${base}/api/v1/distributed/runs/${run}/repository/demo-staging.db`);
    expect(anonymous.status).toBe(401);
    const login = await fetch(`${base}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: USER, password: PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const gone = await fetch(`${base}/api/v1/distributed/runs/${run}/repository/demo-staging.db`, { headers: { cookie } });
    expect(gone.status).toBe(404);
  }, WAIT_MS);
});
