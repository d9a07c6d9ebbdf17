import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RepositoryEntry, writeRepositoryDatabase } from '../../../src/core/alpm/repository-database.js';
import { ahriman, makeSandbox, type Sandbox } from '../../support/cli.js';

function entry(name: string, version: string): RepositoryEntry {
  return {
    fileName: `${name}-${version}-x86_64.pkg.tar.zst`, name, base: name, version, description: `${name} from the distribution`, groups: [],
    compressedSize: 1, installedSize: 1, md5: '0'.repeat(32), sha256: '0'.repeat(64), pgpSignature: '', url: '', licenses: [],
    architecture: 'x86_64', buildDate: 1_700_000_000, packager: 'someone', replaces: [], conflicts: [], provides: [], depends: ['glibc'],
    optDepends: [], makeDepends: [], checkDepends: [], files: [],
  };
}

describe('packages of the distribution (--source repository)', () => {
  const mirror = mkdtempSync(path.join(os.tmpdir(), 'ahriman-mirror-'));
  const core = path.join(mirror, 'core', 'os', 'x86_64');
  let server: http.Server;
  let sandbox: Sandbox;
  let base: string[];

  beforeAll(async () => {
    await writeRepositoryDatabase(core, 'core', [entry('ahr-official', '1.0-1'), entry('glibc', '2.40-1')]);
    // service-setup names core, extra and multilib for the repository: serve all three
    for (const other of ['extra', 'multilib']) await writeRepositoryDatabase(path.join(mirror, other, 'os', 'x86_64'), other, []);
    server = http.createServer((request, response) => {
      let body: Buffer;
      try {
        body = readFileSync(path.join(mirror, request.url ?? ''));
      } catch {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/$repo/os/$arch`;
    sandbox = makeSandbox(`[alpm]\nmirror = ${url}\n\n[aur]\nurl = http://127.0.0.1:1\nmax_retries = 0\n`);
    base = ['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo'];
    expect((await ahriman([...base, 'service-setup', '--packager', 'A <a@b>'])).code).toBe(0);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('refuses a name the sync databases do not have, naming it', async () => {
    const result = await ahriman([...base, 'package-add', '-y', '-s', 'repository', 'not-there']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not in the sync databases of [alpm] repositories: not-there');
  });

  it('queues a distribution package to be rebuilt from its PKGBUILD, and sees its new versions', async () => {
    const added = await ahriman([...base, 'package-add', '-y', '-s', 'repository', 'ahr-official']);
    expect(added.stderr).not.toMatch(/ERROR/);
    expect(added.stdout).toContain('queued ahr-official');
    const status = JSON.parse((await ahriman([...base, 'package-status', '--json'])).stdout) as unknown;
    expect(JSON.stringify(status)).toContain('gitlab.archlinux.org/archlinux/packaging/packages/ahr-official.git');

    await writeRepositoryDatabase(core, 'core', [entry('ahr-official', '1.1-1'), entry('glibc', '2.40-1')]);
    const check = await ahriman([...base, 'repo-check', '-yy', '--no-vcs', '--no-local', '--json']);
    const candidates = JSON.parse(check.stdout) as { base: string; version: string; reason: string }[];
    expect(candidates).toContainEqual(expect.objectContaining({ base: 'ahr-official', version: '1.1-1', reason: 'the distribution has 1.1-1' }));
  });
});
