/**
 * The keyring and mirror list generators: the PKGBUILDs they write into the cache are ones makepkg reads and builds,
 * the packages hold the keys and servers, and both are queued for the next update.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSrcinfo } from '../../../src/core/alpm/srcinfo.js';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { UserOperations } from '../../../src/core/database/operations/users.js';
import { run } from '../../../src/core/process.js';
import { loadServices, type RepositoryServices } from '../../../src/core/repository/services.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { keyringGenerator } from '../../../src/core/support/keyring.js';
import { mirrorlistGenerator } from '../../../src/core/support/mirrorlist.js';
import { dateVersion, runGenerator } from '../../../src/core/support/pkgbuild-generator.js';
import { generateTestKey, removeTestKeys, testKey, type TestKey } from '../../support/keys.js';
import { buildPackages, printSrcinfo, removeBuildDirectories, writePkgbuild } from '../../support/makepkg.js';
import { emptySandbox, REPOSITORY_ID, type Sandbox } from './support.js';

const SERVERS = ['https://mirror.one.example/$repo/os/$arch', 'https://mirror.two.example/demo/x86_64'];

/** The files of a generated package directory, without git's. */
async function packageFiles(directory: string): Promise<Record<string, string>> {
  const names = (await readdir(directory)).filter((name) => name !== '.git');
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(path.join(directory, name), 'utf8')] as const)));
}

/** The pkgbase fields of `makepkg --printsrcinfo` run on a generated directory (copied to one the build user owns). */
async function srcinfoOf(files: Record<string, string>): Promise<{ pkgbase: string; field(name: string): readonly string[] }> {
  const { PKGBUILD: pkgbuild, ...rest } = files;
  const srcinfo = parseSrcinfo(await printSrcinfo(await writePkgbuild(pkgbuild!, rest)), 'makepkg --printsrcinfo');
  return { pkgbase: srcinfo.base.name, field: (name) => srcinfo.base.fields.get(name) ?? [] };
}

/** Builds a generated directory with real makepkg; returns the archive's member list and a reader of its files. */
async function build(files: Record<string, string>): Promise<{ members: string[]; read(member: string): Promise<string> }> {
  const { PKGBUILD: pkgbuild, ...rest } = files;
  const { archives } = await buildPackages(pkgbuild!, { files: rest });
  const archive = archives[0]!;
  const members = (await run('bsdtar', ['-tf', archive])).stdout.split('\n').filter(Boolean);
  return { members, read: async (member) => (await run('bsdtar', ['-xOf', archive, member])).stdout };
}

/** Fingerprints of the keys in an armored key file, as gpg reads them. */
async function fingerprintsIn(armored: string, home: string): Promise<string[]> {
  const file = path.join(home, 'keys.asc');
  await writeFile(file, armored);
  const { stdout } = await run('gpg', ['--homedir', home, '--batch', '--with-colons', '--show-keys', file]);
  const lines = stdout.split('\n');
  // the fpr line right after each pub line is the primary key's
  return lines.flatMap((line, index) => (line.startsWith('pub:') ? [lines[index + 1]!.split(':')[9]!] : []));
}

