import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { FakeHkp } from '../../support/fake-hkp.js';
import { removeTestKeys, testKey, type TestKey } from '../../support/keys.js';
import { finishedProcess, login, startAction, startTestServer, type TestServer } from './support.js';

let hkp: FakeHkp;
let key: TestKey;
let test: TestServer;
let home: string;
const cookies: Record<string, string> = {};
const previousHome = process.env.GNUPGHOME;

beforeAll(async () => {
  key = await testKey();
  hkp = await new FakeHkp(new Map([[key.fingerprint, key.armoredPublic]])).start();
  test = await startTestServer({ ini: 'allow_read_only = no\n[web]\nwait_timeout = 60\n', packages: ['alpha'] });
  // the service's children import into the keyring of the user running it: here a keyring of this test's own
  home = await fs.mkdtemp(path.join(test.root, 'gnupg-'));
  process.env.GNUPGHOME = home;
  for (const role of ['read', 'reporter', 'full']) cookies[role] = await login(test.url, role);
});
afterAll(async () => {
  if (previousHome === undefined) delete process.env.GNUPGHOME;
  else process.env.GNUPGHOME = previousHome;
  await test.stop();
  await hkp.stop();
  await removeTestKeys();
});

const lookup = (query: string, cookie = cookies.reporter!): Promise<Response> => fetch(`${test.url}/api/v1/service/pgp?${query}`, { headers: { cookie } });

describe('service/pgp', () => {
  it('GET looks the key up on the key server for reporters, without importing it', async () => {
    const response = await lookup(`key=${key.fingerprint}&server=${encodeURIComponent(hkp.url)}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ key: key.armoredPublic });
    expect(hkp.lookups.at(-1)).toBe(`/pks/lookup?op=get&options=mr&search=0x${key.fingerprint}`);
    expect((await lookup(`key=${key.fingerprint}&server=${encodeURIComponent(hkp.url)}`, cookies.read)).status).toBe(403);
    const listed = await run('gpg', ['--homedir', home, '--batch', '--list-keys', key.fingerprint], { allowFailure: true });
    expect(listed.code).not.toBe(0);
  });

  it('GET says what is wrong with the key, the server, or the answer', async () => {
    const unknown = await lookup(`key=DEADBEEFDEADBEEF&server=${encodeURIComponent(hkp.url)}`);
    expect([unknown.status, await unknown.json()]).toEqual([400, { error: `key DEADBEEFDEADBEEF is not on ${hkp.url}` }]);
    const invalid = await lookup('key=not-a-key');
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toMatch(/querystring\.key: expected a key id/);
    const option = await lookup(`key=${key.fingerprint}&server=--homedir`);
    expect(((await option.json()) as { error: string }).error).toMatch(/querystring\.server: not a key server host or http\(s\) URL/);
  });

  it('POST imports the key into the service user keyring through service-key-import (full only)', async () => {
    const refused = await fetch(`${test.url}/api/v1/service/pgp`, {
      method: 'POST',
      headers: { cookie: cookies.reporter!, 'content-type': 'application/json' },
      body: JSON.stringify({ key: key.fingerprint, server: hkp.url }),
    });
    expect(refused.status).toBe(403);
    const id = await startAction(test.url, cookies.full!, 'pgp', { key: key.fingerprint, server: hkp.url });
    const finished = await finishedProcess(test.url, cookies.full!, id);
    expect(finished, finished.output.join('\n')).toMatchObject({ status: 'success', exit_code: 0 });
    const listed = await run('gpg', ['--homedir', home, '--batch', '--with-colons', '--list-keys', key.fingerprint]);
    expect(listed.stdout).toContain(`fpr:::::::::${key.fingerprint}:`);
  });
});

describe('service/rollback', () => {
  it('runs package-rollback, which names the archived versions when the one asked for is not there', async () => {
    const id = await startAction(test.url, cookies.full!, 'rollback', { package: 'alpha', version: '0.9-1' });
    const finished = await finishedProcess(test.url, cookies.full!, id);
    expect(finished).toMatchObject({ status: 'failed', exit_code: 1 });
    expect(finished.output.join('\n')).toContain('alpha 0.9-1 is not in the archive (archived versions: none)');
  });

  it('refuses a malformed version or package name before spawning anything', async () => {
    for (const [body, message] of [
      [{ package: 'alpha', version: '--hold' }, /body\.version: not a full version/],
      [{ package: '../alpha', version: '1.0-1' }, /body\.package: not a valid package name/],
      [{ package: 'alpha' }, /body\.version/],
    ] as const) {
      const response = await fetch(`${test.url}/api/v1/service/rollback`, {
        method: 'POST',
        headers: { cookie: cookies.full!, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
  });
});
