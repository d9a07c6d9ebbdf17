import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startTestServer, type TestServer } from './support.js';

let test: TestServer;
let cookie: string;
let directory: string;

beforeAll(async () => {
  test = await startTestServer({ ini: '[web]\nenable_archive_upload = yes\nmax_body_size = 65536\n' });
  cookie = await login(test.url, 'full');
  directory = path.join(test.root, 'packages', 'aur', 'x86_64');
});
afterAll(() => test.stop());

function upload(files: Array<[field: string, name: string, size: number]>, headers: Record<string, string> = { cookie }): Promise<Response> {
  const form = new FormData();
  for (const [field, name, size] of files) form.append(field, new Blob([Buffer.alloc(size, 7)]), name);
  return fetch(`${test.url}/api/v1/service/upload`, { method: 'POST', headers, body: form });
}

describe('service/upload', () => {
  it('stores a package and its signature under their names, leaving no temporary file', async () => {
    const response = await upload([
      ['package', 'demo-1.0-1-x86_64.pkg.tar.zst', 1000],
      ['signature', 'demo-1.0-1-x86_64.pkg.tar.zst.sig', 100],
    ]);
    expect(response.status, await response.clone().text()).toBe(201);
    expect((await readdir(directory)).sort()).toEqual(['demo-1.0-1-x86_64.pkg.tar.zst', 'demo-1.0-1-x86_64.pkg.tar.zst.sig']);
    expect((await readFile(path.join(directory, 'demo-1.0-1-x86_64.pkg.tar.zst'))).length).toBe(1000);
  });

  it.each([
    ['a path', '../../demo-1.0-1-x86_64.pkg.tar.zst', 400, /must be a file name, not a path/],
    ['a name that is no package', 'ahriman.ini', 400, /must end with \.pkg\.tar/],
    ['a hidden name', '.demo-1.0-1-x86_64.pkg.tar.zst', 400, /package file name/],
    ['a file over max_body_size', 'big-1.0-1-x86_64.pkg.tar.zst', 413, /larger than|too large/],
  ])('refuses %s and stores nothing', async (_what, name, status, message) => {
    const before = (await readdir(directory)).sort();
    const response = await upload([['package', name, name.startsWith('big') ? 70_000 : 10]]);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect((await readdir(directory)).sort()).toEqual(before);
    expect((await readdir(test.root)).filter((entry) => entry.includes('demo'))).toEqual([]);
  });

  it('needs full access and a multipart body', async () => {
    expect((await upload([['package', 'demo-2.0-1-x86_64.pkg.tar.zst', 10]], {})).status).toBe(401);
    const json = await fetch(`${test.url}/api/v1/service/upload`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    expect((await fetch(`${test.url}/api/v1/info`)).status).toBe(200);
  });
});
