import { EventEmitter, once } from 'node:events';
import type http from 'node:http';
import { LocalHttpServer } from '../../support/local-http-server.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { emptySandbox, runReportTrigger, type Sandbox } from './support.js';

interface Call {
  method: string;
  path: string;
  cookie: string | undefined;
  body: unknown;
}

/** The part of an ahriman web service remote-call talks to: login, update, process status. */
class FakeWebService extends LocalHttpServer {
  readonly calls: Call[] = [];
  /** Whether the update process started by the report still runs; status checks answer accordingly. */
  running = false;
  /** Emits `answered-alive` after each status check answered that the process still runs. */
  readonly events = new EventEmitter();

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const call = { method: request.method!, path: request.url!, cookie: request.headers.cookie, body: text ? JSON.parse(text) : undefined };
    this.calls.push(call);
    const json = (status: number, body: object, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (call.path === '/api/v1/login') {
      const { username, password } = call.body as { username: string; password: string };
      if (username === 'builder' && password === 'secret') return json(200, {}, { 'set-cookie': 'AHRIMAN=session-1; Path=/; HttpOnly' });
      return json(401, { error: 'Incorrect username or password' });
    }
    if (call.cookie !== 'AHRIMAN=session-1') return json(401, { error: 'Unauthorized' });
    if (call.method === 'POST' && call.path.startsWith('/api/v1/service/update?')) return json(200, { process_id: 'process-42' });
    if (call.method === 'GET' && call.path === '/api/v1/service/process/process-42') {
      if (!this.running) return json(404, { error: 'Process not found' });
      json(200, { is_alive: true });
      this.events.emit('answered-alive');
      return;
    }
    json(404, { error: 'Not Found' });
  }
}

describe('remote-call report', () => {
  let sandbox: Sandbox;
  let service: FakeWebService;

  beforeAll(async () => {
    sandbox = await emptySandbox();
    service = await new FakeWebService().start();
  });
  beforeEach(() => {
    service.calls.length = 0;
    service.running = false;
  });
  afterAll(async () => {
    await service.stop();
    await sandbox.cleanup();
    await removeTestKeys();
  });

  function configuration(options: string[], password = 'secret'): string {
    return [
      '[status]',
      `address = ${service.url}/`,
      'username = builder',
      `password = ${password}`,
      '[report]',
      'target = remote',
      '[remote]',
      'type = ahriman',
      ...options,
    ].join('\n');
  }

  it('logs in and asks the service to update this repository with the configured flags', async () => {
    expect(await runReportTrigger(sandbox, configuration(['aur = yes', 'manual = yes']))).toBeUndefined();
    expect(service.calls).toEqual([
      { method: 'POST', path: '/api/v1/login', cookie: undefined, body: { username: 'builder', password: 'secret' } },
      {
        method: 'POST',
        path: '/api/v1/service/update?architecture=x86_64&repository=demo',
        cookie: 'AHRIMAN=session-1',
        body: { aur: true, local: false, manual: true },
      },
    ]);
  });

  it('waits for the remote process to end', async () => {
    service.running = true;
    const answeredAlive = once(service.events, 'answered-alive');
    let settled = false;
    const report = runReportTrigger(sandbox, configuration(['wait_timeout = 0'])).finally(() => {
      settled = true;
    });
    await Promise.race([answeredAlive, report]);
    expect(settled).toBe(false); // the process still runs, so the report is still waiting

    service.running = false;
    expect(await report).toBeUndefined();
    const checks = service.calls.filter((call) => call.method === 'GET');
    expect(checks.length).toBeGreaterThanOrEqual(2);
    expect(checks.every((call) => call.path === '/api/v1/service/process/process-42')).toBe(true);
  });

  it('gives up waiting after wait_timeout, while the remote process goes on', async () => {
    service.running = true;
    expect(await runReportTrigger(sandbox, configuration(['wait_timeout = 1']))).toBeUndefined();
    expect(service.calls.filter((call) => call.method === 'GET').length).toBeGreaterThanOrEqual(1);
  });

  it('does not wait with wait_timeout = -1', async () => {
    service.running = true;
    expect(await runReportTrigger(sandbox, configuration(['wait_timeout = -1']))).toBeUndefined();
    expect(service.calls.filter((call) => call.method === 'GET')).toEqual([]);
  });

  it('fails clearly when the login is refused or no service is configured', async () => {
    const refused = await runReportTrigger(sandbox, configuration([], 'wrong'));
    expect(refused?.message).toContain(`remote (cannot log in as builder: POST ${service.url}/api/v1/login answered HTTP 401`);
    expect(refused?.message).not.toContain('wrong');

    const nowhere = await runReportTrigger(sandbox, '[report]\ntarget = remote-call\n[remote-call]\naur = yes');
    expect(nowhere?.message).toBe('report target(s) failed: remote-call (no web service to call: set [status] address)');
  });
});
