import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { StatusSpoolOperations } from '../../../src/core/database/operations/status-spool.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { ahriman } from '../../support/cli.js';
import { PASSWORD, REPOSITORY, startTestServer, type TestServer } from './support.js';

let test: TestServer;
let directory: string;
let configuration: string;

beforeAll(async () => {
  test = await startTestServer({ packages: ['alpha', 'beta'] });
  // the CLI has its own tree and database: what it reports must reach the server's
  directory = await mkdtemp(path.join(tmpdir(), 'ahriman-reporter-'));
  configuration = path.join(directory, 'ahriman.ini');
  await writeFile(
    configuration,
    `[repository]\nroot = ${directory}/root\n[status]\naddress = ${test.url}\nusername = full\npassword = ${PASSWORD}\ntimeout = 5\n`,
  );
});
afterAll(async () => {
  await test.stop().catch(() => undefined);
  await rm(directory, { recursive: true, force: true });
});

const cli = (...args: string[]) => ahriman(['-c', configuration, '--repository-id', REPOSITORY.id, ...args]);

describe('[status] address', () => {
  it('sends holds and statuses of CLI runs to the web service, which records their events once', async () => {
    const hold = await cli('package-hold', 'alpha');
    expect(hold.code, hold.stderr).toBe(0);
    const update = await cli('package-status-update', '-s', 'failed', 'beta');
    expect(update.code, update.stderr).toBe(0);
    const packages = (await (await fetch(`${test.url}/api/v1/packages`)).json()) as Array<{ package: { base: string }; status: { status: string; is_held: boolean } }>;
    expect(packages.map((entry) => [entry.package.base, entry.status.status, entry.status.is_held])).toEqual([
      ['alpha', 'unknown', true],
      ['beta', 'failed', false],
    ]);
    const events = await test.server.web.repositories[0]!.status.client.events();
    expect(events.map((event) => [event.event, event.objectId])).toEqual([
      ['package-held', 'alpha'],
      ['package-status-changed', 'beta'],
    ]);
    expect(hold.stderr).not.toMatch(/kept in the local database/);
  });

  it('refuses what the service refuses, with its reason', async () => {
    const result = await cli('package-hold', 'gamma');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown package base 'gamma' in repository x86_64-aur");
  });

  it('goes on when the service is down, says so once, and keeps the report in the local database', async () => {
    await test.stop();
    const result = await cli('package-status-update', '-s', 'building');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/kept in the local database until the service takes them/g)).toHaveLength(1);
    expect(result.stderr).toContain(test.url.replace('http://', ''));
    expect(result.stderr).toContain('1 report(s)');
    const state = await RepositoryState.open(Configuration.load(configuration, REPOSITORY), REPOSITORY);
    try {
      const kept = await new StatusSpoolOperations(state.database, REPOSITORY).spoolList(10);
      expect(kept.map((report) => [report.method, report.path.split('?')[0], report.body])).toEqual([
        ['POST', '/api/v1/events', expect.objectContaining({ event: 'service-status-changed', data: { status: 'building' } })],
      ]);
    } finally {
      await state.close();
    }
  });
});
