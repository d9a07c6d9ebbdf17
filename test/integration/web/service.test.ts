import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { RepositoryLock, lockPath } from '../../../src/application/lock.js';
import { ahriman } from '../../support/cli.js';
import { FakeAur } from '../../support/fake-aur.js';
import { finishedProcess, login, processStatus as processStatusOf, type ProcessStatus, REPOSITORY, startAction, startTestServer, type TestServer } from './support.js';

let aur: FakeAur;
let test: TestServer;
let cookie: string;

beforeAll(async () => {
  aur = await new FakeAur().start();
  await aur.add({ name: 'fresh', version: '1.0-1', description: 'a fresh package' });
  test = await startTestServer({ ini: `[aur]\nurl = ${aur.url}\n[web]\nwait_timeout = 120\n` });
  cookie = await login(test.url, 'full');
});
afterAll(async () => {
  await test.stop();
  await aur.stop();
});

const start = (action: string, body: unknown): Promise<string> => startAction(test.url, cookie, action, body);
const processStatus = (id: string): Promise<ProcessStatus> => processStatusOf(test.url, cookie, id);

/** A timer-style run holding the repository lock. */
async function holdLock(): Promise<RepositoryLock> {
  const lock = new RepositoryLock(lockPath('ahriman.lock', test.root, REPOSITORY));
  await lock.acquire({ waitTimeoutSeconds: -1, force: false, command: 'ahriman repo-update (timer)' });
  return lock;
}

describe('service actions', () => {
  it('wait for the repository lock a timer holds, then run one after the other', async () => {
    const lock = await holdLock();
    let released = false;
    onTestFinished(async () => {
      if (!released) await lock.releaseLock();
    });
    const request = await start('request', { packages: ['fresh'] });
    const update = await start('update', { aur: false, local: false, manual: false });
    for (const id of [request, update]) {
      await vi.waitFor(async () => expect((await processStatus(id)).output.join('\n')).toMatch(/waiting for lock .* held by .*ahriman repo-update \(timer\)/), {
        timeout: 30_000,
        interval: 100,
      });
      expect(await processStatus(id)).toMatchObject({ is_alive: true, status: 'running', exit_code: null });
    }
    released = true;
    await lock.releaseLock();
    for (const id of [request, update]) {
      const finished = await finishedProcess(test.url, cookie, id);
      expect(finished, finished.output.join('\n')).toMatchObject({ status: 'success', exit_code: 0 });
    }
    const queued = await test.server.web.repositories[0]!.state.queue.queueList();
    expect(queued.map((record) => record.base)).toEqual(['fresh']);
  });

  it('fail at once with a clear message when wait_timeout is negative (after a configuration reload)', async () => {
    await appendFile(test.configurationPath, '[web]\nwait_timeout = -1\n');
    const reload = await fetch(`${test.url}/api/v1/service/config`, { method: 'POST', headers: { cookie } });
    expect(reload.status).toBe(204);
    const lock = await holdLock();
    try {
      const update = await start('update', { aur: false, local: false, manual: false });
      const finished = await finishedProcess(test.url, cookie, update);
      expect(finished).toMatchObject({ status: 'failed', exit_code: 1 });
      expect(finished.output.join('\n')).toMatch(/repository is locked by .*ahriman repo-update \(timer\)/);
    } finally {
      await lock.releaseLock();
    }
  });

  it('web-reload makes the running service re-read its configuration over the unix socket', async () => {
    await appendFile(test.configurationPath, '[web]\nwait_timeout = 7\n');
    const result = await ahriman(['-c', test.configurationPath, 'web-reload']);
    expect(result.code, result.stderr).toBe(0);
    expect(test.server.web.settings.waitTimeout).toBe(7);
  });

  it('run as the packager the body names, else as the user logged in (--username)', async () => {
    const named = await start('request', { packages: ['fresh'], packager: 'someone-else' });
    const own = await start('update', { aur: false, local: false, manual: false });
    expect(await finishedProcess(test.url, cookie, named)).toMatchObject({ status: 'success', command: ['package-add', 'fresh', '--username=someone-else'] });
    expect(await finishedProcess(test.url, cookie, own)).toMatchObject({
      status: 'success',
      command: ['repo-update', '--no-aur', '--no-local', '--no-manual', '--increment', '--username=full'],
    });
  });

  it('answers 404 for an unknown process', async () => {
    const response = await fetch(`${test.url}/api/v1/service/process/00000000-0000-4000-8000-000000000000`, { headers: { cookie } });
    expect(response.status).toBe(404);
  });
});
