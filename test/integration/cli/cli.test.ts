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
  });

  it('names a missing configuration file', async () => {
    const result = await ahriman(['-c', '/nonexistent/ahriman.ini', 'service-repositories']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('/nonexistent/ahriman.ini');
  });

  it('tells repository-changing commands from read-only ones', async () => {
    const list = await ahriman(['help-commands-unsafe']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('service-setup');
    expect(list.stdout.split('\n')).not.toContain('service-config');
    expect((await ahriman(['help-commands-unsafe', 'service-setup', '--packager', 'x'])).code).toBe(1);
    expect((await ahriman(['help-commands-unsafe', 'service-config'])).code).toBe(0);
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
    expect(readFileSync(overrides, 'utf8')).toContain('[build:demo:x86_64]\npackager = A <a@b>');

    const validate = await ahriman(['-c', sandbox.configuration, 'service-config-validate']);
    expect(validate.stdout + validate.stderr).not.toMatch(/^error/m);
    expect(validate.code).toBe(0);

    const packager = await ahriman(['-c', sandbox.configuration, 'service-config', 'build', 'packager']);
    expect(packager.stdout.trim()).toBe('A <a@b>');

    const repositories = await ahriman(['-c', sandbox.configuration, 'service-repositories', '--id-only']);
    expect(repositories.stdout.trim()).toBe('x86_64-demo');
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
