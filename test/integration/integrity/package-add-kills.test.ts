/** `package-add DIR` (then repo-update) killed before each filesystem step of package-add in turn. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeKillShim } from '../../support/kill-shim.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { INCOMING, PUBLISHED, Repository, killAtEveryStep, printReport, writeArchives } from './support.js';

describe('package-add of a directory of archives, killed at every step', () => {
  let repository: Repository;
  let incoming: string;

  beforeAll(async () => {
    repository = await Repository.create(PUBLISHED);
    incoming = await writeArchives(path.join(repository.directory, 'incoming'), INCOMING);
    await repository.snapshot();
  });

  afterAll(async () => {
    await repository?.cleanup();
    await removeKillShim();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('leaves a consistent repository after every kill, and package-add + repo-update complete the interrupted work', { timeout: 1_200_000 }, async () => {
    const report = await killAtEveryStep(repository, { name: 'package-add DIR', command: ['package-add', incoming] });
    printReport(report);
    expect(report.steps).toBeGreaterThan(0);
    expect(report.kills).toBe(report.steps);
    expect(report.inconsistent).toEqual([]);
    expect(report.wrongReruns).toEqual([]);
  });
});
