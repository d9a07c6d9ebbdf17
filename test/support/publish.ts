import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryEntry } from '../../src/core/alpm/repository-database.js';
import { Database } from '../../src/core/database/connection.js';
import { publishStaged } from '../../src/core/repository/publish.js';
import { type PublishSigners, RepositoryPublisher } from '../../src/core/repository/publisher.js';
import { RepositoryState } from '../../src/core/repository/state.js';
import { LocalStatusClient } from '../../src/core/status/local-client.js';
import { StatusService } from '../../src/core/status/service.js';
import type { RepositoryPaths } from '../../src/models/repository-paths.js';

/**
 * Stages copies of the archives and publishes them with the real publish transaction (state in the tree's
 * `ahriman.db`), as a run of repo-update would. Returns what the repository serves afterwards.
 */
export async function publishCopies(paths: RepositoryPaths, signers: PublishSigners, archives: readonly string[]): Promise<RepositoryEntry[]> {
  await fs.mkdir(paths.packages, { recursive: true });
  for (const archive of archives) await fs.copyFile(archive, path.join(paths.packages, path.basename(archive)));
  const database = await Database.open(paths.database);
  try {
    const state = new RepositoryState(database, paths.repositoryId);
    const services = { paths, state, status: new StatusService(new LocalStatusClient(state)), publisher: new RepositoryPublisher(paths, signers) };
    await publishStaged(services);
    return [...(await services.publisher.index()).values()];
  } finally {
    await database.close();
  }
}
