/**
 * A repository signed by `Signer`, indexed by real `repo-add`, installed from by real pacman with `SigLevel = Required`.
 * Each case gets its own copy of the repository and its own pacman root.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { Signer } from '../../../src/core/sign/signer.js';
import { generateTestKey, removeTestKeys, testKey, type TestKey } from '../../support/keys.js';
import { buildPackages, removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate, type PacmanClient } from '../../support/pacman-client.js';

const REPOSITORY = 'ahrsigned';

function pkgbuild(pkgver: string): PkgbuildSpec {
  return {
    pkgname: 'ahr-signed',
    pkgver,
    package: `mkdir -p "$pkgdir/usr/share/ahr-signed" && echo ${pkgver} > "$pkgdir/usr/share/ahr-signed/version"`,
  };
}

let workDirectory: string;
let key: TestKey;
let signer: Signer;
let firstArchive: string;
let secondArchive: string;
const clients: PacmanClient[] = [];

beforeAll(async () => {
  workDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-signed-repo-'));
  key = await testKey();
  signer = await Signer.load({ targets: { packages: true, repository: true }, keyFile: key.secretKeyFile });
  const [first, second] = await Promise.all([buildPackages(pkgbuild('1.0')), buildPackages(pkgbuild('1.1'))]);
  firstArchive = first.archives[0]!;
  secondArchive = second.archives[0]!;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.cleanup()));
  await Promise.all([removeBuildDirectories(), removeKeyringTemplate(), removeTestKeys()]);
  await fs.rm(workDirectory, { recursive: true, force: true });
});

/** A fresh `<work>/<name>/x86_64` holding copies of the archives. */
async function repositoryDirectory(name: string, archives: readonly string[]): Promise<{ directory: string; packages: string[] }> {
  const directory = path.join(workDirectory, name, 'x86_64');
  await fs.mkdir(directory, { recursive: true });
  const packages: string[] = [];
  for (const archive of archives) {
    const copy = path.join(directory, path.basename(archive));
    await fs.copyFile(archive, copy);
    packages.push(copy);
  }
  return { directory, packages };
}

function databaseFiles(directory: string): string[] {
  return [`${REPOSITORY}.db.tar.gz`, `${REPOSITORY}.files.tar.gz`].map((name) => path.join(directory, name));
}

/**
 * repo-add (which embeds `%PGPSIG%` from the `.sig` beside each package), then signed databases and `.db.sig` links.
 * pacman compares database modification times in whole seconds, and repo-add leaves them at the time of writing:
 * a database rewritten within the second of the one a client synced would look unchanged to it, so the new files
 * are dated at least one second after the old ones (as our own publisher does).
 */
async function indexAndSign(directory: string, packages: readonly string[], databaseSigner: Signer = signer): Promise<void> {
  const previous = await fs.stat(databaseFiles(directory)[0]!).then((stat) => Math.floor(stat.mtimeMs / 1000)).catch(() => 0);
  await run('repo-add', ['--quiet', databaseFiles(directory)[0]!, ...packages], { cwd: directory });
  await databaseSigner.signFiles(databaseFiles(directory));
  const seconds = Math.max(Math.floor(Date.now() / 1000), previous + 1);
  for (const file of databaseFiles(directory).flatMap((database) => [database, `${database}.sig`])) await fs.utimes(file, seconds, seconds);
  for (const kind of ['db', 'files']) {
    const link = path.join(directory, `${REPOSITORY}.${kind}.sig`);
    await fs.rm(link, { force: true });
    await fs.symlink(`${REPOSITORY}.${kind}.tar.gz.sig`, link);
  }
}

async function signedRepository(name: string, archives: readonly string[]): Promise<string> {
  const { directory, packages } = await repositoryDirectory(name, archives);
  await signer.signFiles(packages);
  await indexAndSign(directory, packages);
  return directory;
}

async function pacmanFor(directory: string, keys: readonly string[]): Promise<PacmanClient> {
  const client = await createPacmanRoot({
    repositories: [{ name: REPOSITORY, server: `file://${path.dirname(directory)}/$arch` }],
    keys,
  });
  clients.push(client);
  return client;
}

/** A static file server over `root` on 127.0.0.1, in this process: pacman must not block its event loop. */
async function serveDirectory(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const file = path.join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname));
    createReadStream(file)
      .on('error', () => response.writeHead(404).end())
      .on('open', () => response.writeHead(200, { 'content-type': 'application/octet-stream' }))
      .pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function flipMiddleByte(file: string): Promise<void> {
  const bytes = await fs.readFile(file);
  const middle = bytes.length >> 1;
  bytes[middle] = bytes[middle]! ^ 0xff;
  await fs.writeFile(file, bytes);
}

