/** `package-remove` of a plain base and a split base, killed before each of its filesystem steps in turn. */
import { describe, it } from 'vitest';
import { KILL_TEST_TIMEOUT_MS, expectNoFindings, killAtEveryStep, useRepository } from './support.js';

describe('package-remove killed at every step', () => {
  const repository = useRepository();

  it('leaves a consistent repository after every kill, and the removal stays complete after the next run', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    expectNoFindings(await killAtEveryStep(repository(), { name: 'package-remove', command: ['package-remove', 'ki-b', 'ki-split'] }), true);
  });
});
