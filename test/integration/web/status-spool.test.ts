/**
 * The reports a CLI run sends to `[status] address` go through the spool of its state database: against our own server
 * on 127.0.0.1, each report is applied once (a resend after a lost answer too), and reports made while the server is
 * down stay in the spool until a later delivery, in their order.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { StatusSpoolOperations } from '../../../src/core/database/operations/status-spool.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { LocalStatusClient } from '../../../src/core/status/local-client.js';
import { StatusService } from '../../../src/core/status/service.js';
import { WebStatusClient } from '../../../src/core/status/web-client.js';
import { WebTransport } from '../../../src/core/status/web-transport.js';
import { freePort } from '../../support/ports.js';
import { cleanUp, temporaryDirectory } from '../../unit/database/support.js';
import { PASSWORD, REPOSITORY, login, record, startTestServer, type TestServer } from './support.js';

let test: TestServer;
let state: RepositoryState;
let spool: StatusSpoolOperations;

beforeAll(async () => {
  test = await startTestServer({ packages: ['alpha'], port: await freePort() });
});
afterAll(async () => {
  await test.stop();
});

afterEach(async () => {
  await state.close();
  await cleanUp();
});

/** A reporter with a state database of its own, as a CLI run on another machine has. */
async function reporter(retryAfterMs?: number): Promise<{ client: WebStatusClient; status: StatusService }> {
  const database = await Database.open(path.join(await temporaryDirectory(), 'reporter.db'));
  state = new RepositoryState(database, REPOSITORY);
  spool = new StatusSpoolOperations(database, REPOSITORY);
  const transport = new WebTransport({ url: test.url, username: 'full', password: PASSWORD, timeoutMs: 5000 });
  const client = new WebStatusClient(transport, new LocalStatusClient(state), state, retryAfterMs);
  return { client, status: new StatusService(client) };
}

const served = () => test.server.web.repositories[0]!;
const line = (message: string, created: number) => ({ packageBase: 'alpha', version: '1.0-1', processId: 'run', created, message });

