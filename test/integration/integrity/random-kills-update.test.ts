/** repo-update of staged archives killed with SIGKILL at random moments (seeded), 52 times. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { INCOMING, PUBLISHED, REPO_UPDATE, Repository, killAtRandomTimes, printReport, writeArchives } from './support.js';

const SEED = Number(process.env.AHR_KILL_SEED ?? 7);

describe('repo-update killed at random moments', () => {
  let repository: Repository;

  beforeAll(async () => {
    repository = await Repository.create(PUBLISHED);
    await repository.expectCli(['package-add', await writeArchives(path.join(repository.directory, 'incoming'), INCOMING)]);
    await repository.snapshot();
  });

  afterAll(async () => {
    await repository?.cleanup();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('every kill leaves a consistent repository, and the next run completes exactly the interrupted work', { timeout: 1_200_000 }, async () => {
    const report = await killAtRandomTimes(repository, { name: 'repo-update', command: REPO_UPDATE, rerun: [REPO_UPDATE] }, 52, SEED);
    printReport(report);
    expect(report.kills).toBeGreaterThan(0);
    expect(report.inconsistent).toEqual([]);
    expect(report.wrongReruns).toEqual([]);
  });
});
