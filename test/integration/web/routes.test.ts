import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ahriman } from '../../support/cli.js';
import { login, socketRequest, startTestServer, type TestServer } from './support.js';

type Role = 'anonymous' | 'read' | 'reporter' | 'full';
const ROLES: Role[] = ['anonymous', 'read', 'reporter', 'full'];
const RANK: Record<Role | 'unauthorized', number> = { unauthorized: 0, anonymous: 0, read: 1, reporter: 2, full: 3 };

interface RouteCase {
  method: string;
  url: string;
  body?: unknown;
  needs: 'unauthorized' | 'read' | 'reporter' | 'full';
  ok: number;
}

const LOG = { created: 1_700_000_000.5, message: 'line', version: '1.0-1', process_id: 'run-1' };
const ROUTES: RouteCase[] = [
  { method: 'GET', url: '/api/v1/info', needs: 'unauthorized', ok: 200 },
  { method: 'GET', url: '/api/v2/info', needs: 'unauthorized', ok: 200 },
  { method: 'GET', url: '/api/v1/metrics', needs: 'unauthorized', ok: 200 },
  { method: 'GET', url: '/api-docs/swagger.json', needs: 'unauthorized', ok: 200 },
  { method: 'GET', url: '/api/v1/repositories', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/status?architecture=x86_64&repository=aur', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/packages?limit=10&offset=0', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/packages/alpha', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/history?limit=5', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/history/packages/alpha', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/history/content?at=2024-05-01', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/history/diff?from=2024-05-01&to=2025-05-01', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/packages/alpha/archives', needs: 'reporter', ok: 200 },
  { method: 'GET', url: '/api/v1/packages/alpha/changes', needs: 'reporter', ok: 200 },
  { method: 'GET', url: '/api/v1/packages/alpha/dependencies', needs: 'reporter', ok: 200 },
  { method: 'GET', url: '/api/v1/packages/alpha/logs', needs: 'reporter', ok: 200 },
  { method: 'GET', url: '/api/v2/packages/alpha/logs?head=true', needs: 'reporter', ok: 200 },
  { method: 'GET', url: '/api/v1/packages/alpha/patches', needs: 'reporter', ok: 200 },
  { method: 'GET', url: '/api/v1/rebuilds', needs: 'read', ok: 200 },
  { method: 'GET', url: '/api/v1/events?limit=5', needs: 'full', ok: 200 },
  { method: 'GET', url: '/api/v1/service/config', needs: 'full', ok: 200 },
  { method: 'POST', url: '/api/v1/status', body: { status: 'success' }, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/packages', body: {}, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/packages/alpha', body: { status: 'building' }, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/packages/alpha/hold', body: { is_held: false }, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/packages/alpha/logs', body: LOG, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/packages/alpha/changes', body: { last_commit_sha: 'abc', changes: 'diff', pkgbuild: 'pkgname=alpha' }, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/packages/alpha/dependencies', body: { paths: { '/usr/bin/alpha': ['glibc'] } }, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/packages/alpha/patches', body: { key: 'pkgver', value: '2' }, needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/events', body: { event: 'package-outdated', object_id: 'alpha', message: 'new', data: {} }, needs: 'full', ok: 204 },
  { method: 'DELETE', url: '/api/v1/service/logs?keep_last_records=5', needs: 'full', ok: 204 },
  { method: 'POST', url: '/api/v1/service/config', body: {}, needs: 'full', ok: 204 },
];

let test: TestServer;
const cookies = new Map<Role, string>();

beforeAll(async () => {
  test = await startTestServer({ ini: 'allow_read_only = no\n', packages: ['alpha', 'beta'] });
  for (const role of ROLES) if (role !== 'anonymous') cookies.set(role, await login(test.url, role));
});
afterAll(() => test.stop());