describe('a repository signed with Signer', () => {
  it('installs with SigLevel = Required, validated by signature, and upgrades', async () => {
    const directory = await signedRepository('good', [firstArchive]);
    const pacman = await pacmanFor(directory, [key.armoredPublic]);

    const synced = await pacman.sync();
    expect(synced.stderr).toBe('');
    expect(synced.code).toBe(0);
    expect((await pacman.install(['ahr-signed'])).code).toBe(0);
    expect(await pacman.query()).toEqual(new Map([['ahr-signed', '1.0-1']]));
    const info = await pacman.info('ahr-signed');
    expect(info.stdout).toMatch(/^Validated By\s*:.*Signature/m);

    const next = await repositoryDirectory('good', [secondArchive]);
    await signer.signFiles(next.packages);
    await indexAndSign(directory, next.packages);
    const upgraded = await pacman.upgrade();
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(await pacman.query()).toEqual(new Map([['ahr-signed', '1.1-1']]));
  });

  it('installs over HTTP from a server in the same process', async () => {
    const directory = await signedRepository('http', [firstArchive]);
    const server = await serveDirectory(path.dirname(directory));
    try {
      const pacman = await createPacmanRoot({
        repositories: [{ name: REPOSITORY, server: `${server.url}/$arch` }],
        keys: [key.armoredPublic],
      });
      clients.push(pacman);
      expect((await pacman.sync()).code).toBe(0);
      const installed = await pacman.install(['ahr-signed']);
      expect(installed.code, installed.stderr).toBe(0);
      expect(await pacman.query()).toEqual(new Map([['ahr-signed', '1.0-1']]));
    } finally {
      await server.close();
    }
  });

  it('gpg --verify accepts the package and database signatures', async () => {
    const directory = await signedRepository('gpg', [firstArchive]);
    const pacman = await pacmanFor(directory, [key.armoredPublic]);
    for (const file of [path.join(directory, path.basename(firstArchive)), ...databaseFiles(directory)]) {
      const verified = await run('gpg', ['--homedir', pacman.gpgDir, '--verify', `${file}.sig`, file], {
        env: { LC_ALL: 'C' },
        allowFailure: true,
      });
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stderr).toContain(`Good signature from "ahriman test <test@ahriman.invalid>" [full]`);
    }
  });

  it('rejects a package changed after it was signed', async () => {
    const directory = await signedRepository('tampered-package', [firstArchive]);
    // with a signature present pacman checks only the signature, not the database checksums
    await flipMiddleByte(path.join(directory, path.basename(firstArchive)));
    const pacman = await pacmanFor(directory, [key.armoredPublic]);

    expect((await pacman.sync()).code).toBe(0);
    const installed = await pacman.install(['ahr-signed']);
    expect(installed.code).not.toBe(0);
    expect(installed.stderr).toContain('invalid or corrupted package (PGP signature)');
    expect(await pacman.query()).toEqual(new Map());
  });

  it('rejects a database changed after it was signed', async () => {
    const directory = await signedRepository('tampered-database', [firstArchive]);
    await flipMiddleByte(databaseFiles(directory)[0]!);
    const pacman = await pacmanFor(directory, [key.armoredPublic]);

    const synced = await pacman.sync();
    expect(synced.code).not.toBe(0);
    expect(synced.stderr).toContain(`${REPOSITORY}: signature from "ahriman test <test@ahriman.invalid>" is invalid`);
    expect(synced.stderr).toContain('invalid or corrupted database (PGP signature)');
  });

  it('rejects signatures by a key pacman does not know', async () => {
    const directory = await signedRepository('unknown-key', [firstArchive]);
    const otherKey = await generateTestKey({ name: 'someone else' });
    const pacman = await pacmanFor(directory, [otherKey.armoredPublic]);

    const started = Date.now();
    const synced = await pacman.sync();
    expect(synced.code).not.toBe(0);
    expect(synced.stderr).toContain(`key "${key.fingerprint}" is unknown`);
    expect(Date.now() - started).toBeLessThan(10_000); // the keyserver lookup fails at once
  });

  it('rejects a database signed by an unknown key even when the packages are signed by a trusted one', async () => {
    const { directory, packages } = await repositoryDirectory('unknown-database-key', [firstArchive]);
    await signer.signFiles(packages);
    const otherKey = await generateTestKey({ name: 'someone else' });
    const otherSigner = await Signer.load({ targets: { packages: false, repository: true }, keyFile: otherKey.secretKeyFile });
    await indexAndSign(directory, packages, otherSigner);
    const pacman = await pacmanFor(directory, [key.armoredPublic]);

    const synced = await pacman.sync();
    expect(synced.code).not.toBe(0);
    expect(synced.stderr).toContain(`key "${otherKey.fingerprint}" is unknown`);
  });
});
