/**
 * `repo-update` publishing staged archives (an upgrade, a new base, a new split base), killed before each of its
 * filesystem steps in turn.
 */
import { describe, it } from 'vitest';
import { KILL_TEST_TIMEOUT_MS, REPO_UPDATE, expectNoFindings, killAtEveryStep, stageIncoming, useRepository } from './support.js';

describe('repo-update with staged archives, killed at every step', () => {
  const repository = useRepository(async (created) => void (await stageIncoming(created)));

  it('leaves a consistent repository after every kill, and the next run completes exactly the interrupted work', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    expectNoFindings(await killAtEveryStep(repository(), { name: 'repo-update', command: REPO_UPDATE, rerun: [REPO_UPDATE] }), true);
  });
});