describe('keyring and mirrorlist packages', () => {
  let sandbox: Sandbox;
  let gnupgHome: string;
  let packager: TestKey;
  let revoked: TestKey;
  let services: RepositoryServices;
  let state: RepositoryState;
  const previousGnupgHome = process.env.GNUPGHOME;

  async function servicesWith(extra: string): Promise<RepositoryServices> {
    const file = path.join(path.dirname(sandbox.root), `ahriman-${Math.random().toString(36).slice(2)}.ini`);
    await writeFile(
      file,
      [
        '[repository]',
        `root = ${sandbox.root}`,
        '[build]',
        'driver = host',
        '[sign]',
        'target = package',
        `key = ${sandbox.key.fingerprint}`,
        `key_file = ${sandbox.key.secretKeyFile}`,
        extra,
      ].join('\n'),
    );
    const configuration = Configuration.load(file, REPOSITORY_ID, {});
    return loadServices(configuration, configuration.repositoryPaths(), state);
  }

  beforeAll(async () => {
    sandbox = await emptySandbox();
    [packager, revoked] = await Promise.all([generateTestKey({ name: 'packager' }), generateTestKey({ name: 'revoked' }), testKey()]);
    // the packager's and the revoked key are known to gpg only (the service user's keyring, as in the reference)
    gnupgHome = await mkdtemp(path.join(os.tmpdir(), 'ahriman-gnupg-'));
    await run('gpg', ['--homedir', gnupgHome, '--batch', '--import', packager.publicKeyFile, revoked.publicKeyFile]);
    process.env.GNUPGHOME = gnupgHome;

    const configuration = Configuration.load(await writeMinimal(), REPOSITORY_ID, {});
    state = await RepositoryState.open(configuration, REPOSITORY_ID);
    await new UserOperations(state.database).userUpdate({ username: 'packager', access: 'full', password: '', packagerId: null, keyId: packager.fingerprint });
  });
  afterAll(async () => {
    if (previousGnupgHome === undefined) delete process.env.GNUPGHOME;
    else process.env.GNUPGHOME = previousGnupgHome;
    await state.close();
    await run('gpgconf', ['--homedir', gnupgHome, '--kill', 'all'], { allowFailure: true });
    await rm(gnupgHome, { recursive: true, force: true });
    await sandbox.cleanup();
    await removeBuildDirectories();
    await removeTestKeys();
  });

  async function writeMinimal(): Promise<string> {
    const file = path.join(path.dirname(sandbox.root), 'minimal.ini');
    await writeFile(file, `[repository]\nroot = ${sandbox.root}\n`);
    return file;
  }

  it('writes a keyring package makepkg builds, with the signing key trusted, user keys and revoked keys', async () => {
    services = await servicesWith(['[keyring]', 'target = keyring-generator', '[keyring-generator]', `revoked = ${revoked.keyId}`, 'homepage = https://repo.example.org'].join('\n'));
    const [directory] = await runGenerator(services, keyringGenerator);
    expect(directory).toBe(path.join(sandbox.root, 'cache', 'demo-keyring'));
    expect(existsSync(path.join(directory!, '.git'))).toBe(true);

    const files = await packageFiles(directory!);
    expect(Object.keys(files).sort()).toEqual(['PKGBUILD', 'demo-keyring.install', 'demo-revoked', 'demo-trusted', 'demo.gpg']);
    expect(files['demo-trusted']).toBe(`${sandbox.key.fingerprint}:4:\n`);
    expect(files['demo-revoked']).toBe(`${revoked.fingerprint}\n`);
    expect(files['demo-keyring.install']).toContain('usr/bin/pacman-key --populate demo');
    const keys = await fingerprintsIn(files['demo.gpg']!, await mkdtemp(path.join(gnupgHome, 'show-')));
    expect(keys.sort()).toEqual([sandbox.key.fingerprint, packager.fingerprint, revoked.fingerprint].sort());

    const srcinfo = await srcinfoOf(files);
    expect(srcinfo.pkgbase).toBe('demo-keyring');
    expect(srcinfo.field('pkgver')).toEqual([dateVersion()]);
    expect(srcinfo.field('pkgrel')).toEqual(['1']);
    expect(srcinfo.field('pkgdesc')).toEqual(['demo PGP keyring']);
    expect(srcinfo.field('url')).toEqual(['https://repo.example.org']);
    expect(srcinfo.field('arch')).toEqual(['any']);
    expect(srcinfo.field('license')).toEqual(['Unlicense']);
    expect(srcinfo.field('install')).toEqual(['demo-keyring.install']);
    expect(srcinfo.field('source')).toEqual(['demo-revoked', 'demo-trusted', 'demo.gpg']);

    const built = await build(files);
    expect(built.members).toEqual(expect.arrayContaining([
      'usr/share/pacman/keyrings/demo.gpg',
      'usr/share/pacman/keyrings/demo-trusted',
      'usr/share/pacman/keyrings/demo-revoked',
      '.INSTALL',
    ]));
    expect(await built.read('usr/share/pacman/keyrings/demo-trusted')).toBe(files['demo-trusted']);

    const queued = await state.queue.queueList();
    expect(queued.map((record) => [record.base, record.version, record.remote.source])).toContainEqual(['demo-keyring', `${dateVersion()}-1`, 'local']);
  });

  it('writes a mirrorlist package makepkg builds, keeping the list on upgrades', async () => {
    services = await servicesWith(['[mirrorlist]', 'target = mirrors', '[mirrors]', 'type = mirrorlist-generator', `servers = ${SERVERS.join(' ')}`].join('\n'));
    const [directory] = await runGenerator(services, mirrorlistGenerator);
    const files = await packageFiles(directory!);
    expect(files.mirrorlist).toBe(`## demo mirrors (generated by ahriman)\n${SERVERS.map((server) => `Server = ${server}`).join('\n')}\n`);

    const srcinfo = await srcinfoOf(files);
    expect(srcinfo.pkgbase).toBe('demo-mirrorlist');
    expect(srcinfo.field('pkgdesc')).toEqual(['demo mirror list for use by pacman']);
    expect(srcinfo.field('backup')).toEqual(['etc/pacman.d/demo-mirrorlist']);

    const built = await build(files);
    expect(await built.read('etc/pacman.d/demo-mirrorlist')).toBe(files.mirrorlist);
    expect(await built.read('.PKGINFO')).toContain('backup = etc/pacman.d/demo-mirrorlist');
    expect((await state.queue.queueList()).map((record) => record.base)).toContain('demo-mirrorlist');
  });

  it('refuses configurations it cannot turn into a package, naming the problem', async () => {
    const unknownKey = await servicesWith('[keyring]\ntarget = keyring-generator\n[keyring-generator]\ntrusted = 0123456789ABCDEF0123456789ABCDEF01234567');
    await expect(runGenerator(unknownKey, keyringGenerator)).rejects.toThrow(
      "keyring: no public key 0123456789ABCDEF0123456789ABCDEF01234567 in [sign] key_file or gpg's keyring",
    );
    const noServers = await servicesWith('[mirrorlist]\ntarget = mirrorlist-generator\n[mirrorlist-generator]\npath = /etc/pacman.d/x');
    await expect(runGenerator(noServers, mirrorlistGenerator)).rejects.toThrow('[mirrorlist-generator] servers: missing required option');
    const relative = await servicesWith(`[mirrorlist]\ntarget = mirrorlist-generator\n[mirrorlist-generator]\nservers = ${SERVERS[1]}\npath = etc/x`);
    await expect(runGenerator(relative, mirrorlistGenerator)).rejects.toThrow("[mirrorlist-generator] path = 'etc/x': expected an absolute file path");
    // no target is not an error, as in the reference: nothing is generated
    expect(await runGenerator(await servicesWith(''), keyringGenerator)).toEqual([]);
  });
});
