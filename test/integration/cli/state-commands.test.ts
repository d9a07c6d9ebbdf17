import { mkdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { run } from '../../../src/core/process.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import type { PkgbuildPatch } from '../../../src/models/patch.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { CLI, ahriman, makeSandbox } from '../../support/cli.js';
import { ahrimanInProcess } from '../../support/in-process.js';
import { packageRecord } from '../../unit/database/support.js';

const DEMO = new RepositoryId('x86_64', 'demo');
/** 2023-11-14 22:13:20 UTC */
const EPOCH = 1_700_000_000;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Service {
  state: RepositoryState;
  directory: string;
  /** Runs a command against this service's repository in this process, its output captured. */
  cli(args: string[]): ReturnType<typeof ahrimanInProcess>;
  /** Runs the built CLI against this service's repository, optionally feeding `input` on stdin. */
  spawn(args: string[], input?: string): ReturnType<typeof ahriman>;
}

/**
 * A sandboxed service whose state database holds `alpha` (two packages, success), `beta` (failed, held) and
 * `gamma` (never built, so without a status row), written through the state layer as the update flow would.
 */
async function seededService(): Promise<Service> {
  const sandbox = makeSandbox();
  mkdirSync(sandbox.root, { recursive: true });
  const state = new RepositoryState(await Database.open(path.join(sandbox.root, 'ahriman.db')), DEMO);
  cleanups.push(async () => {
    await state.close();
    await fs.rm(sandbox.directory, { recursive: true, force: true });
  });
  await state.packages.upsertPackage(packageRecord('alpha', '1.0-1', ['alpha', 'alpha-docs']));
  await state.packages.upsertPackage(packageRecord('beta', '2.0-1'));
  await state.packages.upsertPackage(packageRecord('gamma', '3.0-1'));
  await state.packages.updateStatus('alpha', 'success', EPOCH);
  await state.packages.updateStatus('beta', 'failed', EPOCH);
  await state.packages.setHeld('beta', true);

  const global = ['-c', sandbox.configuration, '-a', DEMO.architecture, '-r', DEMO.name];
  return {
    state,
    directory: sandbox.directory,
    cli: (args) => ahrimanInProcess([...global, ...args]),
    spawn: (args, input) =>
      input === undefined
        ? ahriman([...global, ...args])
        : run(process.execPath, [CLI, ...global, ...args], { input, allowFailure: true, timeoutMs: 120_000 }),
  };
}

async function statuses(state: RepositoryState): Promise<Record<string, string>> {
  const entries = await state.packages.listPackages();
  return Object.fromEntries(entries.map(({ package: record, status }) => [record.base, `${status.status}${status.isHeld ? '+held' : ''}`]));
}

async function patchesOf(state: RepositoryState, base: string): Promise<PkgbuildPatch[]> {
  return (await state.patches.patchesList(base)).get(base) ?? [];
}

describe('package-status', () => {
  it('prints every base sorted in the reference layout; -s filters and -e fails only on an empty repository', async () => {
    const service = await seededService();
    const [all, failed, building, buildingExit, alias] = await Promise.all([
      service.cli(['package-status']),
      service.cli(['package-status', '-s', 'failed']),
      service.cli(['package-status', '--status', 'building']),
      service.cli(['package-status', '-s', 'building', '-e']),
      service.cli(['status', '-e']),
    ]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'alpha (alpha alpha-docs)',
      '\tVersion: 1.0-1',
      '\tStatus: success (2023-11-14 22:13:20)',
      'beta',
      '\tVersion: 2.0-1',
      '\tStatus: failed (2023-11-14 22:13:20)',
      'gamma',
      '\tVersion: 3.0-1',
    ]);
    // gamma was never built: no status was ever set, so it has no time of its own
    expect(lines.slice(8)).toEqual([expect.stringMatching(/^\tStatus: unknown \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/), '']);
    expect(failed.stdout).toBe('beta\n\tVersion: 2.0-1\n\tStatus: failed (2023-11-14 22:13:20)\n');
    expect([building.code, building.stdout]).toEqual([0, '']);
    // as the reference: -e looks at the packages before the -s filter
    expect([buildingExit.code, buildingExit.stdout]).toEqual([0, '']);
    expect([alias.code, alias.stdout]).toEqual([0, all.stdout]);
  });

  it('prints only the bases named, details with --info, and JSON with --json', async () => {
    const service = await seededService();
    const [info, json] = await Promise.all([
      service.cli(['package-status', 'beta', 'alpha', '--info']),
      service.cli(['package-status', '--json', '-s', 'failed']),
    ]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout.match(/^\S.*$/gm)).toEqual(['alpha (alpha alpha-docs)', 'beta']);
    expect(info.stdout).toContain('\tLicenses: MIT\n\tDepends: glibc\n\tStatus: success (2023-11-14 22:13:20)\n');

    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as Array<{ package: { base: string; version: string; packages: object }; status: object }>;
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.package).toMatchObject({ base: 'beta', version: '2.0-1', packages: { beta: { filename: 'beta-2.0-1-x86_64.pkg.tar.zst' } } });
    expect(parsed[0]!.status).toEqual({ status: 'failed', timestamp: EPOCH, isHeld: true });
  });

  it('fails naming unknown bases, and refuses hostile names before looking them up', async () => {
    const service = await seededService();
    const [unknown, hostile, injection] = await Promise.all([
      service.cli(['package-status', 'alpha', 'nope', 'other']),
      service.cli(['package-status', '../x']),
      service.cli(['package-status', 'a;b']),
    ]);
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toContain("unknown package bases 'nope', 'other' in repository x86_64-demo");
    expect([hostile.code, injection.code]).toEqual([1, 1]);
    expect(hostile.stderr).toContain('invalid package base "../x"');
    expect(injection.stderr).toContain('invalid package base "a;b"');
  });
});

