import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRemote, importLocal, pkgbuildDirectory, prepareBuildDirectory } from '../../../src/core/build/sources.js';
import { redactUrl } from '../../../src/core/git/git.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { lookupUser, run } from '../../../src/core/process.js';
import type { RemoteSource } from '../../../src/models/package-source.js';
import { FakeAur } from '../../support/fake-aur.js';

const PKGBUILD_V1 = 'pkgname=hello\npkgver=1.0\npkgrel=1\narch=(any)\npackage() { :; }\n';
const PKGBUILD_V2 = 'pkgname=hello\npkgver=2.0\npkgrel=1\narch=(any)\npackage() { :; }\n';
const NO_RETRIES = { retry: { maxRetries: 0, backoffSeconds: 0 } };

let work: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'build-sources-'));
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

function aurSource(url: string): RemoteSource {
  return { source: 'aur', gitUrl: url, webUrl: null, path: null, branch: null };
}

async function git(directory: string, ...args: string[]): Promise<string> {
  return (await run('git', ['-C', directory, '-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args])).stdout.trim();
}

async function remoteHead(url: string, branch = 'master'): Promise<string> {
  return (await run('git', ['ls-remote', url, `refs/heads/${branch}`])).stdout.split('\t')[0]!;
}

describe('fetchRemote from the fake AUR over dumb HTTP', () => {
  const aur = new FakeAur();
  let url: string;
  let target: string;

  beforeAll(async () => {
    await aur.start();
    await aur.add({ name: 'hello', version: '1.0-1', files: { PKGBUILD: PKGBUILD_V1, 'hello.install': 'post_install() { :; }\n' } });
    url = `${aur.url}/hello.git`;
    target = path.join(work, 'cache', 'hello');
  });
  afterAll(() => aur.stop());

  it('clones the first time and returns the commit', async () => {
    const commit = await fetchRemote(aurSource(url), target, NO_RETRIES);
    expect(commit).toBe(await remoteHead(url));
    expect(await git(target, 'rev-parse', 'HEAD')).toBe(commit);
    expect(await fs.readFile(path.join(target, 'PKGBUILD'), 'utf8')).toBe(PKGBUILD_V1);
    // nothing but the checkout is left next to it
    expect((await fs.readdir(path.dirname(target))).sort()).toEqual(['hello']);
  });

  it('updates to a new commit and removes every local leftover', async () => {
    const first = await git(target, 'rev-parse', 'HEAD');
    await aur.add({ name: 'hello', version: '2.0-1', files: { PKGBUILD: PKGBUILD_V2 } });
    await fs.writeFile(path.join(target, 'hello.install'), 'tampered\n');
    await fs.writeFile(path.join(target, 'stray.patch'), 'left behind\n');
    await fs.mkdir(path.join(target, 'src', 'deep'), { recursive: true });
    await fs.writeFile(path.join(target, 'src', 'deep', 'object.o'), '');
    await fs.writeFile(path.join(target, '.gitignore'), 'src/\n');

    const second = await fetchRemote(aurSource(url), target, NO_RETRIES);
    expect(second).not.toBe(first);
    expect(second).toBe(await remoteHead(url));
    expect(await fs.readFile(path.join(target, 'PKGBUILD'), 'utf8')).toBe(PKGBUILD_V2);
    expect(await fs.readFile(path.join(target, 'hello.install'), 'utf8')).toBe('post_install() { :; }\n');
    expect((await fs.readdir(target)).sort()).toEqual(['.git', 'PKGBUILD', 'hello.install']);
    expect(await git(target, 'diff', '--stat', first, second)).toMatch(/PKGBUILD \| 2 \+-/);
  });

  it('fails clearly for a repository that does not exist, without credentials in the message', async () => {
    const missing = `${aur.url}/missing.git`;
    await expect(fetchRemote(aurSource(missing), path.join(work, 'cache', 'missing'), NO_RETRIES)).rejects.toThrow(
      `git clone of ${missing} failed`,
    );
    const secretUrl = missing.replace('http://', 'http://builder:s3cr3t@');
    const error = await fetchRemote(aurSource(secretUrl), path.join(work, 'cache', 'missing'), { retry: { maxRetries: 1, backoffSeconds: 0.01 } }).then(
      () => new Error('expected a failure'),
      (caught: unknown) => caught as Error,
    );
    expect(error.message).toContain(redactUrl(secretUrl));
    expect(error.message).not.toContain('s3cr3t');
    expect(existsSync(path.join(work, 'cache', 'missing'))).toBe(false);
  });

  it('fails clearly for a branch that does not exist', async () => {
    const source = { ...aurSource(url), branch: 'nope' };
    await expect(fetchRemote(source, path.join(work, 'cache', 'other'), NO_RETRIES)).rejects.toThrow(/git clone of .*hello\.git failed: .*nope/s);
  });

  it('refuses a target that exists and is not a git repository', async () => {
    const occupied = path.join(work, 'occupied');
    await fs.mkdir(occupied);
    await fs.writeFile(path.join(occupied, 'file'), '');
    await expect(fetchRemote(aurSource(url), occupied, NO_RETRIES)).rejects.toThrow(/occupied: it exists and is not a git repository/);
  });
});

describe('fetchRemote from file:// URLs', () => {
  let upstream: string;
  let url: string;

  beforeAll(async () => {
    upstream = path.join(work, 'upstream');
    await fs.mkdir(path.join(upstream, 'packages', 'hello'), { recursive: true });
    await run('git', ['init', '-q', '-b', 'main', upstream]);
    await fs.writeFile(path.join(upstream, 'packages', 'hello', 'PKGBUILD'), PKGBUILD_V1);
    await fs.writeFile(path.join(upstream, 'README'), 'monorepo\n');
    await git(upstream, 'add', '-A');
    await git(upstream, 'commit', '-q', '-m', 'one');
    await git(upstream, 'commit', '-q', '--allow-empty', '-m', 'two');
    url = `file://${upstream}`;
  });

  it('makes a shallow checkout of the branch, finds the PKGBUILD in its subdirectory and follows new commits', async () => {
    const source: RemoteSource = { source: 'remote', gitUrl: url, webUrl: null, path: 'packages/hello', branch: 'main' };
    const target = path.join(work, 'cache', 'monorepo');
    expect(await fetchRemote(source, target, NO_RETRIES)).toBe(await git(upstream, 'rev-parse', 'HEAD'));
    expect(await git(target, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(await fs.readFile(path.join(pkgbuildDirectory(target, source), 'PKGBUILD'), 'utf8')).toBe(PKGBUILD_V1);

    await fs.writeFile(path.join(upstream, 'packages', 'hello', 'PKGBUILD'), PKGBUILD_V2);
    await git(upstream, 'commit', '-q', '-am', 'three');
    expect(await fetchRemote(source, target, NO_RETRIES)).toBe(await git(upstream, 'rev-parse', 'HEAD'));
    expect(await fs.readFile(path.join(target, 'packages', 'hello', 'PKGBUILD'), 'utf8')).toBe(PKGBUILD_V2);
  });

  it('refuses a subdirectory without PKGBUILD, or outside the repository', async () => {
    const source: RemoteSource = { source: 'remote', gitUrl: url, webUrl: null, path: 'packages', branch: 'main' };
    await expect(fetchRemote(source, path.join(work, 'cache', 'nopkgbuild'), NO_RETRIES)).rejects.toThrow(
      `${url} (branch main) has no PKGBUILD in packages`,
    );
    await expect(fetchRemote({ ...source, path: '../etc' }, path.join(work, 'cache', 'escape'), NO_RETRIES)).rejects.toThrow(
      /PKGBUILD path '..\/etc' must be a directory inside the git repository/,
    );
    await expect(fetchRemote({ ...source, gitUrl: null }, path.join(work, 'cache', 'none'))).rejects.toThrow(InvalidInputError);
  });
});

describe('fetchRemote time limit', () => {
  it('gives up on a server that never answers', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hang.git`;
    try {
      await expect(fetchRemote(aurSource(url), path.join(work, 'cache', 'hang'), { timeoutMs: 500, ...NO_RETRIES })).rejects.toThrow(
        new RegExp(`git clone of ${url} failed: (timed out after 500 ms|.*Operation too slow)`, 's'),
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});

describe('importLocal', () => {
  let local: string;
  let target: string;

  beforeAll(async () => {
    local = path.join(work, 'local-hello');
    target = path.join(work, 'cache', 'local-hello');
    await fs.mkdir(path.join(local, 'src'), { recursive: true });
    await fs.mkdir(path.join(local, 'pkg'), { recursive: true });
    await fs.mkdir(path.join(local, 'keys', 'pgp'), { recursive: true });
    await fs.writeFile(path.join(local, 'PKGBUILD'), PKGBUILD_V1);
    await fs.writeFile(path.join(local, 'fix.patch'), 'patch\n');
    await fs.writeFile(path.join(local, 'keys', 'pgp', 'KEY.asc'), 'key\n');
    await fs.writeFile(path.join(local, 'hello-1.0-1-any.pkg.tar.zst'), 'built\n');
    await fs.writeFile(path.join(local, 'src', 'build.o'), 'object\n');
    await fs.writeFile(path.join(local, 'downloaded.tar.gz'), 'upstream tarball\n');
    await fs.writeFile(path.join(local, '.gitignore'), '*.tar.gz\n');
  });

  it('refuses a directory without PKGBUILD', async () => {
    await expect(importLocal(work, path.join(work, 'cache', 'x'))).rejects.toThrow(`${work} is not a PKGBUILD directory: it has no PKGBUILD`);
  });

  it('commits the sources, leaving build leftovers and ignored files out', async () => {
    const commit = await importLocal(local, target);
    expect(await git(target, 'rev-parse', 'HEAD')).toBe(commit);
    expect((await git(target, 'ls-files')).split('\n').sort()).toEqual(['.gitignore', 'PKGBUILD', 'fix.patch', 'keys/pgp/KEY.asc']);
    expect((await fs.readdir(target)).sort()).toEqual(['.git', '.gitignore', 'PKGBUILD', 'fix.patch', 'keys']);
    expect(await git(target, 'status', '--porcelain', '--ignored')).toBe('');
  });

  it('commits again only when something changed, deletions included', async () => {
    const first = await git(target, 'rev-parse', 'HEAD');
    expect(await importLocal(local, target)).toBe(first);

    await fs.writeFile(path.join(local, 'PKGBUILD'), PKGBUILD_V2);
    await fs.rm(path.join(local, 'fix.patch'));
    const second = await importLocal(local, target);
    expect(second).not.toBe(first);
    expect(await git(target, 'diff', '--name-status', first, second)).toBe('M\tPKGBUILD\nD\tfix.patch');
    expect(existsSync(path.join(target, 'fix.patch'))).toBe(false);
  });

  it('commits changes made in the target itself', async () => {
    const before = await git(target, 'rev-parse', 'HEAD');
    await fs.writeFile(path.join(target, 'PKGBUILD'), `${PKGBUILD_V2}# edited in place\n`);
    const after = await importLocal(target, target);
    expect(after).not.toBe(before);
    expect(await git(target, 'show', '--format=', '--name-only', after)).toBe('PKGBUILD');
  });

  it('refuses to import over a directory that is not a git repository', async () => {
    const occupied = path.join(work, 'occupied-import');
    await fs.mkdir(occupied);
    await fs.writeFile(path.join(occupied, 'file'), '');
    await expect(importLocal(local, occupied)).rejects.toThrow(/occupied-import: it exists and is not a git repository/);
  });
});

describe('prepareBuildDirectory', () => {
  it('copies the checkout without .git into an emptied directory owned by the build user', async () => {
    const checkout = path.join(work, 'checkout');
    await fs.mkdir(path.join(checkout, 'sub'), { recursive: true });
    await run('git', ['init', '-q', checkout]);
    await fs.writeFile(path.join(checkout, 'PKGBUILD'), PKGBUILD_V1);
    await fs.writeFile(path.join(checkout, 'sub', 'file'), 'x');
    await fs.symlink('PKGBUILD', path.join(checkout, 'link'));
    const destination = path.join(work, 'build', 'hello');
    await fs.mkdir(destination, { recursive: true });
    await fs.writeFile(path.join(destination, 'old-build-output'), '');

    const user = await lookupUser('ahriman');
    await prepareBuildDirectory(checkout, destination, { owner: user });
    expect((await fs.readdir(destination)).sort()).toEqual(['PKGBUILD', 'link', 'sub']);
    expect(await fs.readlink(path.join(destination, 'link'))).toBe('PKGBUILD');
    for (const file of [destination, path.join(destination, 'sub', 'file'), path.join(destination, 'PKGBUILD')]) {
      expect((await fs.stat(file)).uid, file).toBe(user.uid);
    }
  });
});
