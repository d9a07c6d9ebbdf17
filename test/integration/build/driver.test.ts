/**
 * Choosing a driver, the devtools command line (devtools cannot run on this Debian machine) and requests refused
 * before makepkg starts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver, detectDefaultDriver, loadDriver } from '../../../src/core/build/drivers/driver.js';
import { readPackageArchive } from '../../../src/core/alpm/package-archive.js';
import {
  devtoolsCommand,
  devtoolsInstalled,
  findExecutable,
  type DevtoolsOptions,
} from '../../../src/core/build/drivers/devtools.js';
import { ConfigurationError, InvalidInputError } from '../../../src/core/errors.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';
import { TemporaryDirectories, buildRequest, buildUser, isRoot, writePackage, type RequestFields } from './support.js';

const temporary = new TemporaryDirectories();
const repositoryId = new RepositoryId('x86_64', 'aur');
const paths = new RepositoryPaths('/var/lib/ahriman', repositoryId);
const devtoolsPresent = await devtoolsInstalled();
let packageDirectory: string;
let workspaceRoot: string;

beforeAll(async () => {
  workspaceRoot = await temporary.make('workspaces');
  packageDirectory = path.join(await temporary.make('fixtures'), 'drv-simple');
  await writePackage(packageDirectory, 'pkgname=drv-simple\npkgver=1\npkgrel=1\narch=(any)\npackage() { :; }\n');
});

afterAll(() => temporary.removeAll());

function simpleRequest(outputDirectory: string): ReturnType<typeof buildRequest> {
  return buildRequest({ directory: packageDirectory, packageBase: 'drv-simple', outputDirectory });
}

/** A directory holding executable shell scripts `name -> body`. */
async function scripts(bodies: Record<string, string>): Promise<string> {
  const bin = await temporary.make('bin');
  for (const [name, body] of Object.entries(bodies)) {
    await fs.writeFile(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return bin;
}

/** Runs `body` with `directory` first in PATH. */
async function withPathFirst<T>(directory: string, body: () => Promise<T>): Promise<T> {
  const original = process.env.PATH;
  process.env.PATH = `${directory}:${original ?? ''}`;
  try {
    return await body();
  } finally {
    process.env.PATH = original;
  }
}

describe('createDriver', () => {
  it('names the drivers it knows when given another', () => {
    expect(() => createDriver('docker')).toThrow(
      new ConfigurationError("unknown [build] driver 'docker': use one of devtools, sandbox, host"),
    );
  });

  it('needs the repository for devtools', () => {
    expect(() => createDriver('devtools')).toThrow(ConfigurationError);
  });
});

describe('loadDriver', () => {
  const support = path.resolve(import.meta.dirname, '../../support');

  it('loads a driver from a module path, relative to the configuration, like a trigger', async () => {
    const driver = await loadDriver('../../support/prebuilt-driver.mjs', import.meta.dirname);
    expect(driver.name).toBe('prebuilt');
    const directory = await temporary.make('prebuilt');
    await fs.writeFile(path.join(directory, 'PKGBUILD'), "pkgbase=pair\npkgname=('left' 'right')\npkgver=2.0\npkgrel=3\nepoch=1\n");
    const lines: string[] = [];
    const archives = await driver.build({ directory, packageBase: 'pair', outputDirectory: path.join(directory, 'out'), packager: '', makepkgFlags: [], includeDebug: false, onLine: (line) => lines.push(line) });
    const metadata = await Promise.all(archives.map((archive) => readPackageArchive(archive)));
    expect(metadata.map((item) => `${item.name} ${item.version} ${item.base}`)).toEqual(['left 1:2.0-3 pair', 'right 1:2.0-3 pair']);
    expect(lines).toEqual(['prebuilt left-1:2.0-3-any.pkg.tar.gz', 'prebuilt right-1:2.0-3-any.pkg.tar.gz']);
  });

  it('says what is wrong with a module that does not export a driver', async () => {
    await expect(loadDriver(`${support}/ports.ts:freePort`, '/')).rejects.toThrow(
      `export 'freePort' of build driver file ${support}/ports.ts is not a build driver: it is a function (expected { name, build(request) })`,
    );
    await expect(loadDriver('./missing-driver.mjs', support)).rejects.toThrow(`build driver file ${support}/missing-driver.mjs does not exist`);
  });
});

describe('detectDefaultDriver', () => {
  it.skipIf(devtoolsPresent)('picks the sandbox where bubblewrap works and devtools is missing', async () => {
    expect(await detectDefaultDriver(await buildUser())).toBe('sandbox');
  });

  it('picks devtools when both archbuild and makechrootpkg are on PATH', async () => {
    await withPathFirst(await scripts({ archbuild: 'exit 1' }), async () => {
      expect(await devtoolsInstalled()).toBe(devtoolsPresent);
    });
    await withPathFirst(await scripts({ archbuild: 'exit 1', makechrootpkg: 'exit 1' }), async () => {
      expect(await devtoolsInstalled()).toBe(true);
      expect(await detectDefaultDriver(await buildUser())).toBe('devtools');
    });
  });

  it('finds executables in PATH or by path', async () => {
    const makepkg = await findExecutable('makepkg');
    expect(makepkg).toMatch(/^\/.*\/makepkg$/);
    expect(await findExecutable(makepkg!)).toBe(makepkg);
    expect(await findExecutable('no-such-tool-here')).toBeUndefined();
    const bin = await temporary.make('bin');
    await fs.writeFile(path.join(bin, 'plain'), 'not a program\n', { mode: 0o644 });
    expect(await findExecutable(path.join(bin, 'plain'))).toBeUndefined();
    expect(await findExecutable(bin)).toBeUndefined();
  });
});

describe('devtoolsCommand', () => {
  const base: DevtoolsOptions = { repositoryId, paths };
  const makepkgFlags = ['--nocolor', '--ignorearch'];

  it('runs the wrapper with the repository, then archbuild, makechrootpkg and makepkg arguments', () => {
    expect(devtoolsCommand(base, { makepkgFlags })).toEqual([
      'ahriman-archbuild', '-r', 'aur', '-a', 'x86_64', '-c', '/var/lib/ahriman/.config/ahriman/pacman.conf.d', '--',
      '-r', '/var/lib/ahriman/chroot/aur', '--',
      '-D', '/var/lib/ahriman/archive', '--',
      '--nocolor', '--ignorearch',
    ]);
  });

  it('places every configured flag group and names the build user for makechrootpkg', () => {
    const options: DevtoolsOptions = {
      ...base,
      wrapper: ['/usr/local/bin/wrapper', '--verbose'],
      configsDirectory: '/etc/ahriman/pacman.conf.d',
      archbuildFlags: ['-c'],
      makechrootpkgFlags: ['-n', '-C'],
    };
    const user = { name: 'ahriman', uid: 999, gid: 995, home: '/var/lib/ahriman' };
    expect(devtoolsCommand(options, { makepkgFlags: ['--skippgpcheck'], user })).toEqual([
      '/usr/local/bin/wrapper', '--verbose', '-r', 'aur', '-a', 'x86_64', '-c', '/etc/ahriman/pacman.conf.d', '--',
      '-r', '/var/lib/ahriman/chroot/aur', '-c', '--',
      '-D', '/var/lib/ahriman/archive', '-U', 'ahriman', '-n', '-C', '--',
      '--skippgpcheck',
    ]);
  });

  it('lets the legacy build_command replace the wrapper and its options', () => {
    expect(devtoolsCommand({ ...base, buildCommand: ['extra-x86_64-build'] }, { makepkgFlags })).toEqual([
      'extra-x86_64-build',
      '-r', '/var/lib/ahriman/chroot/aur', '--',
      '-D', '/var/lib/ahriman/archive', '--',
      '--nocolor', '--ignorearch',
    ]);
  });

  it('runs the wrapper in the workspace with the makepkg environment (a stand-in for devtools)', async () => {
    const bin = await scripts({
      archbuild: 'exit 1',
      wrapper: [
        'echo "argv: $*"',
        'echo "cwd: $(pwd)"',
        'echo "packager: $PACKAGER"',
        ': > "$PKGDEST/drv-simple-1-1-any.pkg.tar.zst"',
      ].join('\n'),
    });
    const options = { ...base, wrapper: [path.join(bin, 'wrapper')] };
    const outputDirectory = await temporary.make('devtools-output');
    const { request, lines } = await simpleRequest(outputDirectory);
    const driver = createDriver('devtools', { workspaceRoot, devtools: options });

    const archives = await withPathFirst(bin, () => driver.build(request));

    expect(archives).toEqual([path.join(outputDirectory, 'drv-simple-1-1-any.pkg.tar.zst')]);
    expect(lines).toEqual([
      `argv: ${devtoolsCommand(options, request).slice(1).join(' ')}`,
      expect.stringMatching(new RegExp(`^cwd: ${workspaceRoot}/ahriman-build-\\w+/pkgbuild$`)),
      'packager: Driver Test <driver@example.com>',
    ]);
  });

  it('gives the chroot a pacman.conf that adds the local repositories of the request after its own', async () => {
    const configsDirectory = await temporary.make('devtools-configs');
    await fs.writeFile(path.join(configsDirectory, 'aur-x86_64.conf'), '[options]\nArchitecture = x86_64\n\n[core]\nServer = file:///srv/core\n');
    // $6 is the configurations directory the wrapper is given; pacman-conf reads the file as pacman would
    const bin = await scripts({
      archbuild: 'exit 1',
      wrapper: ['pacman-conf --config "$6/aur-x86_64.conf" --repo-list', 'pacman-conf --config "$6/aur-x86_64.conf" --repo aur-staging Server SigLevel', ': > "$PKGDEST/drv-simple-1-1-any.pkg.tar.zst"'].join('\n'),
    });
    const options = { ...base, configsDirectory, wrapper: [path.join(bin, 'wrapper')] };
    const outputDirectory = await temporary.make('devtools-output');
    const { request, lines } = await simpleRequest(outputDirectory);
    const driver = createDriver('devtools', { workspaceRoot, devtools: options });

    await withPathFirst(bin, () => driver.build({ ...request, repositories: [{ name: 'aur-staging', directory: '/srv/mirror/run' }] }));

    expect(lines).toEqual(['core', 'aur-staging', 'Server = file:///srv/mirror/run', 'SigLevel = PackageNever', 'SigLevel = DatabaseNever']);
    expect(await fs.readFile(path.join(configsDirectory, 'aur-x86_64.conf'), 'utf8')).not.toContain('aur-staging');
  });

  it('names the wrapper that is missing', async () => {
    const outputDirectory = await temporary.make('devtools-output');
    const { request } = await simpleRequest(outputDirectory);
    const build = () => createDriver('devtools', { workspaceRoot, devtools: base }).build(request);
    await expect(withPathFirst(await scripts({ archbuild: 'exit 1' }), build)).rejects.toThrow(
      "[build] devtools_wrapper 'ahriman-archbuild' is not an executable in PATH",
    );
  });

  it.skipIf(devtoolsPresent)('explains that devtools is missing', async () => {
    const outputDirectory = await temporary.make('devtools-output');
    const { request } = await simpleRequest(outputDirectory);
    await expect(createDriver('devtools', { workspaceRoot, devtools: base }).build(request)).rejects.toThrow(
      'devtools driver needs archbuild (install devtools, Arch only); use [build] driver = sandbox',
    );
    expect(await fs.readdir(workspaceRoot)).toEqual([]);
  });
});

describe('requests refused before the build', () => {
  const refused = async (fields: RequestFields) =>
    createDriver('host', { workspaceRoot }).build((await buildRequest(fields)).request);

  it('needs a PKGBUILD', async () => {
    const empty = await temporary.make('empty');
    await expect(refused({ directory: empty, packageBase: 'drv-simple', outputDirectory: empty })).rejects.toThrow(
      new RegExp(`^cannot build drv-simple: no readable PKGBUILD in ${empty} `),
    );
  });

  it('needs a valid package base and packager', async () => {
    const common = { directory: packageDirectory, outputDirectory: packageDirectory };
    await expect(refused({ ...common, packageBase: '../etc' })).rejects.toThrow(InvalidInputError);
    const forged = refused({ ...common, packageBase: 'drv-simple', packager: 'Me <me@example.com>\nsize = 1' });
    await expect(forged).rejects.toThrow(
      'invalid packager "Me <me@example.com>\\nsize = 1": control characters are not allowed',
    );
  });

  it.runIf(isRoot)('needs a workspace root the build user can reach', async () => {
    const unreachable = await temporary.make('unreachable');
    await fs.chmod(unreachable, 0o700);
    const { request } = await buildRequest({
      directory: packageDirectory,
      packageBase: 'drv-simple',
      outputDirectory: unreachable,
    });
    const workspace = `${unreachable}/ahriman-build-\\w+/pkgbuild`;
    const requirement = `it must be able to enter ${unreachable} and every directory above it`;
    await expect(createDriver('host', { workspaceRoot: unreachable }).build(request)).rejects.toThrow(
      new RegExp(`^build user 'ahriman' cannot write to ${workspace}: ${requirement}$`),
    );
    expect(await fs.readdir(unreachable)).toEqual([]);
  });
});
