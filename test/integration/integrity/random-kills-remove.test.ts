/** package-remove killed with SIGKILL at random moments (seeded: AHR_KILL_SEED), 52 times. */
import { describe, it } from 'vitest';
import { KILL_TEST_TIMEOUT_MS, expectNoFindings, killAtRandomTimes, useRepository } from './support.js';

const SEED = Number(process.env.AHR_KILL_SEED ?? 11);

describe('package-remove killed at random moments', () => {
  const repository = useRepository();

  it('every kill leaves a consistent repository, and the removal stays complete after the next run', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    expectNoFindings(await killAtRandomTimes(repository(), { name: 'package-remove', command: ['package-remove', 'ki-b', 'ki-split'] }, 52, SEED), false);
  });
});
