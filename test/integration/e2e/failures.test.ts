/**
 * Failures stay contained: a failing build fails itself and what depends on it (never built against a missing
 * dependency), a dependency cycle is reported instead of looped on, and an unrelated package is still built and
 * published by the same run, which exits with 1.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../src/models/result.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { Service } from './support.js';

const BROKEN: PkgbuildSpec = { pkgname: 'ahr-broken', package: 'echo "ahr-broken: this build fails on purpose" >&2\nexit 3' };
const DEPENDENT: PkgbuildSpec = { pkgname: 'ahr-dependent', variables: { depends: ['ahr-broken'] }, package: 'mkdir -p "$pkgdir/usr/share/ahr-dependent"' };
const FINE: PkgbuildSpec = { pkgname: 'ahr-fine', package: 'mkdir -p "$pkgdir/usr/share/ahr-fine"' };
const cycle = (name: string, other: string): PkgbuildSpec => ({ pkgname: name, variables: { depends: [other] }, package: ':' });

describe('a run with failing builds and a dependency cycle', () => {
  let service: Service;
  let run: { code: number; stdout: string; stderr: string };
  let result: Result;

  beforeAll(async () => {
    service = await Service.create({ sign: false });
    const directories = await Promise.all(
      [BROKEN, DEPENDENT, FINE, cycle('ahr-cycle-a', 'ahr-cycle-b'), cycle('ahr-cycle-b', 'ahr-cycle-a')].map((spec) => service.localPackage(spec)),
    );
    await service.expectCli(['package-add', ...directories]);
    run = await service.cli(['repo-update', '--json']);
    result = JSON.parse(run.stdout) as Result;
  });

  afterAll(async () => {
    await service?.cleanup();
    await removeBuildDirectories();
  });

  it('exits with 1 and reports each failure with its reason', () => {
    expect(run.code, run.stderr).toBe(1);
    const reasons = Object.fromEntries(result.failed.map((item) => [item.base, item.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['ahr-broken', 'ahr-cycle-a', 'ahr-cycle-b', 'ahr-dependent']);
    expect(reasons['ahr-broken']).toMatch(/build of ahr-broken .* failed with exit code \d+/);
    expect(reasons['ahr-broken']).toContain('this build fails on purpose');
    expect(reasons['ahr-dependent']).toBe('dependency ahr-broken failed');
    expect(reasons['ahr-cycle-a']).toMatch(/cycle/);
    expect(reasons['ahr-cycle-b']).toMatch(/cycle/);
  });

  it('builds and publishes the unrelated package', async () => {
    expect(result.success.map((item) => `${item.base} ${item.version}`)).toEqual(['ahr-fine 1.0-1']);
    const entries = await service.checkServedFiles();
    expect(entries.map((entry) => entry.name)).toEqual(['ahr-fine']);
  });

  it('never builds the dependent of the failed package nor the cycle members', async () => {
    for (const base of ['ahr-dependent', 'ahr-cycle-a', 'ahr-cycle-b']) {
      expect(run.stderr).not.toContain(`building ${base} from`);
    }
    expect(run.stderr).toContain('building ahr-broken from');
    const leftovers = [...(await fs.readdir(service.incoming)), ...(await fs.readdir(service.repository))];
    expect(leftovers.filter((name) => /ahr-(broken|dependent|cycle)/.test(name))).toEqual([]);
    const [dependentLogs, brokenLogs] = await Promise.all([service.cli(['package-logs', 'ahr-dependent']), service.cli(['package-logs', 'ahr-broken'])]);
    expect(dependentLogs.code).toBe(1);
    expect(dependentLogs.stderr).toContain('no build log of ahr-dependent is stored');
    expect(brokenLogs.stdout).toContain('this build fails on purpose');
  });

  it('package-status --json shows the outcome of every base', async () => {
    expect(await service.statuses()).toEqual({
      'ahr-broken': 'failed',
      'ahr-cycle-a': 'failed',
      'ahr-cycle-b': 'failed',
      'ahr-dependent': 'failed',
      'ahr-fine': 'success',
    });
  });

  it('keeps the failed bases queued for the next run and the published one out of the queue', async () => {
    const pending = await service.expectCli(['repo-update', '--dry-run', '--json']);
    const bases = (JSON.parse(pending.stdout) as Array<{ base: string; reason: string }>).map((item) => `${item.base} ${item.reason}`);
    expect(bases).toEqual(['ahr-broken queued', 'ahr-cycle-a queued', 'ahr-cycle-b queued', 'ahr-dependent queued']);
    expect(existsSync(path.join(service.repository, 'demo.db'))).toBe(true);
  });
});
