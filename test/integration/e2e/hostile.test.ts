/**
 * Hostile and broken input: package names made to reach a shell or a path are refused before anything happens, a
 * PKGBUILD writing outside its build directory under the sandbox driver leaves the host untouched, and a misbehaving
 * AUR is retried (429, 500) or named in a clear error (invalid JSON).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser, removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { Service } from './support.js';

describe('hostile and broken input', () => {
  const marker = `/tmp/ahriman-pwned-${randomBytes(6).toString('hex')}`;
  let service: Service;

  beforeAll(async () => {
    service = await Service.create({ sign: false });
    await service.aur.add({ name: 'ahr-good', version: '1.0-1' });
  });

  afterAll(async () => {
    await service?.cleanup();
    await removeBuildDirectories();
    await fs.rm(marker, { force: true });
  });

  const hostileNames = [`ahr;touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, '../../no-such-directory/ahr', '../ahr-good', 'ahr good', 'ahr|id'];

  it.each(hostileNames)('package-add %j fails with a clear error and changes nothing', async (name) => {
    const requests = service.aur.requests.length;
    const result = await service.cli(['package-add', 'ahr-good', name]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(name);
    expect(result.stderr).toMatch(/invalid|not allowed|must/i);
    expect(result.stdout).toBe('');
    expect(service.aur.requests.length).toBe(requests);
    expect(existsSync(marker)).toBe(false);
    expect(await service.statuses()).toEqual({});
  });

  it('an explicit --source does not let a hostile name through either', async () => {
    for (const source of ['aur', 'local']) {
      const result = await service.cli(['package-add', '--source', source, `../../$(touch ${marker})`]);
      expect(result.code, `${source}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(/invalid|not allowed|must/i);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('a valid local PKGBUILD next to a hostile name is not queued: the whole command is refused', async () => {
    const directory = await service.localPackage({ pkgname: 'ahr-innocent', package: ':' });
    const result = await service.cli(['package-add', directory, 'ahr good']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid package name "ahr good"');
    expect(await service.statuses()).toEqual({});
    const pending = await service.expectCli(['repo-update', '--dry-run']);
    expect(pending.stdout.trim()).toBe('everything is up to date');
  });

  it('a PKGBUILD writing outside its directory under the sandbox driver leaves the host untouched', async () => {
    const token = randomBytes(6).toString('hex');
    const targets = [`/tmp/ahriman-escape-${token}`, `/var/tmp/ahriman-escape-${token}`, `/dev/shm/ahriman-escape-${token}`, `$HOME/ahriman-escape-${token}`];
    const escape: PkgbuildSpec = {
      pkgname: 'ahr-escape',
      // every attempt is allowed to fail (read-only host): the package itself must still build
      package: [...targets.map((target) => `echo escaped > "${target}" || true`), 'mkdir -p "$pkgdir/usr/share/ahr-escape"'].join('\n'),
    };
    const directory = await service.localPackage(escape);
    const home = (await buildUser()).home;
    const hostTargets = targets.map((target) => target.replace('$HOME', home));
    try {
      await service.expectCli(['package-add', directory]);
      const update = await service.expectCli(['repo-update', 'ahr-escape']);
      expect(update.stdout).toMatch(/^built ahr-escape 1\.0-1 /m);
      for (const target of hostTargets) expect(existsSync(target), target).toBe(false);
      expect((await service.checkServedFiles()).map((entry) => entry.name)).toEqual(['ahr-escape']);
    } finally {
      await Promise.all(hostTargets.map((target) => fs.rm(target, { force: true })));
    }
  });

  describe('a misbehaving AUR', () => {
    beforeAll(async () => {
      await service.expectCli(['package-add', 'ahr-good']);
      await service.aur.add({ name: 'ahr-good', version: '1.1-1' });
    });

    it('429 (with Retry-After) then 500 then success: repo-check retries and answers', async () => {
      const requests = service.aur.rpcRequests('info');
      service.aur.faults.push({ status: 429, retryAfter: '0' }, { status: 500 });
      const check = await service.expectCli(['repo-check']);
      expect(check.stdout.trim()).toBe('ahr-good 1.0-1 -> 1.1-1  (AUR has 1.1-1)');
      expect(service.aur.rpcRequests('info') - requests).toBe(3);
      expect(check.stderr).toMatch(/HTTP 429, retrying/);
      expect(check.stderr).toMatch(/HTTP 500, retrying/);
    });

    it('invalid JSON: repo-check fails with an error naming the problem', async () => {
      service.aur.faults.push({ garbage: '<html>maintenance</html>' });
      const check = await service.cli(['repo-check']);
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(/AUR .* invalid JSON: "<html>maintenance/);
      expect(check.stdout).not.toContain('everything is up to date');
    });
  });
});
