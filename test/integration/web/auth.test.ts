import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { UserOperations } from '../../../src/core/database/operations/users.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { REPOSITORY, login, startTestServer, type TestServer } from './support.js';

// Made by python3-bcrypt 3.2.2 (the reference's library): bcrypt.hashpw(b'hunter2' + b'pepper', bcrypt.gensalt(4))
const REFERENCE_HASH = '$2b$04$1yYrJqDzkQIFaTEp85A8FOLDbr4i5gGJrUbgIvfSQ1iw7iF9oBPTK';

let test: TestServer;

beforeAll(async () => {
  test = await startTestServer({ ini: 'max_age = 60\n', packages: ['alpha'] });
  const state = await RepositoryState.open(Configuration.load(test.configurationPath, REPOSITORY), REPOSITORY);
  await new UserOperations(state.database).userUpdate({ username: 'legacy', access: 'full', password: REFERENCE_HASH, packagerId: null, keyId: null });
  await new UserOperations(state.database).userUpdate({ username: 'robot', access: 'full', password: '', packagerId: null, keyId: null });
  await state.close();
});
afterAll(() => test.stop());

const events = (cookie?: string): Promise<Response> => fetch(`${test.url}/api/v1/events`, { headers: cookie ? { cookie } : {} });

describe('login', () => {
  it('sets an encrypted HttpOnly SameSite=Lax cookie, and logout forgets it', async () => {
    const response = await fetch(`${test.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'FULL', password: 'correct horse' }),
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^AHRIMAN=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Max-Age=60/i);
    expect(setCookie).not.toContain('full');
    const cookie = setCookie.split(';')[0]!;
    expect((await events(cookie)).status).toBe(200);
    const info = (await (await fetch(`${test.url}/api/v2/info`, { headers: { cookie } })).json()) as { auth: { username: string } };
    expect(info.auth.username).toBe('full');

    const logout = await fetch(`${test.url}/api/v1/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(logout.status).toBe(302);
    const cleared = logout.headers.get('set-cookie')!.split(';')[0]!;
    expect((await events(cleared)).status).toBe(401);
    expect((await fetch(`${test.url}/api/v1/logout`, { method: 'POST', redirect: 'manual' })).status).toBe(401);
  });

  it('accepts a hash written by the reference (python-bcrypt $2b$), refuses wrong and password-less logins', async () => {
    expect((await events(await login(test.url, 'legacy', 'hunter2'))).status).toBe(200);
    await expect(login(test.url, 'legacy', 'hunter3')).rejects.toThrow(/answered 401.*wrong user name or password/);
    await expect(login(test.url, 'robot', '')).rejects.toThrow(/answered 401/);
    await expect(login(test.url, 'nobody', 'x')).rejects.toThrow(/answered 401/);
  });

  it('answers 405 to a login by redirect when the provider takes passwords', async () => {
    const response = await fetch(`${test.url}/api/v1/login`, { redirect: 'manual' });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: string }).error).toMatch(/needs \[auth\] target = oauth/);
  });

  it('ends sessions after max_age, whatever the client keeps', async () => {
    const cookie = await login(test.url, 'reporter');
    expect((await fetch(`${test.url}/api/v1/packages/alpha/changes`, { headers: { cookie } })).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    try {
      expect((await fetch(`${test.url}/api/v1/packages/alpha/changes`, { headers: { cookie } })).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('throttles repeated failures per user and address, without locking out other users', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) await expect(login(test.url, 'read', 'guess')).rejects.toThrow(/answered 401/);
    await expect(login(test.url, 'read', 'guess')).rejects.toThrow(/answered 429.*too many failed logins for read/);
    await expect(login(test.url, 'read')).rejects.toThrow(/answered 429/);
    expect(await login(test.url, 'reporter')).toMatch(/^AHRIMAN=/);
  });
});

describe('hostile requests', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await login(test.url, 'full');
  });
  const post = (url: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${test.url}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body });

  it.each([
    ['malformed JSON', '/api/v1/packages/alpha/hold', '{"is_held": tru', 400, /JSON/i],
    ['a wrong type', '/api/v1/packages/alpha/hold', '{"is_held": "yes"}', 400, /body\.is_held: .*boolean/],
    ['a missing field', '/api/v1/service/add', '{}', 400, /body\.packages/],
    ['an unknown status', '/api/v1/packages/alpha', '{"status": "exploded"}', 400, /body\.status/],
    ['a traversing package name', '/api/v1/packages/..%2F..%2Fetc/hold', '{"is_held": true}', 400, /params\.package: not a valid package base name/],
    ['a hostile package to add', '/api/v1/service/add', '{"packages": ["--exec=rm"]}', 400, /body\.packages\.0: not a valid package name/],
    ['an oversized body', '/api/v1/events', JSON.stringify({ event: 'package-outdated', message: 'x'.repeat(2 * 1024 * 1024) }), 413, /too large/i],
  ])('%s gets a clear 4xx', async (_name, url, body, status, message) => {
    const response = await post(url, body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  it('refuses cross-site POSTs carrying the session cookie', async () => {
    const response = await post('/api/v1/packages/alpha/hold', '{"is_held": true}', { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'cross-site request from https://evil.example refused' });
    const sameSite = await post('/api/v1/packages/alpha/hold', '{"is_held": false}', { origin: test.url });
    expect(sameSite.status).toBe(204);
  });

  it('keeps serving after all of them', async () => {
    expect((await fetch(`${test.url}/api/v1/info`)).status).toBe(200);
  });
});
