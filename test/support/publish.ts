import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryEntry } from '../../src/core/alpm/repository-database.js';
import { Database } from '../../src/core/database/connection.js';
import { type PublishServices, executePlan } from '../../src/core/repository/publish.js';
import { publishStaged } from '../../src/core/repository/publish-staged.js';
import { type PublishSigners, RepositoryPublisher } from '../../src/core/repository/publisher.js';
import { RepositoryState } from '../../src/core/repository/state.js';
import { SnapshotStore } from '../../src/core/snapshots/store.js';
import { LocalStatusClient } from '../../src/core/status/local-client.js';
import { StatusService } from '../../src/core/status/service.js';
import type { RepositoryPaths } from '../../src/models/repository-paths.js';

/** Runs `publish` with the real publish services (state in the tree's `ahriman.db`); returns what is served after. */
async function withPublishServices(paths: RepositoryPaths, signers: PublishSigners, publish: (services: PublishServices) => Promise<unknown>, { snapshots = false } = {}): Promise<RepositoryEntry[]> {
  const database = await Database.open(paths.database);
  try {
    const state = new RepositoryState(database, paths.repositoryId);
    const services = { paths, state, status: new StatusService(new LocalStatusClient(state)), publisher: new RepositoryPublisher(paths, signers), snapshots: snapshots ? new SnapshotStore(paths) : undefined };
    await publish(services);
    return [...(await services.publisher.index()).values()];
  } finally {
    await database.close();
  }
}

/**
 * Stages copies of the archives and publishes them with the real publish transaction, as a run of repo-update
 * would, with a snapshot when `snapshots` is set. Returns what the repository serves afterwards.
 */
export async function publishCopies(paths: RepositoryPaths, signers: PublishSigners, archives: readonly string[], { snapshots = false } = {}): Promise<RepositoryEntry[]> {
  await fs.mkdir(paths.packages, { recursive: true });
  for (const archive of archives) await fs.copyFile(archive, path.join(paths.packages, path.basename(archive)));
  return withPublishServices(paths, signers, (services) => publishStaged(services), { snapshots });
}

/** Removes packages (and forgets their bases) with the real publish transaction, as package-remove would. */
export function publishRemoval(paths: RepositoryPaths, signers: PublishSigners, names: readonly string[], bases: readonly string[]): Promise<RepositoryEntry[]> {
  return withPublishServices(paths, signers, (services) => executePlan(services, { added: [], remove: [...names], forget: [...bases], durations: {} }));
}
