/**
 * The shipped `ahriman-archbuild` wrapper (devtools exists only on Arch, so archbuild is a stand-in here that reports
 * the name it runs by, its arguments and the pacman configuration it sees), and the shipped sudoers rule.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devtoolsCommand } from '../../../src/core/build/drivers/devtools.js';
import { findExecutable } from '../../../src/core/build/drivers/devtools.js';
import { run, type SystemUser } from '../../../src/core/process.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';

const WRAPPER = path.resolve('packaging/bin/ahriman-archbuild');
const SUDOERS = path.resolve('packaging/sudoers.d/ahriman');
const NOBODY: SystemUser = { name: 'nobody', uid: 65534, gid: 65534, home: '/' };
const isRoot = process.getuid?.() === 0;

let directory: string;
let configs: string;
let target: string;
let archbuild: string;

beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-archbuild-'));
  await fs.chmod(directory, 0o755);
  configs = path.join(directory, 'pacman.conf.d');
  target = path.join(directory, 'devtools-pacman.conf.d');
  await fs.mkdir(configs);
  await fs.mkdir(target);
  await fs.writeFile(path.join(configs, 'my-repo-x86_64.conf'), '[options]\nArchitecture = x86_64\n');
  archbuild = path.join(directory, 'archbuild');
  // sourced by the wrapper as archbuild is: $0 is the name it runs by, $@ its arguments
  await fs.writeFile(
    archbuild,
    'printf "name=%s\\n" "${0##*/}"\nfor argument in "$@"; do printf "arg=%s\\n" "$argument"; done\n' +
      'printf "conf=%s\\n" "$(cat "$AHRIMAN_DEVTOOLS_CONFIGS_TARGET/my-repo-x86_64.conf" | tr "\\n" "|")"\n',
  );
});
afterAll(() => fs.rm(directory, { recursive: true, force: true }));

function wrapper(args: readonly string[], options: { user?: SystemUser; path?: string } = {}) {
  return run(WRAPPER, args, {
    allowFailure: true,
    env: { AHRIMAN_ARCHBUILD: archbuild, AHRIMAN_DEVTOOLS_CONFIGS_TARGET: target, ...(options.path ? { PATH: options.path } : {}) },
    ...(options.user ? { user: options.user } : {}),
  });
}

describe.skipIf(!isRoot)('ahriman-archbuild as root (needs root for its mount namespace)', () => {
  it('runs archbuild as <repo>-<arch>-build with the arguments the devtools driver gives, and its configs mounted privately', async () => {
    const paths = new RepositoryPaths('/var/lib/ahriman root', new RepositoryId('x86_64', 'my-repo'));
    const command = devtoolsCommand(
      { repositoryId: paths.repositoryId, paths, wrapper: [WRAPPER], configsDirectory: configs, archbuildFlags: ['-c'], makechrootpkgFlags: ['-n'] },
      { makepkgFlags: ['--nocolor', '--ignorearch', 'with space', '$HOME'] },
    );
    const result = await wrapper(command.slice(1));
    expect(result.code, result.stderr).toBe(0);
    const afterLauncher = command.slice(command.indexOf('--') + 1);
    expect(result.stdout.trim().split('\n')).toEqual([
      'name=my-repo-x86_64-build',
      ...afterLauncher.map((argument) => `arg=${argument}`),
      'conf=[options]|Architecture = x86_64|',
    ]);
    expect(afterLauncher).toEqual(['-r', paths.chroot, '-c', '--', '-D', paths.archive, '-n', '--', '--nocolor', '--ignorearch', 'with space', '$HOME']);
    // the mount lived in the wrapper's own namespace only
    expect(await fs.readdir(target)).toEqual([]);
  });

  it('names what is wrong with its own arguments, and exits 2', async () => {
    const cases: Array<[string[], string]> = [
      [['-r', 'my-repo', '-a', 'x86_64', '--'], '-c DEVTOOLS_CONFIGS is required'],
      [['-r', '../etc', '-a', 'x86_64', '-c', configs, '--'], "invalid repository name '../etc'"],
      [['-r', 'my-repo', '-a', 'x86-64', '-c', configs, '--'], "invalid architecture 'x86-64'"],
      [['-r', 'other', '-a', 'x86_64', '-c', configs, '--'], `no pacman configuration ${configs}/other-x86_64.conf (run service-setup)`],
      [['-r', 'my-repo', '-a'], '-a needs a value'],
      [['--force'], "unexpected argument '--force'"],
    ];
    for (const [args, message] of cases) {
      const result = await wrapper(args);
      expect([result.code, result.stderr.split('\n')[0]]).toEqual([2, `ahriman-archbuild: ${message}`]);
    }
  });

  it('re-runs itself through sudo, unchanged, for any other user', async () => {
    // a stand-in sudo that only says how it was called: the real one would need the rule installed
    const bin = path.join(directory, 'bin');
    await fs.mkdir(bin, { recursive: true });
    await fs.writeFile(path.join(bin, 'sudo'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const args = ['-r', 'my-repo', '-a', 'x86_64', '-c', configs, '--', '-r', '/chroot', '--', '--nocolor'];
    const result = await wrapper(args, { user: NOBODY, path: `${bin}:/usr/bin:/bin` });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['--non-interactive', '--', WRAPPER, ...args]);
  });
});

describe('the sudoers rule', () => {
  it.skipIf(!isRoot)('is valid sudoers syntax (visudo)', async () => {
    const visudo = await findExecutable('/usr/sbin/visudo');
    expect(visudo, 'visudo comes with sudo (scripts/setup.sh --tests installs it)').toBeDefined();
    const checked = await run(visudo!, ['--check', '--strict', '--file', SUDOERS], { allowFailure: true });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  });

  it('allows exactly the wrapper, passwordless and without setting other variables', async () => {
    const rule = (await fs.readFile(SUDOERS, 'utf8')).split('\n').filter((line) => line && !line.startsWith('#'));
    expect(rule).toContain('ahriman ALL = (root) NOPASSWD:NOSETENV: /usr/bin/ahriman-archbuild *');
  });
});
