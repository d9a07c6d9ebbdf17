/** `package-add DIR` (then repo-update) killed before each filesystem step of package-add in turn. */
import path from 'node:path';
import { describe, it } from 'vitest';
import { INCOMING, KILL_TEST_TIMEOUT_MS, expectNoFindings, killAtEveryStep, useRepository, writeArchives } from './support.js';

describe('package-add of a directory of archives, killed at every step', () => {
  const repository = useRepository(async (created) => void (await writeArchives(path.join(created.directory, 'incoming'), INCOMING)));

  it('leaves a consistent repository after every kill, and package-add + repo-update complete the interrupted work', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    const incoming = path.join(repository().directory, 'incoming');
    expectNoFindings(await killAtEveryStep(repository(), { name: 'package-add DIR', command: ['package-add', incoming] }), true);
  });
});
