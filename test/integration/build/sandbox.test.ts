/**
 * What the sandbox keeps a build from doing, checked against the host driver doing it (so the probes can fail),
 * and how failing and hanging builds end.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageArchive } from '../../../src/core/alpm/package-archive.js';
import { BuildError, createDriver } from '../../../src/core/build/drivers/driver.js';
import { run } from '../../../src/core/process.js';
import {
  TemporaryDirectories,
  buildRequest,
  buildUser,
  connectionCounter,
  giveToBuildUser,
  isRoot,
  sha256,
  writePackage,
} from './support.js';

const temporary = new TemporaryDirectories();
const marker = `ahriman-escape-${randomBytes(6).toString('hex')}`;
const hostTemporaryFile = path.join('/tmp', marker);
let counter: Awaited<ReturnType<typeof connectionCounter>>;
let home: string;
let workspaceRoot: string;

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The distinct build log lines starting with `probe `, without that prefix, sorted. */
function probes(lines: readonly string[]): string[] {
  const found = lines.filter((line) => line.startsWith('probe ')).map((line) => line.slice('probe '.length));
  return [...new Set(found)].sort();
}

/** Process ids whose command line is exactly `command`. */
async function processesRunning(command: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await fs.readFile(path.join('/proc', pid, 'cmdline'), 'utf8').catch(() => '');
    if (cmdline.split('\0').filter(Boolean).join(' ') === command) found.push(pid);
  }
  return found;
}

/** A package `name` (version 1-1, arch any) with the given PKGBUILD functions. */
async function packageDirectory(name: string, functions: string): Promise<string> {
  const directory = path.join(await temporary.make(name), name);
  await writePackage(directory, `pkgname=${name}\npkgver=1\npkgrel=1\narch=(any)\n${functions}`);
  return directory;
}