describe('the real command line', () => {
  it('prints the same, and exits with the code and one-line reasons the in-process runs return', async () => {
    const service = await seededService();
    const [status, inProcess, unknown, invalid] = await Promise.all([
      service.spawn(['status', '--info']),
      service.cli(['status', '--info']),
      service.spawn(['package-status', 'alpha', 'nope']),
      service.spawn(['package-status-update', 'alpha', '-s', 'great']),
    ]);
    expect([status.code, status.stdout]).toEqual([0, inProcess.stdout]);
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toBe("ahriman: unknown package base 'nope' in repository x86_64-demo\n");
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Invalid values:[\s\S]*great/);
  });
});

describe('package-status-update and package-status-remove', () => {
  it('sets the status of the bases named (success by default) and records each change in the audit log', async () => {
    const service = await seededService();
    const building = await service.cli(['package-status-update', 'alpha', 'gamma', '-s', 'building']);
    expect(building.code, building.stderr).toBe(0);
    expect(await statuses(service.state)).toEqual({ alpha: 'building', beta: 'failed+held', gamma: 'building' });

    const success = await service.cli(['status-update', 'beta']);
    expect(success.code, success.stderr).toBe(0);
    expect((await statuses(service.state)).beta).toBe('success+held');

    const events = await service.state.events.eventList({ event: 'package-status-changed' });
    expect(events.map((event) => [event.objectId, event.data])).toEqual([
      ['alpha', { status: 'building', version: '1.0-1' }],
      ['gamma', { status: 'building', version: '3.0-1' }],
      ['beta', { status: 'success', version: '2.0-1' }],
    ]);
  });

  it('changes nothing when one of the bases is unknown or the status is not one of the five', async () => {
    const service = await seededService();
    const before = await statuses(service.state);
    const unknown = await service.cli(['package-status-update', 'alpha', 'nope', '-s', 'failed']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown package base 'nope'");
    const invalid = await service.cli(['package-status-update', 'alpha', '-s', 'great']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Invalid values:[\s\S]*great/);
    expect(await statuses(service.state)).toEqual(before);
  });

  it('keeps the service status, set without package names and shown with --ahriman', async () => {
    const service = await seededService();
    const unset = await service.cli(['package-status', '--ahriman', '-s', 'success']);
    expect(unset.stdout).toMatch(/^unknown \(.+\)\nalpha \(alpha alpha-docs\)\n/);
    expect((await service.cli(['package-status-update', '-s', 'failed'])).code).toBe(0);

    const [text, json] = await Promise.all([
      service.cli(['status', '--ahriman', 'gamma']),
      service.cli(['status', '--ahriman', '--json', '-s', 'pending']),
    ]);
    expect(text.stdout).toMatch(/^failed \(.+\)\ngamma\n/);
    expect(JSON.parse(json.stdout)).toEqual({ service: { status: 'failed', timestamp: expect.any(Number) }, packages: [] });
    expect(await statuses(service.state)).toEqual({ alpha: 'success', beta: 'failed+held', gamma: 'unknown' });
  });

  it('removes bases from the status page with their logs and changes, but keeps their patches', async () => {
    const service = await seededService();
    await service.state.logs.logsInsert([{ packageBase: 'alpha', version: '1.0-1', processId: 'p', created: EPOCH, message: 'built' }]);
    await service.state.changes.changesInsert('alpha', { lastCommitSha: 'abc', changes: 'diff', pkgbuild: 'pkgname=alpha' });
    await service.state.patches.patchInsert('alpha', { key: 'pkgrel', value: '2' });

    const unknown = await service.cli(['package-status-remove', 'alpha', 'nope']);
    expect(unknown.code).toBe(1);
    expect(Object.keys(await statuses(service.state))).toEqual(['alpha', 'beta', 'gamma']);

    const removed = await service.cli(['package-status-remove', 'alpha', 'gamma']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await statuses(service.state)).toEqual({ beta: 'failed+held' });
    expect(await service.state.logs.logsGet('alpha')).toEqual([]);
    expect((await service.state.changes.changesGet('alpha')).lastCommitSha).toBeNull();
    expect(await patchesOf(service.state, 'alpha')).toEqual([{ key: 'pkgrel', value: '2' }]);
  });
});

describe('package-hold and package-unhold', () => {
  it('holds and releases bases, recording package-held events, and changes nothing on an unknown name', async () => {
    const service = await seededService();
    const held = await service.cli(['package-hold', 'alpha', 'gamma']);
    expect(held.code, held.stderr).toBe(0);
    expect(await statuses(service.state)).toEqual({ alpha: 'success+held', beta: 'failed+held', gamma: 'unknown+held' });

    const released = await service.cli(['package-unhold', 'beta', 'gamma']);
    expect(released.code, released.stderr).toBe(0);
    expect(await statuses(service.state)).toEqual({ alpha: 'success+held', beta: 'failed', gamma: 'unknown' });

    const events = await service.state.events.eventList({ event: 'package-held' });
    expect(events.map((event) => [event.objectId, event.message, event.data])).toEqual([
      ['alpha', 'held', { isHeld: true }],
      ['gamma', 'held', { isHeld: true }],
      ['beta', 'released', { isHeld: false }],
      ['gamma', 'released', { isHeld: false }],
    ]);

    const unknown = await service.cli(['package-unhold', 'alpha', 'nope']);
    const hostile = await service.cli(['package-hold', 'a;b']);
    expect(unknown.stderr).toContain("unknown package base 'nope'");
    expect(hostile.stderr).toContain('invalid package base "a;b"');
    expect([unknown.code, hostile.code]).toEqual([1, 1]);
    expect((await statuses(service.state)).alpha).toBe('success+held');
    expect(await service.state.events.eventList({ event: 'package-held' })).toHaveLength(4);
  });

  it('are owner-only (locking) commands, while the status listing is not', async () => {
    const list = (await ahrimanInProcess(['help-commands-unsafe'])).stdout.split('\n');
    // the list is the reference's: commands any user may run
    for (const name of ['package-hold', 'package-unhold', 'package-status-update', 'package-status-remove', 'patch-add', 'patch-remove', 'patch-set-add']) {
      expect(list, name).not.toContain(name);
    }
    for (const name of ['package-status', 'package-logs', 'patch-list']) expect(list, name).toContain(name);
  });
});

describe('package-logs', () => {
  it('prints the latest build, or the latest build of --version, its last lines with --limit, JSON with --json', async () => {
    const service = await seededService();
    const line = (version: string, processId: string, created: number, message: string) => ({ packageBase: 'alpha', version, processId, created, message });
    await service.state.logs.logsInsert([
      line('1.0-1', 'first', EPOCH, 'old run of 1.0-1'),
      line('1.0-1', 'second', EPOCH + 10, '==> Making package: alpha 1.0-1'),
      line('1.0-1', 'second', EPOCH + 11, '==> Finished making: alpha 1.0-1'),
      line('1.0-2', 'third', EPOCH + 20, '==> Making package: alpha 1.0-2'),
      line('1.0-2', 'third', EPOCH + 21.5, '==> ERROR: A failure occurred in build().'),
    ]);
    const [latest, version, limited, json] = await Promise.all([
      service.cli(['package-logs', 'alpha']),
      service.cli(['package-logs', 'alpha', '--version', '1.0-1']),
      service.cli(['package-logs', 'alpha', '--limit', '1']),
      service.cli(['package-logs', 'alpha', '--json', '--version', '1.0-1', '--limit', '1']),
    ]);
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stdout).toBe(
      '[2023-11-14 22:13:40] ==> Making package: alpha 1.0-2\n[2023-11-14 22:13:41] ==> ERROR: A failure occurred in build().\n',
    );
    expect(version.stdout).toBe(
      '[2023-11-14 22:13:30] ==> Making package: alpha 1.0-1\n[2023-11-14 22:13:31] ==> Finished making: alpha 1.0-1\n',
    );
    expect(limited.stdout).toBe('[2023-11-14 22:13:41] ==> ERROR: A failure occurred in build().\n');
    expect(JSON.parse(json.stdout)).toEqual([line('1.0-1', 'second', EPOCH + 11, '==> Finished making: alpha 1.0-1')]);
  });

  it('fails clearly when nothing is stored, the version is malformed, the limit is not positive or the base unknown', async () => {
    const service = await seededService();
    await service.state.logs.logsInsert([{ packageBase: 'alpha', version: '1.0-1', processId: 'p', created: EPOCH, message: 'x' }]);
    const [none, missingVersion, malformed, limit, unknown] = await Promise.all([
      service.cli(['package-logs', 'beta']),
      service.cli(['package-logs', 'alpha', '--version', '9.9-1']),
      service.cli(['package-logs', 'alpha', '--version', '../1']),
      service.cli(['package-logs', 'alpha', '--limit', '0']),
      service.cli(['package-logs', 'nope']),
    ]);
    expect(none.stderr).toContain('no build log of beta is stored in repository x86_64-demo');
    expect(missingVersion.stderr).toContain('no build log of version 9.9-1 of alpha');
    expect(malformed.stderr).toContain('invalid version "../1"');
    expect(limit.stderr).toContain('invalid --limit 0');
    expect(unknown.stderr).toContain("unknown package base 'nope'");
    for (const result of [none, missingVersion, malformed, limit, unknown]) expect([result.code, result.stdout]).toEqual([1, '']);
  });
});

