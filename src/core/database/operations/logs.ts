import type { LogRecord } from '../../../models/log-record.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import { InvalidInputError } from '../../errors.js';
import type { Database, SqlValue } from '../connection.js';

export interface LogQuery {
  /** Only lines written while building this version. */
  version?: string;
  /** Only lines written by this run of ahriman. */
  processId?: string;
  /** At most this many lines, the newest ones (default: all). */
  limit?: number;
  /** Skip this many of the newest lines first. */
  offset?: number;
}

/**
 * Rows per INSERT: 6 parameters each stays far below SQLite's limit on parameters of one statement (32766), while
 * a whole burst of build output still goes in a few statements.
 */
const ROWS_PER_STATEMENT = 2000;
const COLUMNS = ['repository', 'package_base', 'version', 'process_id', 'created', 'message'] as const;
const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => '?').join(', ')})`;

/** Build logs of the package bases of one repository. */
export class LogOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** Stores the lines with multi-row INSERTs, all or none. Lines normally arrive through a `LogWriter`. */
  async logsInsert(records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.database.transaction(async () => {
      for (let start = 0; start < records.length; start += ROWS_PER_STATEMENT) {
        const chunk = records.slice(start, start + ROWS_PER_STATEMENT);
        const parameters: SqlValue[] = [];
        for (const record of chunk) {
          parameters.push(
            this.repository.id,
            record.packageBase,
            record.version,
            record.processId,
            record.created,
            record.message,
          );
        }
        await this.database.run(
          `store ${chunk.length} build log lines`,
          `INSERT INTO logs (${COLUMNS.join(', ')}) VALUES ${Array(chunk.length).fill(ROW_PLACEHOLDERS).join(', ')}`,
          parameters,
        );
      }
    });
  }

  /** Log lines of `base`: the newest `limit` of them (after `offset`), returned oldest first. */
  async logsGet(base: string, query: LogQuery = {}): Promise<LogRecord[]> {
    const rows = await this.database.all<{
      package_base: string;
      version: string;
      process_id: string;
      created: number;
      message: string;
    }>(
      `read build logs of ${base}`,
      `SELECT package_base, version, process_id, created, message FROM (
         SELECT id, package_base, version, process_id, created, message FROM logs
         WHERE repository = $repository AND package_base = $base
           AND ($version IS NULL OR version = $version)
           AND ($processId IS NULL OR process_id = $processId)
         ORDER BY created DESC, id DESC LIMIT $limit OFFSET $offset
       ) ORDER BY created, id`,
      {
        $repository: this.repository.id,
        $base: base,
        $version: query.version ?? null,
        $processId: query.processId ?? null,
        $limit: query.limit ?? -1,
        $offset: query.offset ?? 0,
      },
    );
    return rows.map((row) => ({
      packageBase: row.package_base,
      version: row.version,
      processId: row.process_id,
      created: row.created,
      message: row.message,
    }));
  }

  /** Removes the logs of `base`, except those of `exceptVersion` when given. */
  async logsRemove(base: string, exceptVersion?: string): Promise<void> {
    await this.database.run(
      `remove build logs of ${base}`,
      `DELETE FROM logs
       WHERE repository = $repository AND package_base = $base AND ($version IS NULL OR version <> $version)`,
      { $repository: this.repository.id, $base: base, $version: exceptVersion ?? null },
    );
  }

  /**
   * Keeps the logs of the `keepLast` newest builds of each package base. A build is one (version, process) pair;
   * of several runs that built the same version, only the latest counts, so its logs are the only ones kept.
   */
  async logsRotate(keepLast: number): Promise<void> {
    if (!Number.isInteger(keepLast) || keepLast < 0) {
      throw new InvalidInputError(`invalid number of build logs to keep: ${keepLast} (expected an integer >= 0)`);
    }
    await this.database.transaction(async () => {
      await this.deleteRankedBuilds('drop build logs of superseded runs', 'package_base, version', 1);
      await this.deleteRankedBuilds('drop build logs of old versions', 'package_base', keepLast);
    });
  }

  /**
   * Ranks the builds (version, process) of each partition newest first, by their latest line, and deletes the
   * lines of builds ranked after `keep`.
   */
  private async deleteRankedBuilds(purpose: string, partition: string, keep: number): Promise<void> {
    await this.database.run(
      purpose,
      `DELETE FROM logs WHERE id IN (
         SELECT logs.id FROM logs JOIN (
           SELECT package_base, version, process_id,
                  row_number() OVER (PARTITION BY ${partition} ORDER BY max(created) DESC, max(id) DESC) AS position
           FROM logs WHERE repository = $repository
           GROUP BY package_base, version, process_id
         ) AS builds USING (package_base, version, process_id)
         WHERE logs.repository = $repository AND builds.position > $keep
       )`,
      { $repository: this.repository.id, $keep: keep },
    );
  }
}
