import type { BuildRecord, ScheduledRebuild } from '../../../models/rebuild.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

interface BuildRecordRow {
  package_base: string;
  version: string;
  built: number;
  used: string;
  needed: string;
  sonames: string;
}

interface RebuildRow {
  package_base: string;
  priority: number;
  reason: string;
  signature: string;
  scheduled: number;
  failed: number | null;
}

/** Build records (what each build used and produced) and the dependency-change rebuild queue of one repository. */
export class RebuildOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** Stores what a build used and produced (a build of the same version again replaces it). */
  async buildRecordInsert(record: BuildRecord): Promise<void> {
    await this.database.run(
      `save the build record of ${record.base} ${record.version}`,
      `INSERT INTO build_records (repository, package_base, version, built, used, needed, sonames)
       VALUES ($repository, $base, $version, $built, $used, $needed, $sonames)
       ON CONFLICT (repository, package_base, version) DO UPDATE SET
         built = excluded.built, used = excluded.used, needed = excluded.needed, sonames = excluded.sonames`,
      {
        $repository: this.repository.id,
        $base: record.base,
        $version: record.version,
        $built: record.built,
        $used: JSON.stringify(record.used),
        $needed: JSON.stringify(record.needed),
        $sonames: JSON.stringify(record.sonames),
      },
    );
  }

  /** The latest build record of each base (of `base` only when given). */
  async latestBuildRecords(base?: string): Promise<Map<string, BuildRecord>> {
    const rows = await this.database.all<BuildRecordRow>(
      'read the latest build records',
      `SELECT package_base, version, built, used, needed, sonames FROM build_records AS record
       WHERE repository = $repository AND ($base IS NULL OR package_base = $base)
         AND built = (SELECT max(built) FROM build_records AS other
                      WHERE other.repository = record.repository AND other.package_base = record.package_base)
       ORDER BY package_base, version`,
      { $repository: this.repository.id, $base: base ?? null },
    );
    return new Map(
      rows.map((row) => [
        row.package_base,
        { base: row.package_base, version: row.version, built: row.built, used: JSON.parse(row.used), needed: JSON.parse(row.needed), sonames: JSON.parse(row.sonames) },
      ]),
    );
  }

  /** Schedules (or reschedules) a rebuild, replacing what was scheduled for its base. */
  async rebuildSchedule(entry: ScheduledRebuild): Promise<void> {
    await this.database.run(
      `schedule a rebuild of ${entry.base}`,
      `INSERT INTO rebuild_queue (repository, package_base, priority, reason, signature, scheduled, failed)
       VALUES ($repository, $base, $priority, $reason, $signature, $scheduled, $failed)
       ON CONFLICT (repository, package_base) DO UPDATE SET priority = excluded.priority, reason = excluded.reason,
         signature = excluded.signature, scheduled = excluded.scheduled, failed = excluded.failed`,
      {
        $repository: this.repository.id,
        $base: entry.base,
        $priority: entry.priority,
        $reason: entry.reason,
        $signature: entry.signature,
        $scheduled: entry.scheduled,
        $failed: entry.failed,
      },
    );
  }

  /** Scheduled rebuilds, highest priority first (then by base). */
  async rebuildList(): Promise<ScheduledRebuild[]> {
    const rows = await this.database.all<RebuildRow>(
      'list the rebuild queue',
      `SELECT package_base, priority, reason, signature, scheduled, failed FROM rebuild_queue
       WHERE repository = $repository ORDER BY priority DESC, package_base`,
      { $repository: this.repository.id },
    );
    return rows.map((row) => ({ base: row.package_base, priority: row.priority, reason: row.reason, signature: row.signature, scheduled: row.scheduled, failed: row.failed }));
  }

  /** Marks the scheduled rebuild of `base` as failed: it waits for a different change. */
  async rebuildFailed(base: string, time: number): Promise<void> {
    await this.database.run(
      `mark the rebuild of ${base} failed`,
      'UPDATE rebuild_queue SET failed = $time WHERE repository = $repository AND package_base = $base',
      { $repository: this.repository.id, $base: base, $time: time },
    );
  }

  /** Removes the scheduled rebuild of `base`. */
  /** Drops the scheduled rebuilds of `bases` (they were just published), in one statement. */
  async rebuildRemove(bases: string | readonly string[]): Promise<void> {
    const list = typeof bases === 'string' ? [bases] : bases;
    if (list.length === 0) return;
    await this.database.run(
      `remove the scheduled rebuilds of ${list.length} package base(s)`,
      'DELETE FROM rebuild_queue WHERE repository = $repository AND package_base IN (SELECT value FROM json_each($bases))',
      { $repository: this.repository.id, $bases: JSON.stringify(list) },
    );
  }

  /** Forgets everything about `base`: its build records and its scheduled rebuild. */
  async forget(base: string): Promise<void> {
    await this.rebuildRemove(base);
    await this.database.run(
      `remove the build records of ${base}`,
      'DELETE FROM build_records WHERE repository = $repository AND package_base = $base',
      { $repository: this.repository.id, $base: base },
    );
  }
}
