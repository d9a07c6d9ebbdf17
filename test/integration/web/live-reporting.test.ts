/**
 * A CLI repo-update reporting to our own web service (`[status] address`, on 127.0.0.1) while real makepkg builds run:
 * the build's status, its log and its events are in the API while the build is still running (held at a gate in
 * package()). Stopping the service mid-run does not stop the run; what it could not send stays in its state database
 * and the next run delivers it, each record once.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { StatusSpoolOperations } from '../../../src/core/database/operations/status-spool.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { freePort } from '../../support/ports.js';
import { Service, gatedPackageBody } from '../e2e/support.js';
import { PASSWORD, login, startTestServer, type TestServer } from './support.js';

const DEMO = new RepositoryId('x86_64', 'demo');
const QUERY = 'architecture=x86_64&repository=demo';

interface LogLine {
  created: number;
  message: string;
  version: string;
  process_id: string;
}

let service: Service;
let server: TestServer;
let gates: string;
let cookie: string;

/** A package whose package() prints `gate-reached`, then waits until its gate file exists before `gate-passed`. */
async function publishGated(name: string): Promise<string> {
  const gate = path.join(gates, name);
  await service.publishToAur({
    pkgname: name,
    pkgver: '3.0',
    package: gatedPackageBody(gate),
  });
  await service.expectCli(['package-add', name]);
  return gate;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(`${server.url}${url}${url.includes('?') ? '&' : '?'}${QUERY}`, { headers: { cookie } });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

const logs = (base: string) => api<LogLine[]>(`/api/v2/packages/${base}/logs`);
const status = async (base: string) => (await api<Array<{ status: { status: string }; package: { version: string } }>>(`/api/v1/packages/${base}`))[0];
const events = (base: string) => api<Array<{ event: string; message: string | null }>>(`/api/v1/events?object_id=${base}`);

/** Polls until `condition` holds (bounded); fails early with the run's output when the run ends first. */
async function until(what: string, condition: () => Promise<boolean>, run: { exited: Promise<number | null>; output: string[] }): Promise<void> {
  let ended = false;
  void run.exited.then(() => (ended = true));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (await condition().catch(() => false)) return;
    if (ended) throw new Error(`the run ended before ${what}:\n${run.output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${what} within 180 s:\n${run.output.join('')}`);
}

async function spooled(): Promise<number> {
  const state = await RepositoryState.open(Configuration.load(service.sandbox.configuration, DEMO), DEMO);
  try {
    return await new StatusSpoolOperations(state.database, DEMO).spoolCount();
  } finally {
    await state.close();
  }
}

function expectEachLineOnce(lines: readonly LogLine[]): void {
  const keys = lines.map((line) => `${line.process_id} ${line.created} ${line.message}`);
  expect(new Set(keys).size).toBe(keys.length);
}

beforeAll(async () => {
  service = await Service.create({ sign: false });
  // the service has a tree and a database of its own: everything it knows of the builds, it was told
  server = await startTestServer({ repository: DEMO, port: await freePort() });
  cookie = await login(server.url, 'full');
  const includes = path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d');
  await mkdir(includes, { recursive: true });
  await writeFile(
    path.join(includes, '90-status.ini'),
    ['[status]', `address = ${server.url}`, 'username = full', `password = ${PASSWORD}`, 'timeout = 5', ''].join('\n'),
  );
  // visible inside the build sandbox
  gates = await mkdtemp('/var/tmp/ahriman-gates-');
  await chmod(gates, 0o755);
}, 300_000);

afterAll(async () => {
  await service?.cleanup();
  await server?.stop();
  if (gates) await rm(gates, { recursive: true, force: true });
});

describe('repo-update reporting to [status] address', () => {
  it('shows the status, the log and the events of a build in the API while it runs', async () => {
    const gate = await publishGated('gamma');
    const run = service.spawn(['repo-update']);
    await until('gate-reached in the API', async () => (await logs('gamma')).some((line) => line.message === 'gate-reached'), run);

    // the build waits at its gate: all of this was sent while it runs
    expect((await logs('gamma')).map((line) => line.message)).not.toContain('gate-passed');
    expect(await status('gamma')).toMatchObject({ status: { status: 'building' }, package: { version: '3.0-1' } });
    // package-add announced the queued base; the build announced its start
    expect((await events('gamma')).map((event) => [event.event, event.message])).toEqual([
      ['package-status-changed', 'unknown'],
      ['package-status-changed', 'building'],
    ]);

    await writeFile(gate, '');
    expect(await run.exited, run.output.join('')).toBe(0);
    expect(await status('gamma')).toMatchObject({ status: { status: 'success' }, package: { version: '3.0-1' } });
    expect((await events('gamma')).map((event) => [event.event, event.message])).toEqual([
      ['package-status-changed', 'unknown'],
      ['package-status-changed', 'building'],
      ['package-status-changed', 'success'],
      ['package-updated', 'updated to 3.0-1'],
    ]);
    const lines = await logs('gamma');
    expect(lines.filter((line) => line.message.startsWith('gate-')).map((line) => line.message)).toEqual(['gate-reached', 'gate-passed']);
    expectEachLineOnce(lines);
    expect(run.output.join('')).not.toMatch(/kept in the local database/);
    expect(await spooled()).toBe(0);
  }, 300_000);

  it('completes a run whose service stops midway, keeps what it could not send, and the next run delivers it once', async () => {
    const gate = await publishGated('delta');
    const run = service.spawn(['repo-update']);
    await until('gate-reached in the API', async () => (await logs('delta')).some((line) => line.message === 'gate-reached'), run);
    await server.pause();
    try {
      await writeFile(gate, '');
      expect(await run.exited, run.output.join('')).toBe(0);
      const output = run.output.join('');
      expect(output.match(/kept in the local database until the service takes them/g)).toHaveLength(1);
      expect(output).toMatch(/\d+ report\(s\) for .* are kept in the local database; the next run sends them/);
      // the run completed: the repository serves the package
      expect((await service.databaseEntries()).map((entry) => `${entry.name} ${entry.version}`)).toContain('delta 3.0-1');
      expect(await spooled()).toBeGreaterThan(0);
    } finally {
      await server.resume();
    }

    // any later run reporting to the service sends what waits first
    await service.expectCli(['package-status', 'delta']);
    expect(await spooled()).toBe(0);
    expect(await status('delta')).toMatchObject({ status: { status: 'success' }, package: { version: '3.0-1' } });
    const recorded = (await events('delta')).map((event) => [event.event, event.message]);
    expect(recorded.filter(([event]) => event === 'package-updated')).toEqual([['package-updated', 'updated to 3.0-1']]);
    expect(recorded.filter(([event]) => event === 'package-status-changed')).toEqual([
      ['package-status-changed', 'unknown'],
      ['package-status-changed', 'building'],
      ['package-status-changed', 'success'],
    ]);
    const lines = await logs('delta');
    expect(lines.filter((line) => line.message.startsWith('gate-')).map((line) => line.message)).toEqual(['gate-reached', 'gate-passed']);
    expect(lines.some((line) => line.message.includes('Finished making: delta 3.0-1'))).toBe(true);
    expectEachLineOnce(lines);
  }, 300_000);
});
