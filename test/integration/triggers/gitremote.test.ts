/**
 * remote-pull and remote-push through the built CLI against local bare git repositories (file://): PKGBUILDs kept
 * in one repository are queued, built (host driver) and published; the built packages' PKGBUILDs and patches are
 * committed to another repository, created on first push, and only changes are pushed again.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { run } from '../../../src/core/process.js';
import { renderPkgbuild, type PkgbuildSpec } from '../../support/makepkg.js';
import { TriggerService } from './support.js';

const COMMITTER = ['-c', 'user.name=test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false'];
const install = (name: string): string => `mkdir -p "$pkgdir/usr/share/${name}"`;
const PACKAGE_A: PkgbuildSpec = { pkgname: 'ahr-pulled', pkgver: '1.0', package: install('ahr-pulled') };
const PACKAGE_B: PkgbuildSpec = { pkgname: 'ahr-nested', pkgver: '0.3', package: install('ahr-nested') };

const git = async (cwd: string, ...args: string[]): Promise<string> => (await run('git', args, { cwd })).stdout.trim();

describe('remote pull and push triggers', () => {
  let directory: string;
  let work: string;
  let pushRemote: string;
  let service: TriggerService;

  /** Writes the PKGBUILDs into the pull remote's work tree and pushes them. */
  async function publishPkgbuilds(files: Record<string, string>, message: string): Promise<void> {
    for (const [name, content] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await fs.writeFile(path.join(work, name), content);
    }
    await git(work, 'add', '--all');
    await git(work, ...COMMITTER, 'commit', '--quiet', '--message', message);
    await git(work, 'push', '--quiet', 'origin', 'master');
  }

  /** A fresh clone of the pushed branch. */
  async function pushedTree(): Promise<string> {
    const clone = mkdtempSync(path.join(directory, 'pushed-'));
    await run('git', ['clone', '--quiet', '--branch', 'packages', `file://${pushRemote}`, clone]);
    return clone;
  }

  beforeAll(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-gitremote-'));
    const pullRemote = path.join(directory, 'pull.git');
    pushRemote = path.join(directory, 'push.git');
    work = path.join(directory, 'work');
    for (const bare of [pullRemote, pushRemote]) await run('git', ['init', '--quiet', '--bare', '--initial-branch', 'master', bare]);
    await run('git', ['clone', '--quiet', pullRemote, work]);
    await publishPkgbuilds(
      { 'ahr-pulled/PKGBUILD': renderPkgbuild(PACKAGE_A), 'group/ahr-nested/PKGBUILD': renderPkgbuild(PACKAGE_B), 'README.md': 'packages\n' },
      'initial',
    );

    service = await TriggerService.create({
      build: 'triggers = remote-pull remote-push\nparallel_jobs = 2',
      extra: [
        '[remote-pull]',
        'target = origin',
        '[origin]',
        'type = gitremote',
        `pull_url = file://${pullRemote}`,
        '[remote-push]',
        'target = backup',
        '[backup]',
        `push_url = file://${pushRemote}`,
        'push_branch = packages',
        'commit_user = Pusher',
        'commit_email = pusher@example.com',
      ].join('\n'),
    });
  });

  afterAll(async () => {
    await service?.cleanup();
    await fs.rm(directory, { recursive: true, force: true });
  });

  it('remote-pull queues every PKGBUILD of the pulled branch as a local package', async () => {
    await service.expectCli(['repo-triggers', 'remote-pull']);
    const queued = await service.expectCli(['repo-update', '--dry-run']);
    expect(queued.stdout.split('\n').map((line) => line.split(' ')[0]).filter(Boolean)).toEqual(['ahr-nested', 'ahr-pulled']);
    for (const base of ['ahr-nested', 'ahr-pulled']) {
      expect(existsSync(path.join(service.sandbox.root, 'cache', base, '.git')), base).toBe(true);
      expect(existsSync(path.join(service.sandbox.root, 'cache', base, 'PKGBUILD')), base).toBe(true);
    }
  });

  it('the update builds the pulled packages and remote-push commits their PKGBUILDs and patches to a new branch', async () => {
    const description = path.join(directory, 'description');
    await fs.writeFile(description, 'patched description');
    await service.expectCli(['patch-add', 'ahr-pulled', 'pkgdesc', description]);
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built ahr-nested 0\.3-1 /m);
    expect(update.stdout).toMatch(/^built ahr-pulled 1\.0-1 /m);
    expect((await readSyncDatabase(path.join(service.repository, 'demo.db'))).map((entry) => entry.name).sort()).toEqual(['ahr-nested', 'ahr-pulled']);

    const clone = await pushedTree();
    expect((await fs.readdir(clone)).sort()).toEqual(['.git', 'ahr-nested', 'ahr-pulled']);
    expect((await fs.readdir(path.join(clone, 'ahr-pulled'))).sort()).toEqual(['PKGBUILD', 'ahriman-pkgdesc.patch']);
    expect(await fs.readFile(path.join(clone, 'ahr-pulled', 'PKGBUILD'), 'utf8')).toBe(renderPkgbuild(PACKAGE_A));
    expect(await fs.readFile(path.join(clone, 'ahr-pulled', 'ahriman-pkgdesc.patch'), 'utf8')).toBe("pkgdesc='patched description'\n");
    expect(await git(clone, 'log', '--format=%an <%ae>|%s')).toBe('Pusher <pusher@example.com>|Update 2 packages');
  });

  it('pushes again only what changed: a new version pulled from git is rebuilt and committed alone', async () => {
    await service.expectCli(['repo-update']);
    expect(await git(await pushedTree(), 'rev-list', '--count', 'HEAD')).toBe('1');

    await publishPkgbuilds({ 'ahr-pulled/PKGBUILD': renderPkgbuild({ ...PACKAGE_A, pkgver: '1.1' }) }, 'ahr-pulled 1.1');
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout.split('\n').filter((line) => line.startsWith('built ')).map((line) => line.split(' ').slice(1, 3).join(' '))).toEqual(['ahr-pulled 1.1-1']);
    const clone = await pushedTree();
    expect(await git(clone, 'log', '--format=%s')).toBe('Update ahr-pulled 1.1-1\nUpdate 2 packages');
    expect(await fs.readFile(path.join(clone, 'ahr-pulled', 'PKGBUILD'), 'utf8')).toContain("pkgver='1.1'");
  });

  it('a remote that cannot be reached fails the trigger with the URL named without its credentials', async () => {
    const unreachable = await TriggerService.create({
      extra: '[remote-pull]\ntarget = secret-origin\n[secret-origin]\ntype = gitremote\npull_url = http://user:s3cret@127.0.0.1:1/packages.git',
    });
    try {
      const pull = await unreachable.expectCli(['repo-triggers', 'remote-pull'], 1);
      expect(pull.stderr).toContain('trigger remote-pull failed: remote-pull target(s) failed: secret-origin (git clone of http://***@127.0.0.1:1/packages.git failed:');
      expect(pull.stderr).not.toContain('s3cret');
    } finally {
      await unreachable.cleanup();
    }
  });
});