function call(route: RouteCase, role: Role): Promise<Response> {
  const cookie = cookies.get(role);
  const headers: Record<string, string> = cookie ? { cookie } : {};
  if (route.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${test.url}${route.url}`, { method: route.method, headers, body: route.body === undefined ? undefined : JSON.stringify(route.body) });
}

describe('web API roles', () => {
  const table = ROUTES.flatMap((route) => ROLES.map((role) => ({ route, role })));
  it.each(table)('$route.method $route.url as $role', async ({ route, role }) => {
    const allowed = RANK[role] >= RANK[route.needs];
    const expected = allowed ? route.ok : role === 'anonymous' ? 401 : 403;
    const response = await call(route, role);
    const text = await response.text();
    expect(response.status, text).toBe(expected);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    if (!allowed) expect(JSON.parse(text).error).toMatch(/log in first|access needed/);
  });
});

describe('web API payloads', () => {
  it('lists every route in the OpenAPI document', async () => {
    const spec = (await (await fetch(`${test.url}/api-docs/swagger.json`)).json()) as { paths: Record<string, unknown> };
    for (const route of ROUTES.filter((entry) => entry.url.startsWith('/api/'))) {
      const templated = route.url.split('?')[0]!.replace('/alpha', '/{package}');
      expect(Object.keys(spec.paths)).toContain(templated);
    }
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/events/stream', '/api/v1/service/add', '/api/v1/service/rollback', '/api/v1/service/pgp', '/api/v1/service/process/{process_id}', '/api/v1/login']));
  });

  it('answers packages, status and logs in the reference format', async () => {
    const cookie = cookies.get('full')!;
    const [entry] = (await (await fetch(`${test.url}/api/v1/packages/beta`, { headers: { cookie } })).json()) as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({
      package: { base: 'beta', version: '1.0-1', remote: { source: 'aur', git_url: 'https://aur.archlinux.org/beta.git' }, packages: { beta: { archive_size: 100, installed_size: 200, licenses: ['MIT'] } } },
      status: { status: 'unknown', is_held: false },
      repository: { architecture: 'x86_64', repository: 'aur' },
    });
    const status = (await (await fetch(`${test.url}/api/v1/status`, { headers: { cookie } })).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ architecture: 'x86_64', repository: 'aur', stats: { bases: 2, packages: 2, archive_size: 200, installed_size: 400 } });
    await call({ method: 'POST', url: '/api/v1/packages/beta/logs', body: { ...LOG, message: 'hello' }, needs: 'full', ok: 204 }, 'full');
    const logs = await (await fetch(`${test.url}/api/v2/packages/beta/logs`, { headers: { cookie } })).json();
    expect(logs).toEqual([{ ...LOG, message: 'hello' }]);
  });

  it('gives ETags and 304 on GETs, and echoes X-Request-ID', async () => {
    const first = await fetch(`${test.url}/api/v1/info`, { headers: { 'x-request-id': 'trace-42' } });
    expect(first.headers.get('x-request-id')).toBe('trace-42');
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const second = await fetch(`${test.url}/api/v1/info`, { headers: { 'if-none-match': etag } });
    expect(second.status).toBe(304);
  });

  it('selects the repository from the query and 404s an unknown one', async () => {
    const response = await fetch(`${test.url}/api/v1/packages?architecture=aarch64&repository=aur`, { headers: { cookie: cookies.get('read')! } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'repository aarch64-aur is not served here' });
  });

  it('trusts requests over the unix socket', async () => {
    const response = await socketRequest(test.socket, 'POST', '/api/v1/packages/alpha/hold', { is_held: true });
    expect(response.status).toBe(204);
    const [entry] = JSON.parse((await socketRequest(test.socket, 'GET', '/api/v1/packages/alpha')).body) as Array<{ status: { is_held: boolean } }>;
    expect(entry!.status.is_held).toBe(true);
  });

  it('lists changes another process made to the database, after its own', async () => {
    const cookie = cookies.get('read')!;
    const statuses = async () =>
      ((await (await fetch(`${test.url}/api/v1/packages`, { headers: { cookie } })).json()) as Array<{ package: { base: string }; status: { status: string } }>).map(
        (entry) => `${entry.package.base}:${entry.status.status}`,
      );
    await call({ method: 'POST', url: '/api/v1/packages/beta', body: { status: 'pending' }, needs: 'full', ok: 204 }, 'full');
    expect(await statuses()).toContain('beta:pending');
    const result = await ahriman(['-c', test.configurationPath, '--repository-id', 'x86_64-aur', 'package-status-update', '-s', 'success', 'beta']);
    expect(result.code, result.stderr).toBe(0);
    expect(await statuses()).toContain('beta:success');
  });

  it('serves OpenMetrics', async () => {
    const response = await fetch(`${test.url}/api/v1/metrics`);
    expect(response.headers.get('content-type')).toContain('application/openmetrics-text');
    expect(await response.text()).toMatch(/ahriman_http_requests_total\{method="GET",route="\/api\/v1\/info",status="200"\} \d+/);
  });
});
