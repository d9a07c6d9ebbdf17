import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/core/package-root.js';
import { registerDashboard } from '../../../src/web/dashboard.js';

// the bundle `npm run build` made (npm test builds first)
const ASSETS = path.join(packageRoot(), 'dist', 'web', 'assets');

describe('dashboard assets over HTTP', () => {
  let app: FastifyInstance;
  let base: string;
  let manifest: { script: string; style: string };

  beforeAll(async () => {
    manifest = JSON.parse(await readFile(path.join(ASSETS, 'manifest.json'), 'utf8')) as typeof manifest;
    app = Fastify();
    await registerDashboard(app, ASSETS);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('serves the index page, never cached, naming the hashed bundle', async () => {
    for (const url of ['/', '/index.html']) {
      const response = await fetch(base + url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const html = await response.text();
      expect(html).toContain(`<script type="module" src="/assets/${manifest.script}"></script>`);
      expect(html).toContain(`<link rel="stylesheet" href="/assets/${manifest.style}">`);
    }
  });

  it('serves the bundle with a one-year immutable cache', async () => {
    for (const [name, type] of [[manifest.script, 'application/javascript'], [manifest.style, 'text/css']] as const) {
      const response = await fetch(`${base}/assets/${name}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await response.arrayBuffer())).toEqual(await readFile(path.join(ASSETS, name)));
    }
  });

  it('serves nothing but hashed bundle files from the asset directory', async () => {
    for (const url of ['/assets/manifest.json', '/assets/../package.json', '/assets/%2e%2e/dashboard.js', '/assets/missing-ABCDEFGH.js']) {
      expect((await fetch(base + url)).status, url).toBe(404);
    }
  });
});

describe('dashboard start-up', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-assets-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('without a built bundle serves the API only, the index page naming the missing manifest and the fix', async () => {
    const app = Fastify();
    await registerDashboard(app, directory);
    try {
      const response = await app.inject({ method: 'GET', url: '/' });
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain(`the dashboard is not built: no ${path.join(directory, 'manifest.json')} (run npm run build)`);
    } finally {
      await app.close();
    }
  });

  it('refuses a manifest that names files without content hashes', async () => {
    await writeFile(path.join(directory, 'manifest.json'), JSON.stringify({ script: 'dashboard.js', style: 'dashboard.css' }));
    await expect(registerDashboard(Fastify(), directory)).rejects.toThrow(/does not name a hashed script and stylesheet \(rebuild with npm run build\)/);
  });
});
