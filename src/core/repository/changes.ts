/**
 * What changed in the PKGBUILD sources of a package base since its last build (the reference's "changes"): each
 * successful build records the commit of `cache/<base>` it was built from and its PKGBUILD; `--changes` on an update
 * check brings the sources up to date and stores the git diff since that commit, for package-changes to print.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageRecord } from '../../models/package-record.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { run } from '../process.js';
import type { RepositoryServices } from './services.js';
import type { RepositoryState } from './state.js';

const logger = getLogger('changes');
const GIT_TIMEOUT_MS = 60_000;

async function git(directory: string, args: string[]): Promise<string> {
  return (await run('git', args, { cwd: directory, timeoutMs: GIT_TIMEOUT_MS })).stdout;
}

/**
 * After a build from `checkout` (the PKGBUILD directory of a git clone): remember its commit and PKGBUILD, with
 * `note` as the changes when the build was made for another reason than its sources (a dependency-change rebuild).
 */
export async function recordBuiltSource(state: RepositoryState, base: string, checkout: string, note: string | null = null): Promise<void> {
  const sha = (await git(checkout, ['rev-parse', 'HEAD'])).trim();
  const pkgbuild = await fs.readFile(path.join(checkout, 'PKGBUILD'), 'utf8');
  await state.changes.changesInsert(base, { lastCommitSha: sha, changes: note, pkgbuild });
}

/**
 * `--changes`: updates the sources of each record and stores the diff of its PKGBUILD directory since the commit of
 * its last build (nothing for a base never built). A base whose sources cannot be fetched is logged and skipped.
 */
export async function storeChanges(services: RepositoryServices, records: readonly PackageRecord[]): Promise<void> {
  for (const record of records) {
    const { lastCommitSha, pkgbuild } = await services.state.changes.changesGet(record.base);
    if (lastCommitSha === null) continue;
    try {
      const checkout = await services.sources.checkout(record.base, record.remote);
      const diff = await git(checkout, ['diff', lastCommitSha, 'HEAD', '--', '.']);
      await services.state.changes.changesInsert(record.base, { lastCommitSha, changes: diff, pkgbuild });
    } catch (error) {
      logger.warning(`${record.base}: cannot compute the changes since ${lastCommitSha}: ${errorMessage(error)}`);
    }
  }
}
