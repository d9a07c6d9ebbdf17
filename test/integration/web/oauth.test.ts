import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { UserOperations } from '../../../src/core/database/operations/users.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { FakeOAuthProvider } from '../../support/fake-oauth.js';
import { freePort } from '../../support/ports.js';
import { REPOSITORY, login, startTestServer, type TestServer } from './support.js';

let provider: FakeOAuthProvider;
let test: TestServer;

beforeAll(async () => {
  provider = await new FakeOAuthProvider('ahriman-client', 'client-secret').start();
  const port = await freePort();
  test = await startTestServer({
    ini:
      `target = oauth\nclient_id = ahriman-client\nclient_secret = client-secret\noauth_scopes = openid email\n` +
      `oauth_authorize_url = ${provider.url}/authorize\noauth_token_url = ${provider.url}/token\noauth_userinfo_url = ${provider.url}/userinfo\n` +
      `[web]\nport = ${port}\naddress = http://127.0.0.1:${port}\n`,
    packages: ['alpha'],
  });
  const state = await RepositoryState.open(Configuration.load(test.configurationPath, REPOSITORY), REPOSITORY);
  const users = new UserOperations(state.database);
  await users.userUpdate({ username: 'alice@example.com', access: 'reporter', password: '', packagerId: null, keyId: null });
  await users.userUpdate({ username: 'octocat', access: 'full', password: '', packagerId: null, keyId: null });
  await state.close();
});
afterAll(async () => {
  await test.stop();
  await provider.stop();
});

function cookiesOf(response: Response): string {
  return response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]!).join('; ');
}

/** The browser's part of the login: to the provider and back, carrying the cookies the server set on the way. */
async function oauthLogin(identity: Record<string, string>, tamper?: (callback: URL) => void): Promise<Response> {
  provider.identity = identity;
  const start = await fetch(`${test.url}/api/v1/login`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const atProvider = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const callback = new URL(atProvider.headers.get('location')!);
  tamper?.(callback);
  return fetch(callback, { headers: { cookie: cookiesOf(start) }, redirect: 'manual' });
}

async function sessionOf(identity: Record<string, string>): Promise<string> {
  const response = await oauthLogin(identity);
  expect(response.status, await response.clone().text()).toBe(302);
  expect(response.headers.get('location')).toBe('/');
  return response.headers.getSetCookie().find((cookie) => cookie.startsWith('AHRIMAN='))!.split(';')[0]!;
}

const statusOf = async (path: string, cookie: string): Promise<number> => (await fetch(`${test.url}${path}`, { headers: { cookie } })).status;

describe('[auth] target = oauth', () => {
  it('sends the browser to the provider with the client id, scopes, redirect URI and a state', async () => {
    const start = await fetch(`${test.url}/api/v1/login`, { redirect: 'manual' });
    const target = new URL(start.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(`${provider.url}/authorize`);
    expect(target.searchParams.get('client_id')).toBe('ahriman-client');
    expect(target.searchParams.get('redirect_uri')).toBe(`${test.url}/api/v1/login`);
    expect(target.searchParams.get('scope')).toBe('openid email');
    expect(target.searchParams.get('state')).toMatch(/.{16,}/);
    expect(start.headers.getSetCookie().join()).toMatch(/HttpOnly/i);
  });

  it('logs in the user whose e-mail the provider names, with that user role from the users table', async () => {
    const cookie = await sessionOf({ email: 'alice@example.com', login: 'alice' });
    const info = (await (await fetch(`${test.url}/api/v2/info`, { headers: { cookie } })).json()) as { auth: { username: string; external: boolean; control: string } };
    expect(info.auth).toMatchObject({ username: 'alice@example.com', external: true, control: 'redirect' });
    expect(await statusOf('/api/v1/packages/alpha/changes', cookie)).toBe(200);
    expect(await statusOf('/api/v1/events', cookie)).toBe(403);
  });

  it('falls back to the login name when the provider gives no e-mail', async () => {
    const cookie = await sessionOf({ login: 'octocat' });
    expect(await statusOf('/api/v1/events', cookie)).toBe(200);
  });

  it('refuses a person the users table does not know, and a callback whose state is not the one it sent', async () => {
    const unknown = await oauthLogin({ email: 'mallory@example.com' });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ error: 'mallory@example.com is not a user of this service (user-add mallory@example.com first)' });
    expect(unknown.headers.getSetCookie().some((cookie) => cookie.startsWith('AHRIMAN='))).toBe(false);

    const forged = await oauthLogin({ login: 'octocat' }, (callback) => callback.searchParams.set('state', 'forged'));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: string }).error).toMatch(/OAuth login failed: Invalid state/);
  });

  it('says when the provider refused the login', async () => {
    const response = await fetch(`${test.url}/api/v1/login?error=access_denied`, { redirect: 'manual' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'the OAuth provider refused the login: access_denied' });
  });

  it('keeps password logins for robots', async () => {
    expect(await statusOf('/api/v1/events', await login(test.url, 'full'))).toBe(200);
  });
});
