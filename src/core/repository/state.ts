import type { RepositoryId } from '../../models/repository-id.js';
import type { Configuration } from '../configuration/configuration.js';
import { Database } from '../database/connection.js';
import { ArchiveMetadataOperations } from '../database/operations/archive-metadata.js';
import { BuildQueueOperations } from '../database/operations/build-queue.js';
import { ChangesOperations } from '../database/operations/changes.js';
import { DependenciesOperations } from '../database/operations/dependencies.js';
import { DistributedRunOperations } from '../database/operations/distributed-runs.js';
import { EventOperations } from '../database/operations/events.js';
import { HistoryOperations } from '../database/operations/history.js';
import { LogOperations } from '../database/operations/logs.js';
import { PackageOperations } from '../database/operations/packages.js';
import { PatchOperations } from '../database/operations/patches.js';
import { PublishJournalOperations } from '../database/operations/publish-journal.js';
import { RebuildOperations } from '../database/operations/rebuilds.js';
import { SnapshotOperations } from '../database/operations/snapshots.js';

/** Everything the state database holds for one repository, over the process's single connection. */
export class RepositoryState {
  readonly packages: PackageOperations;
  readonly queue: BuildQueueOperations;
  readonly patches: PatchOperations;
  readonly logs: LogOperations;
  readonly events: EventOperations;
  readonly changes: ChangesOperations;
  readonly dependencies: DependenciesOperations;
  readonly journal: PublishJournalOperations;
  readonly archiveMetadata: ArchiveMetadataOperations;
  readonly history: HistoryOperations;
  readonly rebuilds: RebuildOperations;
  readonly snapshots: SnapshotOperations;
  readonly distributedRuns: DistributedRunOperations;

  constructor(
    readonly database: Database,
    readonly repositoryId: RepositoryId,
  ) {
    this.packages = new PackageOperations(database, repositoryId);
    this.queue = new BuildQueueOperations(database, repositoryId);
    this.patches = new PatchOperations(database);
    this.logs = new LogOperations(database, repositoryId);
    this.events = new EventOperations(database, repositoryId);
    this.changes = new ChangesOperations(database, repositoryId);
    this.dependencies = new DependenciesOperations(database, repositoryId);
    this.journal = new PublishJournalOperations(database, repositoryId);
    this.archiveMetadata = new ArchiveMetadataOperations(database);
    this.history = new HistoryOperations(database, repositoryId);
    this.rebuilds = new RebuildOperations(database, repositoryId);
    this.snapshots = new SnapshotOperations(database, repositoryId);
    this.distributedRuns = new DistributedRunOperations(database, repositoryId);
  }

  static async open(configuration: Configuration, repositoryId: RepositoryId): Promise<RepositoryState> {
    const file = configuration.getPath('settings', 'database', configuration.repositoryPaths().database);
    const migrate = configuration.getBool('settings', 'apply_migrations', true);
    return new RepositoryState(await Database.open(file, { migrate }), repositoryId);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
