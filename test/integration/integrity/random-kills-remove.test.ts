/** package-remove killed with SIGKILL at random moments (seeded), 52 times. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { PUBLISHED, Repository, killAtRandomTimes, printReport } from './support.js';

const SEED = Number(process.env.AHR_KILL_SEED ?? 11);

describe('package-remove killed at random moments', () => {
  let repository: Repository;

  beforeAll(async () => {
    repository = await Repository.create(PUBLISHED);
    await repository.snapshot();
  });

  afterAll(async () => {
    await repository?.cleanup();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('every kill leaves a consistent repository, and the removal stays complete after the next run', { timeout: 1_200_000 }, async () => {
    const report = await killAtRandomTimes(repository, { name: 'package-remove', command: ['package-remove', 'ki-b', 'ki-split'] }, 52, SEED);
    printReport(report);
    expect(report.kills).toBeGreaterThan(0);
    expect(report.inconsistent).toEqual([]);
    expect(report.wrongReruns).toEqual([]);
  });
});
