/**
 * `repo-update` publishing staged archives (an upgrade, a new base, a new split base), killed before each of its
 * filesystem steps in turn.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeKillShim } from '../../support/kill-shim.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { INCOMING, PUBLISHED, REPO_UPDATE, Repository, killAtEveryStep, printReport, writeArchives } from './support.js';

describe('repo-update with staged archives, killed at every step', () => {
  let repository: Repository;

  beforeAll(async () => {
    repository = await Repository.create(PUBLISHED);
    await repository.expectCli(['package-add', await writeArchives(path.join(repository.directory, 'incoming'), INCOMING)]);
    await repository.snapshot();
  });

  afterAll(async () => {
    await repository?.cleanup();
    await removeKillShim();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('leaves a consistent repository after every kill, and the next run completes exactly the interrupted work', { timeout: 1_200_000 }, async () => {
    const report = await killAtEveryStep(repository, { name: 'repo-update', command: REPO_UPDATE, rerun: [REPO_UPDATE] });
    printReport(report);
    expect(report.steps).toBeGreaterThan(0);
    expect(report.kills).toBe(report.steps);
    expect(report.inconsistent).toEqual([]);
    expect(report.wrongReruns).toEqual([]);
  });
});
