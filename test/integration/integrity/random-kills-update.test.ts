/** repo-update of staged archives killed with SIGKILL at random moments (seeded: AHR_KILL_SEED), 52 times. */
import { describe, it } from 'vitest';
import { KILL_TEST_TIMEOUT_MS, REPO_UPDATE, expectNoFindings, killAtRandomTimes, stageIncoming, useRepository } from './support.js';

const SEED = Number(process.env.AHR_KILL_SEED ?? 7);

describe('repo-update killed at random moments', () => {
  const repository = useRepository(async (created) => void (await stageIncoming(created)));

  it('every kill leaves a consistent repository, and the next run completes exactly the interrupted work', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    expectNoFindings(await killAtRandomTimes(repository(), { name: 'repo-update', command: REPO_UPDATE, rerun: [REPO_UPDATE] }, 52, SEED), false);
  });
});