describe('status spool', () => {
  it('delivers each report once and in order, and keeps none once the service took them', async () => {
    const { client, status } = await reporter();
    const before = (await served().status.client.events()).length;
    await status.setStatus(['alpha'], 'building');
    await client.logsAdd([line('first', 1), line('second', 2)]);
    await client.logsAdd([line('third', 3)]);
    await status.event('package-outdated', 'alpha', 'newer in the AUR');
    expect(await spool.spoolCount()).toBe(0);
    const events = (await served().status.client.events()).slice(before);
    expect(events.map((event) => [event.event, event.objectId, event.message])).toEqual([
      ['package-status-changed', 'alpha', 'building'],
      ['package-outdated', 'alpha', 'newer in the AUR'],
    ]);
    expect((await served().state.logs.logsGet('alpha', { processId: 'run' })).map((record) => record.message)).toEqual(['first', 'second', 'third']);
  });

  it('records a remote build step with one event on the service, saying where and for which version', async () => {
    const { status } = await reporter();
    const before = (await served().status.client.events()).length;
    await status.remoteStep('alpha', '1.1-1', 'building', 'building on worker-3', { worker: 'worker-3' });
    const events = (await served().status.client.events()).slice(before);
    expect(events.map((event) => [event.event, event.objectId, event.message, event.data])).toEqual([
      ['package-status-changed', 'alpha', 'building on worker-3', { worker: 'worker-3', status: 'building', version: '1.1-1' }],
    ]);
    expect((await served().status.client.packages('alpha'))[0]!.status.status).toBe('building');
  });

  it('applies a report sent again after its answer was lost only once', async () => {
    const { client } = await reporter();
    const report = { id: 'report-1', method: 'POST' as const, path: `/api/v1/events?architecture=x86_64&repository=aur`, body: { event: 'package-outdated', object_id: 'alpha', message: 'once', data: {} } };
    // the first delivery reached the service, but its answer never came back: the report is still in the spool
    const cookie = await login(test.url, 'full');
    const first = await fetch(`${test.url}${report.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': report.id, cookie },
      body: JSON.stringify(report.body),
    });
    expect(first.status).toBe(204);
    await spool.spoolAdd(report);
    await client.deliver();
    expect(await spool.spoolCount()).toBe(0);
    expect((await served().status.client.events({ event: 'package-outdated' })).filter((event) => event.message === 'once')).toHaveLength(1);
  });

  it('keeps the reports made while the service is down, and a later run delivers them once, in order', async () => {
    const { client, status } = await reporter();
    await test.pause();
    try {
      await status.building(record('beta', '2.0-1'));
      await client.logsAdd([{ ...line('while down', 10), packageBase: 'beta', version: '2.0-1' }]);
      await status.failed(record('beta', '2.0-1'), '2.0-1', 'makepkg failed');
      // the end of the run tries once more; the service is still down
      await client.close();
    } finally {
      await test.resume();
    }
    expect((await spool.spoolList(10)).map((report) => `${report.method} ${report.path.split('?')[0]}`)).toEqual([
      'POST /api/v1/packages/beta',
      'POST /api/v2/packages/beta/logs',
      'POST /api/v1/packages/beta',
      'POST /api/v1/events',
    ]);
    expect(await served().status.client.packages('beta')).toEqual([]);

    // the next run over the same state database
    const next = new WebStatusClient(new WebTransport({ url: test.url, username: 'full', password: PASSWORD, timeoutMs: 5000 }), new LocalStatusClient(state), state);
    await next.deliver();
    expect(await spool.spoolCount()).toBe(0);
    const [beta] = await served().status.client.packages('beta');
    expect([beta?.package.version, beta?.status.status]).toEqual(['2.0-1', 'failed']);
    const events = await served().status.client.events({ objectId: 'beta' });
    expect(events.filter((event) => event.event === 'package-status-changed').map((event) => event.message)).toEqual(['building', 'failed']);
    expect(events.filter((event) => event.event === 'package-update-failed').map((event) => event.message)).toEqual(['makepkg failed']);
    expect(events).toHaveLength(3);
    expect((await served().state.logs.logsGet('beta')).map((record) => record.message)).toEqual(['while down']);
  });

  it('records status, hold and removal reports delivered late at the times they were made, in their order', async () => {
    const { client } = await reporter();
    await test.pause();
    try {
      await client.packageUpdate(record('gamma', '3.0-1'), 'building', 1_000);
      await client.statusUpdate('gamma', 'success', '3.0-1', { timestamp: 2_000 });
      await client.eventAdd({ event: 'package-updated', objectId: 'gamma', message: 'updated to 3.0-1', created: 2_000, data: {} });
      await client.holdUpdate('gamma', true, 3_000);
    } finally {
      await test.resume();
    }
    await client.close();
    const events = await served().status.client.events({ objectId: 'gamma' });
    expect(events.map((event) => [event.event, event.message, event.created])).toEqual([
      ['package-status-changed', 'building', 1_000],
      ['package-status-changed', 'success', 2_000],
      ['package-updated', 'updated to 3.0-1', 2_000],
      ['package-held', 'held', 3_000],
    ]);
    expect((await served().status.client.packages('gamma'))[0]!.status).toMatchObject({ timestamp: 2_000, isHeld: true });

    await test.pause();
    try {
      await client.packageRemove('gamma', 'removed from the repository', 4_000);
    } finally {
      await test.resume();
    }
    await client.close();
    expect((await served().status.client.events({ objectId: 'gamma', event: 'package-removed' })).map((event) => event.created)).toEqual([4_000]);
    expect(await served().status.client.packages('gamma')).toEqual([]);
  });

  it('tries the service again with a later report of the same run, which sends the kept ones first', async () => {
    // no pause between tries, so the test needs no clock
    const { status } = await reporter(0);
    await test.pause();
    try {
      await status.event('package-outdated', 'alpha', 'made while down');
      expect(await spool.spoolCount()).toBe(1);
    } finally {
      await test.resume();
    }
    await status.event('package-outdated', 'alpha', 'made once it is back');
    expect(await spool.spoolCount()).toBe(0);
    const messages = (await served().status.client.events({ event: 'package-outdated' })).map((event) => event.message);
    expect(messages.filter((message) => message?.startsWith('made '))).toEqual(['made while down', 'made once it is back']);
  });

  it('drops a report the service refuses for what it says, and delivers the others', async () => {
    const { client } = await reporter();
    await client.statusUpdate('nobody-knows-me', 'failed', '1.0-1');
    await client.eventAdd({ event: 'package-outdated', objectId: 'alpha', message: 'after a refused one', created: 1, data: {} });
    expect(await spool.spoolCount()).toBe(0);
    expect((await served().status.client.events({ event: 'package-outdated' })).map((event) => event.message)).toContain('after a refused one');
    expect(await served().status.client.packages('nobody-knows-me')).toEqual([]);
  });

  it('neither keeps nor sends the reports of a batch that rolls back', async () => {
    const { client, status } = await reporter();
    const before = (await served().status.client.events()).length;
    await expect(
      client.batch(async () => {
        await status.event('package-outdated', 'alpha', 'rolled back');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await spool.spoolCount()).toBe(0);
    expect(await served().status.client.events()).toHaveLength(before);
  });
});
