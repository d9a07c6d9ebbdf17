import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { UserOperations } from '../../../src/core/database/operations/users.js';
import { run } from '../../../src/core/process.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { REPOSITORY, login, startTestServer, type TestServer } from './support.js';

// system accounts are created for the test, which needs root; a unique suffix keeps parallel runs apart
const isRoot = process.getuid?.() === 0;
const suffix = randomBytes(3).toString('hex');
const GROUP = `ahrwheel${suffix}`;
const PLAIN = `ahrplain${suffix}`;
const ADMIN = `ahradmin${suffix}`;
const LISTED = `ahrlisted${suffix}`;
const TOOR = `ahrtoor${suffix}`;
const SECRET = 'Pam-Secr3t pass';

let strict: TestServer;
let permissive: TestServer;
const created: string[] = [];

async function addSystemUser(name: string, extra: string[] = []): Promise<void> {
  await run('useradd', ['--no-create-home', '--shell', '/bin/sh', ...extra, name]);
  created.push(name);
  await run('chpasswd', [], { input: `${name}:${SECRET}\n` });
}

async function pamServer(permitRoot: boolean): Promise<TestServer> {
  return startTestServer({ ini: `target = pam\nfull_access_group = ${GROUP}\npermit_root_login = ${permitRoot ? 'yes' : 'no'}\n`, packages: ['alpha'] });
}

beforeAll(async () => {
  if (!isRoot) return;
  await run('groupadd', [GROUP]);
  await addSystemUser(PLAIN);
  await addSystemUser(ADMIN, ['--groups', GROUP]);
  await addSystemUser(LISTED, ['--groups', GROUP]);
  await addSystemUser(TOOR, ['--non-unique', '--uid', '0', '--groups', GROUP]);
  strict = await pamServer(false);
  permissive = await pamServer(true);
  const state = await RepositoryState.open(Configuration.load(strict.configurationPath, REPOSITORY), REPOSITORY);
  await new UserOperations(state.database).userUpdate({ username: LISTED, access: 'reporter', password: '', packagerId: null, keyId: null });
  await state.close();
}, 60_000);

afterAll(async () => {
  await strict?.stop();
  await permissive?.stop();
  // --force: an account with uid 0 always counts as logged in
  for (const name of created) await run('userdel', ['--force', name], { allowFailure: true });
  if (isRoot) await run('groupdel', [GROUP], { allowFailure: true });
});

const statusOf = async (server: TestServer, path: string, cookie: string): Promise<number> =>
  (await fetch(`${server.url}${path}`, { headers: { cookie } })).status;

describe.skipIf(!isRoot)('[auth] target = pam (system users created with useradd; needs root)', () => {
  it('logs a system user in with the system password, read-only outside full_access_group', async () => {
    const cookie = await login(strict.url, PLAIN, SECRET);
    const info = (await (await fetch(`${strict.url}/api/v2/info`, { headers: { cookie } })).json()) as { auth: { username: string } };
    expect(info.auth.username).toBe(PLAIN);
    expect(await statusOf(strict, '/api/v1/packages/alpha/changes', cookie)).toBe(403);
    await expect(login(strict.url, PLAIN, 'not the password')).rejects.toThrow(/answered 401.*wrong user name or password/);
  });

  it('gives full access to members of full_access_group, and the users table role to users it lists', async () => {
    expect(await statusOf(strict, '/api/v1/events', await login(strict.url, ADMIN, SECRET))).toBe(200);
    const listed = await login(strict.url, LISTED, SECRET);
    expect(await statusOf(strict, '/api/v1/packages/alpha/changes', listed)).toBe(200);
    expect(await statusOf(strict, '/api/v1/events', listed)).toBe(403);
  });

  it('refuses root (here an account with uid 0) unless permit_root_login', async () => {
    await expect(login(strict.url, TOOR, SECRET)).rejects.toThrow(/answered 401/);
    expect(await statusOf(permissive, '/api/v1/events', await login(permissive.url, TOOR, SECRET))).toBe(200);
  });

  it('still logs in the users of the users table with their own passwords', async () => {
    expect(await statusOf(strict, '/api/v1/events', await login(strict.url, 'full'))).toBe(200);
  });
});
