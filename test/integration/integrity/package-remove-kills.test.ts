/** `package-remove` of a plain base and a split base, killed before each of its filesystem steps in turn. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeKillShim } from '../../support/kill-shim.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { PUBLISHED, Repository, killAtEveryStep, printReport } from './support.js';

describe('package-remove killed at every step', () => {
  let repository: Repository;

  beforeAll(async () => {
    repository = await Repository.create(PUBLISHED);
    await repository.snapshot();
  });

  afterAll(async () => {
    await repository?.cleanup();
    await removeKillShim();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('leaves a consistent repository after every kill, and the removal stays complete after the next run', { timeout: 1_200_000 }, async () => {
    const report = await killAtEveryStep(repository, { name: 'package-remove', command: ['package-remove', 'ki-b', 'ki-split'] });
    printReport(report);
    expect(report.steps).toBeGreaterThan(0);
    expect(report.kills).toBe(report.steps);
    expect(report.inconsistent).toEqual([]);
    expect(report.wrongReruns).toEqual([]);
  });
});
