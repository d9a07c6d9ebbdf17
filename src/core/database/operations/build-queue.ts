import type { PackageRecord } from '../../../models/package-record.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

/** Package bases waiting to be built in one repository, each with the package record to build. */
export class BuildQueueOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** Queues a base, replacing what was queued for it before. */
  async queueInsert(record: PackageRecord): Promise<void> {
    await this.database.run(
      `queue ${record.base}`,
      `INSERT INTO build_queue (repository, package_base, properties) VALUES ($repository, $base, $properties)
       ON CONFLICT (repository, package_base) DO UPDATE SET properties = excluded.properties`,
      { $repository: this.repository.id, $base: record.base, $properties: JSON.stringify(record) },
    );
  }

  /** Queued package records, sorted by base. */
  async queueList(): Promise<PackageRecord[]> {
    const rows = await this.database.all<{ properties: string }>(
      'list the build queue',
      'SELECT properties FROM build_queue WHERE repository = $repository ORDER BY package_base',
      { $repository: this.repository.id },
    );
    return rows.map((row) => JSON.parse(row.properties) as PackageRecord);
  }

  /** Removes `base` (or each of the bases listed) from the queue, or empties the queue when no base is given. */
  async queueClear(base?: string | readonly string[]): Promise<void> {
    const bases = base === undefined ? null : typeof base === 'string' ? [base] : base;
    if (bases?.length === 0) return;
    await this.database.run(
      bases === null ? 'clear the build queue' : `remove ${bases.join(', ')} from the build queue`,
      'DELETE FROM build_queue WHERE repository = $repository AND ($bases IS NULL OR package_base IN (SELECT value FROM json_each($bases)))',
      { $repository: this.repository.id, $bases: bases === null ? null : JSON.stringify(bases) },
    );
  }
}
