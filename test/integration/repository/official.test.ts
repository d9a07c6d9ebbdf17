import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { officialPackageNames, refreshSyncDatabases, type OfficialSettings } from '../../../src/core/alpm/remote/official.js';
import { type RepositoryEntry, writeRepositoryDatabase } from '../../../src/core/alpm/repository-database.js';

function entry(name: string, provides: string[] = []): RepositoryEntry {
  return {
    fileName: `${name}-1.0-1-x86_64.pkg.tar.zst`, name, base: name, version: '1.0-1', description: name, groups: [], compressedSize: 1,
    installedSize: 1, md5: '0'.repeat(32), sha256: '0'.repeat(64), pgpSignature: '', url: '', licenses: [], architecture: 'x86_64',
    buildDate: 1_700_000_000, packager: 'someone', replaces: [], conflicts: [], provides, depends: [], optDepends: [], makeDepends: [],
    checkDepends: [], files: [],
  };
}

describe('distribution sync databases', () => {
  const mirror = mkdtempSync(path.join(os.tmpdir(), 'ahriman-mirror-'));
  const requests: { url: string; ifModifiedSince: string | undefined }[] = [];
  let server: http.Server;
  let settings: OfficialSettings;

  beforeAll(async () => {
    await writeRepositoryDatabase(path.join(mirror, 'core', 'os', 'x86_64'), 'core', [entry('glibc'), entry('bash', ['sh=5.2'])]);
    await writeRepositoryDatabase(path.join(mirror, 'extra', 'os', 'x86_64'), 'extra', [entry('python')]);
    const modified = new Date('2026-01-01T00:00:00Z');
    server = http.createServer((request, response) => {
      const since = request.headers['if-modified-since'];
      requests.push({ url: request.url ?? '', ifModifiedSince: since });
      if (since && new Date(since) >= modified) {
        response.writeHead(304).end();
        return;
      }
      try {
        const body = readFileSync(path.join(mirror, request.url ?? ''));
        response.writeHead(200, { 'last-modified': modified.toUTCString() }).end(body);
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    settings = {
      repositories: ['core', 'extra'],
      mirror: `http://127.0.0.1:${(server.address() as AddressInfo).port}/$repo/os/$arch`,
      syncDirectory: path.join(mkdtempSync(path.join(os.tmpdir(), 'ahriman-sync-')), 'sync'),
    };
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('knows nothing before the databases are downloaded', async () => {
    expect(await officialPackageNames({ ...settings, syncDirectory: '/nonexistent' })).toBeUndefined();
  });

  it('downloads each database, then only what changed, and lists names and provides', async () => {
    const policy = { timeoutMs: 5_000, maxRetries: 0, retryBackoffSeconds: 0 };
    await refreshSyncDatabases(settings, 'x86_64', policy, false);
    expect(requests.map((request) => request.url).sort()).toEqual(['/core/os/x86_64/core.db', '/extra/os/x86_64/extra.db']);
    expect(await officialPackageNames(settings)).toEqual(new Set(['glibc', 'bash', 'sh', 'python']));

    const before = statSync(path.join(settings.syncDirectory, 'core.db')).mtimeMs;
    requests.length = 0;
    await refreshSyncDatabases(settings, 'x86_64', policy, false);
    expect(requests.every((request) => request.ifModifiedSince !== undefined)).toBe(true);
    expect(statSync(path.join(settings.syncDirectory, 'core.db')).mtimeMs).toBe(before);

    requests.length = 0;
    await refreshSyncDatabases(settings, 'x86_64', policy, true);
    expect(requests.every((request) => request.ifModifiedSince === undefined)).toBe(true);
  });

  it('names the database that cannot be downloaded', async () => {
    const policy = { timeoutMs: 5_000, maxRetries: 0, retryBackoffSeconds: 0 };
    await expect(refreshSyncDatabases({ ...settings, repositories: ['missing'] }, 'x86_64', policy, true)).rejects.toThrow(
      /cannot download http:\/\/127\.0\.0\.1:\d+\/missing\/os\/x86_64\/missing\.db: HTTP 404/,
    );
  });
});