beforeAll(async () => {
  counter = await connectionCounter();
  workspaceRoot = await temporary.make('workspaces');
  // the build user's home for these tests, outside /tmp (which the sandbox replaces anyway): a makepkg.conf, a
  // keyring with a secret key, a secret file
  home = await temporary.make('home', '/var/tmp');
  const makepkgConf = 'echo "probe makepkg.conf: read"\nPACKAGER="Home <home@example.com>"\n';
  await fs.writeFile(path.join(home, '.makepkg.conf'), makepkgConf);
  await fs.mkdir(path.join(home, '.gnupg', 'private-keys-v1.d'), { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(home, '.gnupg', 'pubring.kbx'), 'public keys\n');
  await fs.writeFile(path.join(home, '.gnupg', 'private-keys-v1.d', 'secret.key'), 'secret key\n');
  await fs.writeFile(path.join(home, 'secret'), 'secret\n');
  await giveToBuildUser(home);
});

afterAll(async () => {
  await counter.close();
  await fs.rm(hostTemporaryFile, { force: true });
  await temporary.removeAll();
});

describe('a build that tries to escape', () => {
  let escape: string;

  beforeAll(async () => {
    const probe = (what: string, attempt: string, success: string, failure: string) =>
      `if ${attempt} 2>/dev/null; then echo "probe ${what}: ${success}"; else echo "probe ${what}: ${failure}"; fi`;
    escape = await packageDirectory(
      'drv-escape',
      `build() {
  ${probe('network', `(exec 3<>/dev/tcp/127.0.0.1/${counter.port})`, 'connected', 'blocked')}
}
package() {
  local target
  for target in ${hostTemporaryFile} ${home}/${marker} /etc/${marker}; do
    ${probe('write $target', '(echo escaped > "$target")', 'written', 'blocked')}
  done
  ${probe('home', `cat ${home}/secret >/dev/null`, 'readable', 'hidden')}
  if [[ -f $HOME/.gnupg/pubring.kbx ]]; then echo "probe public keyring: copied"; fi
  if [[ -e $HOME/.gnupg/private-keys-v1.d ]]; then echo "probe secret keys: copied"; fi
  mkdir -p "$pkgdir/usr/share/drv-escape"
}
`,
    );
  });

  it('reaches the network, /tmp and the home on the host driver (the probes work)', async () => {
    const outputDirectory = await temporary.make('host-output');
    const { request, lines } = await buildRequest({ directory: escape, packageBase: 'drv-escape', outputDirectory });
    request.user = await buildUser(home);

    await createDriver('host', { workspaceRoot }).build(request);

    expect(probes(lines)).toEqual(
      expect.arrayContaining([
        'network: connected',
        `write ${hostTemporaryFile}: written`,
        `write ${home}/${marker}: written`,
        'home: readable',
      ]),
    );
    expect(counter.connections()).toBe(1);
    expect(await exists(hostTemporaryFile)).toBe(true);
    expect(await exists(path.join(home, marker))).toBe(true);
    await fs.rm(hostTemporaryFile);
    await fs.rm(path.join(home, marker));
  });

  it('reaches none of them in the sandbox, and sees only a copy of the public keyring and makepkg.conf', async () => {
    const connectionsBefore = counter.connections();
    const outputDirectory = await temporary.make('sandbox-output');
    const { request, lines } = await buildRequest({ directory: escape, packageBase: 'drv-escape', outputDirectory });
    request.user = await buildUser(home);
    request.packager = ''; // makepkg.conf decides

    const archives = await createDriver('sandbox', { workspaceRoot }).build(request);

    expect(archives).toHaveLength(1);
    expect((await readPackageArchive(archives[0]!)).packager).toBe('Home <home@example.com>');
    expect(probes(lines)).toEqual(
      [
        'makepkg.conf: read',
        'network: blocked',
        // the sandbox's own /tmp, and an empty tmpfs over the real home: written, but not on the host
        `write ${hostTemporaryFile}: written`,
        `write ${home}/${marker}: written`,
        `write /etc/${marker}: blocked`,
        'home: hidden',
        'public keyring: copied',
      ].sort(),
    );
    expect(counter.connections()).toBe(connectionsBefore);
    expect(await exists(hostTemporaryFile)).toBe(false);
    expect(await exists(path.join(home, marker))).toBe(false);
    expect(await exists(path.join('/etc', marker))).toBe(false);
  });
});

describe('the download phase', () => {
  /** A package with one local source file, `local.txt`, and the sha256 it declares for it. */
  async function localSourcePackage(name: string, declared: string): Promise<string> {
    const directory = path.join(await temporary.make(name), name);
    const pkgbuild = [
      `pkgname=${name}`,
      'pkgver=1',
      'pkgrel=1',
      'arch=(any)',
      'source=(local.txt)',
      `sha256sums=(${declared})`,
      `package() { install -Dm644 local.txt "$pkgdir/usr/share/${name}/local.txt"; }`,
    ].join('\n');
    await writePackage(directory, `${pkgbuild}\n`, { 'local.txt': 'local source\n' });
    return directory;
  }

  it('is left out when every source is a local file: makepkg runs once, and still checks the files', async () => {
    const directory = await localSourcePackage('drv-local', sha256('local source\n'));
    const { request, lines } = await buildRequest({ directory, packageBase: 'drv-local', outputDirectory: await temporary.make('local-output') });

    const [archive] = await createDriver('sandbox', { workspaceRoot }).build(request);

    expect((await readPackageArchive(archive!)).files).toContain('usr/share/drv-local/local.txt');
    expect(lines.filter((line) => line.includes('Making package: drv-local'))).toHaveLength(1);
    expect(lines).toContainEqual(expect.stringContaining('local.txt ... Passed'));
  });

  it('is left out for a local file that does not match its checksum, which the build phase refuses', async () => {
    const directory = await localSourcePackage('drv-tampered', sha256('something else\n'));
    const { request, lines } = await buildRequest({ directory, packageBase: 'drv-tampered', outputDirectory: await temporary.make('tampered-output') });

    await expect(createDriver('sandbox', { workspaceRoot }).build(request)).rejects.toThrow(/One or more files did not pass the validity check/);
    expect(lines.filter((line) => line.includes('Making package: drv-tampered'))).toHaveLength(1);
  });
});

describe('a failing build', () => {
  it('rejects with a BuildError naming the directory, the exit code and the last lines', async () => {
    const functions = 'build() {\n  echo "about to fail"\n  false\n}\npackage() { :; }\n';
    const directory = await packageDirectory('drv-failing', functions);
    const outputDirectory = await temporary.make('failing-output');
    const { request } = await buildRequest({ directory, packageBase: 'drv-failing', outputDirectory });

    const error: unknown = await createDriver('sandbox', { workspaceRoot }).build(request).catch((reason) => reason);

    expect(error).toBeInstanceOf(BuildError);
    const failure = error as BuildError;
    expect(failure.exitCode).toBe(4); // makepkg's E_BUILD_FAILED
    expect(failure.message).toContain(`build of drv-failing in ${directory} failed with exit code 4`);
    expect(failure.message).toContain('A failure occurred in build()');
    expect(failure.lastLines).toContainEqual(expect.stringContaining('about to fail'));
    expect(failure.lastLines.at(-2)).toContain('A failure occurred in build()');
    expect(await fs.readdir(outputDirectory)).toEqual([]);
    expect(await fs.readdir(workspaceRoot)).toEqual([]);
  });

  it('is killed with everything it started when it runs out of time', async () => {
    // a command line no other process has, to look for survivors
    const sleeper = `sleep 30.${randomBytes(3).readUIntBE(0, 3)}`;
    const directory = await packageDirectory('drv-hanging', `build() {\n  ${sleeper}\n}\npackage() { :; }\n`);
    const outputDirectory = await temporary.make('hanging-output');
    const { request } = await buildRequest({ directory, packageBase: 'drv-hanging', outputDirectory, timeoutMs: 4000 });

    const started = Date.now();
    await expect(createDriver('sandbox', { workspaceRoot }).build(request)).rejects.toThrow(/timed out after 4000 ms/);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(await processesRunning(sleeper)).toEqual([]);
  });
});

describe.runIf(isRoot)('a build as root', () => {
  it('needs a build user', async () => {
    const directory = await packageDirectory('drv-root', 'package() { :; }\n');
    const { request } = await buildRequest({ directory, packageBase: 'drv-root', outputDirectory: directory });
    request.user = undefined;
    await expect(createDriver('host', { workspaceRoot }).build(request)).rejects.toThrow(
      'cannot build drv-root as root: makepkg needs an unprivileged build user',
    );
  });
});

describe('a package() that sets ownership', () => {
  it('builds with install -o root -g root and chown root:root, recording root ownership in the package', async () => {
    const functions = [
      'package() {',
      '  install -d -o root -g root -m 755 "$pkgdir/usr/share/owned"',
      '  install -o root -g root -m 644 /dev/null "$pkgdir/usr/share/owned/installed"',
      '  touch "$pkgdir/usr/share/owned/chowned"',
      '  chown root:root "$pkgdir/usr/share/owned/chowned"',
      '}',
    ].join('\n');
    const directory = await packageDirectory('drv-owned', `${functions}\n`);
    const outputDirectory = await temporary.make('owned-output');
    const { request } = await buildRequest({ directory, packageBase: 'drv-owned', outputDirectory });

    await createDriver('sandbox', { workspaceRoot }).build(request);

    const [archive] = await fs.readdir(outputDirectory);
    const listing = await run('bsdtar', ['-tvf', path.join(outputDirectory, archive!)]);
    const owned = listing.stdout.split('\n').filter((line) => line.includes('usr/share/owned'));
    expect(owned).toHaveLength(3);
    for (const line of owned) expect(line).toMatch(/^\S+\s+\d+\s+root\s+root\s/);
  });
});