describe('patch-add, patch-list and patch-remove', () => {
  it('stores variable values from a file and function bodies from stdin, as safe PKGBUILD text', async () => {
    const service = await seededService();
    const valueFile = path.join(service.directory, 'depends');
    await fs.writeFile(valueFile, `(glibc 'openssl>=3' "$(touch /tmp/pwned)")\n`);
    const hostileArray = await service.cli(['patch-add', 'alpha', 'depends', valueFile]);
    expect(hostileArray.code).toBe(1);
    expect(hostileArray.stderr).toContain("'$' inside double quotes");

    await fs.writeFile(valueFile, `(glibc 'openssl>=3' '$(touch /tmp/pwned)')\n`);
    const fromFile = await service.cli(['patch-add', 'alpha', 'depends', valueFile]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const string = await service.spawn(['patch-add', 'alpha', 'pkgdesc'], 'a "quoted" description\n');
    expect(string.code, string.stderr).toBe(0);
    const fromStdin = await service.spawn(['patch-add', 'alpha', 'build()'], '  make -j1\n  make check\n');
    expect(fromStdin.code, fromStdin.stderr).toBe(0);

    expect(await patchesOf(service.state, 'alpha')).toEqual([
      { key: 'build()', value: '{\nmake -j1\n  make check\n}' },
      { key: 'depends', value: `(glibc 'openssl>=3' '$(touch /tmp/pwned)')` },
      { key: 'pkgdesc', value: `'a "quoted" description'` },
    ]);
  });

  it('patches a base not added yet, keeps a function body given in braces as written, and needs no single repository', async () => {
    const service = await seededService();
    // a second repository: patches are shared, so a patch command does not ask to choose one
    mkdirSync(path.join(service.directory, 'root', 'repository', 'other', 'x86_64'), { recursive: true });
    const configuration = path.join(service.directory, 'ahriman.ini');
    const body = '{\n  echo hi\n}\n';
    const added = await run(process.execPath, [CLI, '-c', configuration, 'patch-add', 'future', 'build()'], { input: body, allowFailure: true });
    expect(added.code, added.stderr).toBe(0);
    expect(await patchesOf(service.state, 'future')).toEqual([{ key: 'build()', value: '{\n  echo hi\n}' }]);
    const listed = await ahrimanInProcess(['-c', configuration, 'patch-list', 'future']);
    expect(listed.stdout).toBe('future\n\tbuild(): {\n  echo hi\n}\n');
  });

  it('refuses bad values and names without storing anything', async () => {
    const service = await seededService();
    const valueFile = async (name: string, text: string): Promise<string> => {
      const file = path.join(service.directory, name);
      await fs.writeFile(file, text);
      return file;
    };
    // one at a time: each takes the repository lock
    const syntax = await service.cli(['patch-add', 'alpha', 'build()', await valueFile('syntax', 'if then fi')]);
    const variable = await service.cli(['patch-add', 'alpha', 'pkg-ver', await valueFile('version', '1.0')]);
    const empty = await service.cli(['patch-add', 'alpha', 'pkgver', await valueFile('empty', '  \n')]);
    const missingFile = await service.cli(['patch-add', 'alpha', 'pkgver', path.join(service.directory, 'missing')]);
    const hostile = await service.cli(['patch-add', '../x', 'pkgver', await valueFile('hostile', '1.0')]);
    expect(syntax.stderr).toContain('patch of build() is not valid shell syntax');
    expect(variable.stderr).toContain('"pkg-ver" is not a valid PKGBUILD variable name');
    expect(empty.stderr).toContain('empty value for pkgver');
    expect(missingFile.stderr).toMatch(/cannot read the value of pkgver from .*missing: .*ENOENT/);
    expect(hostile.stderr).toContain('invalid package base "../x"');
    for (const result of [syntax, variable, empty, missingFile, hostile]) expect(result.code).toBe(1);
    expect(await service.state.patches.patchesList()).toEqual(new Map());
  });

  it('lists patches as text or JSON, filtered with -v, and removes selected or all of them', async () => {
    const service = await seededService();
    await service.state.patches.patchInsert('alpha', { key: null, value: '--- a/PKGBUILD\n+++ b/PKGBUILD\n' });
    await service.state.patches.patchInsert('alpha', { key: 'pkgrel', value: '2' });
    await service.state.patches.patchInsert('alpha', { key: 'build()', value: '{ make; }' });
    // Patches are shared by all repositories: a base patched for another repository can be listed and cleaned up here.
    await service.state.patches.patchInsert('elsewhere', { key: 'pkgrel', value: '5' });

    const [text, filtered, json, none, noneExit, elsewhere, unknown] = await Promise.all([
      service.cli(['patch-list', 'alpha']),
      service.cli(['patch-list', 'alpha', '-v', 'pkgrel', '--variable', 'build()']),
      service.cli(['patch-list', 'alpha', '--json', '-v', 'pkgrel']),
      service.cli(['patch-list', 'beta']),
      service.cli(['patch-list', 'beta', '-e']),
      service.cli(['patch-list', 'elsewhere']),
      service.cli(['patch-list', 'nope']),
    ]);
    expect(text.stdout).toBe('alpha\n\tFull source diff: --- a/PKGBUILD\n+++ b/PKGBUILD\n\n\tbuild(): { make; }\n\tpkgrel: 2\n');
    expect(filtered.stdout).toBe('alpha\n\tbuild(): { make; }\n\tpkgrel: 2\n');
    expect(JSON.parse(json.stdout)).toEqual([{ key: 'pkgrel', value: '2' }]);
    expect([none.code, none.stdout, noneExit.code]).toEqual([0, '', 1]);
    expect(elsewhere.stdout).toBe('elsewhere\n\tpkgrel: 5\n');
    // a base without patches is just that, known or not (patches may come before the package)
    expect([unknown.code, unknown.stdout]).toEqual([0, '']);

    const missing = await service.cli(['patch-remove', 'alpha', '-v', 'pkgrel', '-v', 'pkgver', '-v', 'full diff']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('alpha has no patch of pkgver, full diff (its variable and function patches: build(), pkgrel)');
    expect(await patchesOf(service.state, 'alpha')).toHaveLength(3);

    const selected = await service.cli(['patch-remove', 'alpha', '-v', 'pkgrel']);
    expect(selected.code, selected.stderr).toBe(0);
    expect((await patchesOf(service.state, 'alpha')).map((patch) => patch.key)).toEqual([null, 'build()']);

    const all = await service.cli(['patch-remove', 'alpha']);
    const orphan = await service.cli(['patch-remove', 'elsewhere']);
    expect([all.code, orphan.code]).toEqual([0, 0]);
    expect(await service.state.patches.patchesList()).toEqual(new Map());
  });
});

describe('patch-set-add', () => {
  const PKGBUILD = 'pkgname=alpha\npkgver=1.0\npkgrel=1\narch=(any)\nsource=(alpha.tar.gz)\npackage() { :; }\n';

  async function clone(service: Service, name: string, files: Record<string, string>): Promise<string> {
    const directory = path.join(service.directory, name);
    await fs.mkdir(directory);
    for (const [file, content] of Object.entries(files)) await fs.writeFile(path.join(directory, file), content);
    const git = (...args: string[]) => run('git', ['-C', directory, '-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args]);
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'initial');
    return directory;
  }

  it('stores the changes of a modified clone, new *.patch files included, for the base its PKGBUILD builds', async () => {
    const service = await seededService();
    const directory = await clone(service, 'alpha-clone', {
      PKGBUILD,
      '.SRCINFO': 'pkgbase = alpha\n\tpkgver = 1.0\n\tpkgrel = 1\n\tarch = any\n\npkgname = alpha\n',
    });
    await fs.appendFile(path.join(directory, 'PKGBUILD'), 'prepare() { patch -p1 < fix.patch; }\n');
    await fs.writeFile(path.join(directory, 'fix.patch'), '--- a/x\n+++ b/x\n');
    await fs.writeFile(path.join(directory, 'notes.txt'), 'not tracked\n');

    const result = await service.cli(['patch-set-add', directory]);
    expect(result.code, result.stderr).toBe(0);
    const [diff] = await patchesOf(service.state, 'alpha');
    expect(diff?.key).toBeNull();
    expect(diff?.value).toContain('+prepare() { patch -p1 < fix.patch; }');
    expect(diff?.value).toContain('diff --git a/fix.patch b/fix.patch');
    expect(diff?.value).not.toContain('notes.txt');

    const tracked = await service.cli(['patch-set-add', directory, '-t', '*.txt']);
    expect(tracked.code, tracked.stderr).toBe(0);
    const [withNotes] = await patchesOf(service.state, 'alpha');
    expect(withNotes?.value).toContain('diff --git a/notes.txt b/notes.txt');
    expect(withNotes?.value).not.toContain('fix.patch b/fix.patch');
  });

  it('reads a PKGBUILD without .SRCINFO through makepkg, also of a base not added yet, and names a missing clone', async () => {
    const service = await seededService();
    const notClone = await service.cli(['patch-set-add', path.join(service.directory, 'nowhere')]);
    expect(notClone.code).toBe(1);
    expect(notClone.stderr).toContain('nowhere has no PKGBUILD');
    expect(await service.state.patches.patchesList()).toEqual(new Map());

    const directory = await clone(service, 'stranger', { PKGBUILD: PKGBUILD.replace('pkgname=alpha', 'pkgname=stranger') });
    await fs.appendFile(path.join(directory, 'PKGBUILD'), '# changed\n');
    const stranger = await service.cli(['patch-set-add', directory]);
    expect(stranger.code, stranger.stderr).toBe(0);
    expect((await patchesOf(service.state, 'stranger'))[0]?.value).toContain('+# changed');
  });
});
