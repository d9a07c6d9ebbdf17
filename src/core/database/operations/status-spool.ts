import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';
import { currentUnixTime } from './time.js';

/** One request for the web service, kept until the service acknowledges it. */
export interface SpooledReport {
  /** Sent as `Idempotency-Key`, so the service applies the report once however often it arrives. */
  id: string;
  method: 'POST' | 'DELETE';
  /** Path and query on the web service. */
  path: string;
  body?: unknown;
}

/** Receipts are kept this long: far longer than a report waits for its sender's next run. */
const RECEIPT_LIFETIME_SECONDS = 30 * 24 * 3600;

/** The reports of one repository waiting for the web service (`status_spool`). */
export class StatusSpoolOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  async spoolAdd(report: SpooledReport): Promise<void> {
    await this.database.run(
      `keep a report for ${report.path}`,
      'INSERT INTO status_spool (id, repository, created, method, path, body) VALUES ($id, $repository, $created, $method, $path, $body)',
      {
        $id: report.id,
        $repository: this.repository.id,
        $created: currentUnixTime(),
        $method: report.method,
        $path: report.path,
        $body: report.body === undefined ? null : JSON.stringify(report.body),
      },
    );
  }

  /** The oldest waiting reports, in the order they were made. */
  async spoolList(limit: number): Promise<SpooledReport[]> {
    const rows = await this.database.all<{ id: string; method: SpooledReport['method']; path: string; body: string | null }>(
      'read the kept reports',
      'SELECT id, method, path, body FROM status_spool WHERE repository = $repository ORDER BY rowid LIMIT $limit',
      { $repository: this.repository.id, $limit: limit },
    );
    return rows.map((row) => ({ id: row.id, method: row.method, path: row.path, ...(row.body === null ? {} : { body: JSON.parse(row.body) as unknown }) }));
  }

  async spoolCount(): Promise<number> {
    const row = await this.database.get<{ count: number }>('count the kept reports', 'SELECT count(*) AS count FROM status_spool WHERE repository = $repository', {
      $repository: this.repository.id,
    });
    return row?.count ?? 0;
  }

  async spoolRemove(id: string): Promise<void> {
    await this.database.run('drop a delivered report', 'DELETE FROM status_spool WHERE id = $id', { $id: id });
  }
}

/** The ids of reports a web service applied (`status_receipts`). */
export class StatusReceiptOperations {
  constructor(private readonly database: Database) {}

  /** Records `id`; false when it was recorded before, i.e. the report was applied already. Prunes old receipts. */
  async receiptClaim(id: string): Promise<boolean> {
    const now = currentUnixTime();
    await this.database.run('drop old report receipts', 'DELETE FROM status_receipts WHERE received < $before', { $before: now - RECEIPT_LIFETIME_SECONDS });
    const { changes } = await this.database.run('record a report receipt', 'INSERT OR IGNORE INTO status_receipts (id, received) VALUES ($id, $received)', {
      $id: id,
      $received: now,
    });
    return changes > 0;
  }
}
