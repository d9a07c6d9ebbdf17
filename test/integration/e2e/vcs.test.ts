/**
 * VCS packages: once vcs_allowed_age has passed, pkgver() decides. An unchanged upstream is not rebuilt (and gets
 * no pkgrel bump); a new upstream commit is rebuilt with the new pkgver.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service } from './support.js';

describe('VCS packages', () => {
  let service: Service;
  let upstream: string;
  const commit = async (message: string): Promise<void> => {
    await fs.writeFile(path.join(upstream, 'file'), `${message}\n`);
    // the repository belongs to the build user after the first commit: trust it for our own git commands
    const git = (...args: string[]) => run('git', ['-c', `safe.directory=${upstream}`, '-C', upstream, ...args]);
    await git('add', '-A');
    await git('-c', 'user.name=up', '-c', 'user.email=up@localhost', 'commit', '-q', '-m', message);
    // the build user clones it: git refuses repositories of other users
    if (process.getuid?.() === 0) await run('chown', ['-R', 'ahriman:', upstream]);
  };

  beforeAll(async () => {
    service = await Service.create({ sign: false });
    await fs.writeFile(path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d', '99-vcs.ini'), '[build]\nvcs_allowed_age = 0\n');
    // not under /tmp, which the sandbox replaces with an empty one
    upstream = path.join(await fs.mkdtemp('/var/tmp/ahriman-upstream-'), 'upstream');
    await fs.mkdir(upstream);
    await fs.chmod(path.dirname(upstream), 0o755);
    await run('git', ['init', '-q', '-b', 'master', upstream]);
    await commit('first');
    const pkgbuild = [
      'pkgname=ahr-vcs-git',
      // what pkgver() printed when the PKGBUILD was last updated: older than any build
      'pkgver=r0',
      'pkgrel=1',
      'arch=(any)',
      `source=("upstream::git+file://${upstream}")`,
      "sha256sums=('SKIP')",
      'pkgver() {',
      '  cd upstream',
      '  printf "r%s" "$(git rev-list --count HEAD)"',
      '}',
      'package() {',
      '  install -Dm644 upstream/file "$pkgdir/usr/share/ahr-vcs/file"',
      '}',
      '',
    ].join('\n');
    await service.expectCli(['package-add', await service.localPackage(pkgbuild)]);
    const built = await service.expectCli(['repo-update']);
    expect(built.stdout).toMatch(/^built ahr-vcs-git r1-1 in /m);
  }, 300_000);

  afterAll(async () => {
    if (upstream) await fs.rm(path.dirname(upstream), { recursive: true, force: true });
    await service?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('does not rebuild an unchanged upstream, even though vcs_allowed_age has passed', async () => {
    const check = await service.expectCli(['repo-check']);
    expect(check.stdout.trim()).toBe('everything is up to date');
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout.trim()).toBe('nothing to do');
    expect((await service.databaseEntries()).map((entry) => entry.version)).toEqual(['r1-1']);
  });

  it('rebuilds a new upstream commit with the new pkgver', async () => {
    await commit('second');
    const check = await service.expectCli(['repo-check']);
    expect(check.stdout.trim()).toBe('ahr-vcs-git r1-1 -> r2-1  (VCS upstream moved to r2-1)');
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built ahr-vcs-git r2-1 in /m);
    expect((await service.databaseEntries()).map((entry) => entry.version)).toEqual(['r2-1']);
  });
});
