import type { RepositoryId } from '../../../models/repository-id.js';
import type { SnapshotRecord, SnapshotVote } from '../../../models/snapshot.js';
import type { Database } from '../connection.js';

interface SnapshotRow {
  id: string;
  created: number;
  run: string | null;
  failed: number;
  changes: string;
  results: string;
}

interface VoteRow {
  snapshot: string;
  job: string;
  passed: number;
  url: string | null;
  notes: string | null;
  created: number;
}

function fromRow(row: SnapshotRow): SnapshotRecord {
  return {
    id: row.id,
    created: row.created,
    run: row.run,
    failed: row.failed === 1,
    changes: JSON.parse(row.changes) as SnapshotRecord['changes'],
    results: JSON.parse(row.results) as SnapshotRecord['results'],
  };
}

/** Snapshot records and votes of one repository, oldest first. */
export class SnapshotOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** Records a snapshot; one published again (the same database) takes the new record and moves to the end. */
  async snapshotRecord(snapshot: SnapshotRecord): Promise<void> {
    await this.database.run(
      'record a snapshot',
      `INSERT INTO snapshots (repository, id, created, run, failed, changes, results)
       VALUES ($repository, $id, $created, $run, $failed, $changes, $results)
       ON CONFLICT (repository, id) DO UPDATE SET
         seq = (SELECT MAX(seq) + 1 FROM snapshots), created = excluded.created, run = excluded.run,
         failed = excluded.failed, changes = excluded.changes, results = excluded.results`,
      {
        $repository: this.repository.id,
        $id: snapshot.id,
        $created: snapshot.created,
        $run: snapshot.run,
        $failed: snapshot.failed ? 1 : 0,
        $changes: JSON.stringify(snapshot.changes),
        $results: JSON.stringify(snapshot.results),
      },
    );
  }

  /** Every recorded snapshot, oldest first. */
  async snapshotList(): Promise<SnapshotRecord[]> {
    const rows = await this.database.all<SnapshotRow>(
      'list snapshots',
      'SELECT id, created, run, failed, changes, results FROM snapshots WHERE repository = $repository ORDER BY seq',
      { $repository: this.repository.id },
    );
    return rows.map(fromRow);
  }

  async snapshotGet(id: string): Promise<SnapshotRecord | undefined> {
    const row = await this.database.get<SnapshotRow>(
      'read a snapshot',
      'SELECT id, created, run, failed, changes, results FROM snapshots WHERE repository = $repository AND id = $id',
      { $repository: this.repository.id, $id: id },
    );
    return row ? fromRow(row) : undefined;
  }

  /** Forgets snapshots (their votes go with them). */
  async snapshotsRemove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.database.run(
      'forget snapshots',
      'DELETE FROM snapshots WHERE repository = $repository AND id IN (SELECT value FROM json_each($ids))',
      { $repository: this.repository.id, $ids: JSON.stringify(ids) },
    );
  }

  /** Records the vote of a job; a job that votes again replaces its earlier vote. */
  async voteRecord(vote: SnapshotVote): Promise<void> {
    await this.database.run(
      `record the vote of ${vote.job}`,
      `INSERT INTO snapshot_votes (repository, snapshot, job, passed, url, notes, created)
       VALUES ($repository, $snapshot, $job, $passed, $url, $notes, $created)
       ON CONFLICT (repository, snapshot, job) DO UPDATE SET
         passed = excluded.passed, url = excluded.url, notes = excluded.notes, created = excluded.created`,
      {
        $repository: this.repository.id,
        $snapshot: vote.snapshot,
        $job: vote.job,
        $passed: vote.passed ? 1 : 0,
        $url: vote.url,
        $notes: vote.notes,
        $created: vote.created,
      },
    );
  }

  /** Votes of one snapshot, or of all when none is named, ordered by snapshot and job. */
  async voteList(snapshot?: string): Promise<SnapshotVote[]> {
    const rows = await this.database.all<VoteRow>(
      'list snapshot votes',
      `SELECT snapshot, job, passed, url, notes, created FROM snapshot_votes
       WHERE repository = $repository AND ($snapshot IS NULL OR snapshot = $snapshot) ORDER BY snapshot, job`,
      { $repository: this.repository.id, $snapshot: snapshot ?? null },
    );
    return rows.map((row) => ({ ...row, passed: row.passed === 1 }));
  }
}
