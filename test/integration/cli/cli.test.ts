import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { ahriman, makeSandbox } from '../../support/cli.js';

describe('command line', () => {
  it('lists the commands under their reference names', async () => {
    const result = await ahriman(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['help', 'help-version', 'help-commands-unsafe', 'service-setup', 'service-config', 'service-config-validate', 'service-repositories']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+ahriman ${name}\\b`, 'm'));
    }
    expect(result.stdout).toContain('[aliases: init, repo-init, repo-setup, setup]');
  });

  it('prints help for one command through the help command', async () => {
    const result = await ahriman(['help', 'service-setup']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--packager');
  });

  it('prints versions, also as JSON', async () => {
    const result = await ahriman(['help-version', '--json']);
    expect(result.code).toBe(0);
    const versions = JSON.parse(result.stdout) as Record<string, string>;
    expect(versions.node).toBe(process.versions.node);
    expect(versions.yargs).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('fails with a one-line reason and exit code 1 for an unknown command', async () => {
    const result = await ahriman(['no-such-command']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ahriman: .*no-such-command/m);
    const [withHelp, afterOptions, helpOf] = await Promise.all([
      ahriman(['no-such-command', '--help']),
      ahriman(['-c', '/x.ini', '-a', 'x86_64', 'nosuch', '-h']),
      ahriman(['help', 'nosuch']),
    ]);
    for (const [result, name] of [[withHelp, 'no-such-command'], [afterOptions, 'nosuch'], [helpOf, 'nosuch']] as const) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`unknown command "${name}"`);
    }
  });

  it('names a missing configuration file', async () => {
    const result = await ahriman(['-c', '/nonexistent/ahriman.ini', 'service-repositories']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('/nonexistent/ahriman.ini');
  });

  it('lists the commands any user may run with their aliases, and checks a command line as the reference does', async () => {
    const list = await ahriman(['help-commands-unsafe']);
    expect(list.code).toBe(0);
    const names = list.stdout.trim().split('\n');
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['service-config', 'config', 'repo-config', 'package-status', 'status']));
    expect(names).not.toContain('service-setup');
    expect(names).not.toContain('repo-update');
    const [safe, unsafe, alias, nothing] = await Promise.all([
      ahriman(['help-commands-unsafe', '--', 'service-setup', '--packager', 'x']),
      ahriman(['help-commands-unsafe', 'service-config']),
      ahriman(['help-commands-unsafe', '--', '-q', 'status', '-e']),
      ahriman(['help-commands-unsafe', 'nosuch']),
    ]);
    expect([safe.code, unsafe.code, alias.code, nothing.code]).toEqual([0, 1, 1, 1]);
    expect(nothing.stderr).toContain('no command in "nosuch"');
  });
});

describe('service-setup', () => {
  it('creates the tree and an override file that the configuration then reads and validates', async () => {
    const sandbox = makeSandbox();
    const setup = await ahriman(['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo', 'service-setup', '--packager', 'A <a@b>']);
    expect(setup.stderr).not.toMatch(/error/i);
    expect(setup.code).toBe(0);
    for (const directory of ['cache', 'chroot/demo', 'packages/demo/x86_64', 'pacman/demo/x86_64', 'repository/demo/x86_64', 'archive/packages']) {
      expect(existsSync(path.join(sandbox.root, directory)), directory).toBe(true);
    }
    for (const link of ['demo.db', 'demo.files']) {
      expect(readlinkSync(path.join(sandbox.root, 'repository/demo/x86_64', link))).toBe(`.db/current/${link}.tar.gz`);
    }
    expect(await readSyncDatabase(path.join(sandbox.root, 'repository/demo/x86_64/demo.db'))).toEqual([]);
    const overrides = path.join(sandbox.root, '.config/ahriman/ahriman.ini.d/00-setup-overrides-x86_64-demo.ini');
    const written = readFileSync(overrides, 'utf8');
    expect(written).toContain('[repository]\nname = demo');
    expect(written).toContain('[build:demo:x86_64]\npackager = A <a@b>');
    // the configured repositories (core extra multilib) stay in force: nothing to override
    expect(written).not.toContain('repositories =');

    const validate = await ahriman(['-c', sandbox.configuration, 'service-config-validate']);
    expect(validate.stdout + validate.stderr).not.toMatch(/^error/m);
    expect(validate.code).toBe(0);

    const packager = await ahriman(['-c', sandbox.configuration, 'service-config', 'build', 'packager']);
    expect(packager.stdout.trim()).toBe('A <a@b>');

    const [repositories, described, noSection, noKey] = await Promise.all([
      ahriman(['-c', sandbox.configuration, 'service-repositories', '--id-only']),
      ahriman(['-c', sandbox.configuration, 'service-repositories']),
      ahriman(['-c', sandbox.configuration, 'service-config', 'nosuch']),
      ahriman(['-c', sandbox.configuration, 'service-config', 'build', 'nosuch']),
    ]);
    expect(repositories.stdout).toBe('x86_64-demo\n');
    expect(described.stdout).toBe('x86_64-demo\n\tName: demo\n\tArchitecture: x86_64\n');
    // an absent section or option prints nothing and succeeds, as in the reference
    expect([noSection.code, noSection.stdout, noKey.code, noKey.stdout]).toEqual([0, '', 0, '']);

    const noMultilib = await ahriman([
      '-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo', 'service-setup', '--packager', 'A <a@b>', '--no-multilib', '--web-port', '8090',
    ]);
    expect(noMultilib.code, noMultilib.stderr).toBe(0);
    const rewritten = readFileSync(overrides, 'utf8');
    expect(rewritten).toContain('[alpm:demo:x86_64]\nrepositories = core extra');
    expect(rewritten).toContain('[web]\nport = 8090');
    expect(rewritten).toContain('[status]\naddress = http://127.0.0.1:8090');
  });

  it('writes the web service port or socket, the status address reporting to it, and a salt', async () => {
    const sandbox = makeSandbox();
    const base = ['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo', 'service-setup', '--packager', 'A <a@b>'];
    expect((await ahriman([...base, '--web-port', '8080', '--generate-salt'])).code).toBe(0);
    const config = async (section: string, key: string) => (await ahriman(['-c', sandbox.configuration, 'service-config', section, key, '--no-secure'])).stdout.trim();
    expect(await config('web', 'port')).toBe('8080');
    expect(await config('status', 'address')).toBe('http://127.0.0.1:8080');
    expect(await config('auth', 'salt')).toMatch(/^[\w-]{27}$/);
    const socket = path.join(sandbox.root, 'web.sock');
    expect((await ahriman([...base, '--web-unix-socket', socket])).code).toBe(0);
    expect(await config('status', 'address')).toBe(`http+unix://${encodeURIComponent(socket)}`);
    expect((await ahriman(['-c', sandbox.configuration, 'service-config-validate'])).code).toBe(0);
    const wrong = await ahriman([...base, '--web-port', '70000']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('invalid --web-port 70000: expected 1-65535');
  });

  it('rejects a malformed packager and writes nothing', async () => {
    const sandbox = makeSandbox();
    const result = await ahriman(['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo', 'service-setup', '--packager', 'nobody']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("invalid --packager 'nobody'");
    expect(existsSync(path.join(sandbox.root, '.config/ahriman/ahriman.ini.d/00-setup-overrides-x86_64-demo.ini'))).toBe(false);
  });

  it('rejects hostile repository names before touching the file system', async () => {
    const sandbox = makeSandbox();
    for (const name of ['../escape', 'a b', 'x;rm -rf', '$(id)', '-dash']) {
      const result = await ahriman(['-c', sandbox.configuration, '-a', 'x86_64', `--repository=${name}`, 'service-setup', '--packager', 'A <a@b>']);
      expect(result.code, name).toBe(1);
      expect(result.stderr).toContain('invalid repository name');
    }
    expect(existsSync(sandbox.root)).toBe(false);
  });
});

describe('service-clean', () => {
  it('empties only the selected caches, under the lock', async () => {
    const sandbox = makeSandbox();
    const base = ['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo'];
    expect((await ahriman([...base, 'service-setup', '--packager', 'A <a@b>'])).code).toBe(0);
    mkdirSync(path.join(sandbox.root, 'cache', 'some-package'));
    writeFileSync(path.join(sandbox.root, 'packages/demo/x86_64/left-1-1-any.pkg.tar.zst'), '');
    const result = await ahriman([...base, 'service-clean', '--cache']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('removed 1 source trees');
    expect(readdirSync(path.join(sandbox.root, 'cache'))).toEqual([]);
    expect(readdirSync(path.join(sandbox.root, 'packages/demo/x86_64'))).toEqual(['left-1-1-any.pkg.tar.zst']);
  });
});
