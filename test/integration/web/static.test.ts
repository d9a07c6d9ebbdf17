import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support.js';

let directory: string;
let test: TestServer;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'ahriman-static-'));
  await writeFile(path.join(directory, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  test = await startTestServer({ ini: `allow_read_only = no\n[web]\nstatic_path = ${directory}\n` });
});
afterAll(async () => {
  await test.stop();
  await rm(directory, { recursive: true, force: true });
});

describe('[web] static_path', () => {
  it('serves its files under /static/ to everybody, and /favicon.ico redirects there as in the reference', async () => {
    const redirect = await fetch(`${test.url}/favicon.ico`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, '/static/favicon.ico']);
    const icon = await fetch(`${test.url}/static/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(Buffer.from(await icon.arrayBuffer())).toEqual(Buffer.from([0, 0, 1, 0]));
    expect(icon.headers.get('cache-control')).toMatch(/immutable/);
  });
});
