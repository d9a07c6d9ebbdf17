import type { HistoryPackage, HistoryPeriod, HistoryPoint, HistoryRun, HistoryRunSummary } from '../../../models/history.js';
import { historyPeriods } from '../../../models/history.js';
import { InvalidInputError } from '../../../models/errors.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

interface PackageRow {
  package: string;
  version: string;
  package_base: string;
  architecture: string;
  checksum: string;
}

interface RunRow {
  id: number;
  created: number;
  snapshot: string | null;
}

const PACKAGE_COLUMNS = 'c.package, c.version, c.package_base, c.architecture, c.checksum';

const packageFromRow = (row: PackageRow): HistoryPackage => ({
  name: row.package,
  version: row.version,
  base: row.package_base,
  architecture: row.architecture,
  checksum: row.checksum,
});

const runFromRow = (row: RunRow): HistoryRun => ({ id: row.id, created: row.created, snapshot: row.snapshot });

/** The files listed in `target` and not (with the same checksum) in `other`. */
function missingFrom(target: readonly HistoryPackage[], other: readonly HistoryPackage[]): HistoryPackage[] {
  const checksums = new Map(other.map((item) => [item.name, item.checksum]));
  return target.filter((item) => checksums.get(item.name) !== item.checksum);
}

/**
 * The content history of one repository. A package's state at a run is its last change at or before that run
 * (`added`: listed with that file; `removed`: not listed), one search of the `(repository, package, run)` index for
 * each package `history_latest` names.
 */
export class HistoryOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /**
   * Records what changed between the content the history ends at and `listed`, the packages the repository database
   * lists now, as one run. Called inside the transaction that brings the state up to the committed database, so a
   * publish finished after a crash is recorded once, against what the history really saw. Records nothing (and
   * returns undefined) when nothing changed and there is no snapshot to note.
   */
  async historyRecord(listed: Iterable<HistoryPackage>, snapshot: string | null = null): Promise<HistoryRun | undefined> {
    const now = [...listed];
    const before = await this.historyListed();
    const changes = [
      ...missingFrom(before, now).map((item) => ({ ...item, change: 'removed' })),
      ...missingFrom(now, before).map((item) => ({ ...item, change: 'added' })),
    ];
    if (changes.length === 0 && snapshot === null) return undefined;
    const created = Date.now();
    const { lastId: id } = await this.database.run(
      'record a history run',
      'INSERT INTO history_runs (repository, created, snapshot) VALUES ($repository, $created, $snapshot)',
      { $repository: this.repository.id, $created: created, $snapshot: snapshot },
    );
    // One statement for the whole run, in order: a run's removals get smaller ids than its additions.
    await this.database.run(
      'record history changes',
      `INSERT INTO history_changes (run, repository, change, package, version, package_base, architecture, checksum)
       SELECT $run, $repository, value ->> 'change', value ->> 'name', value ->> 'version', value ->> 'base',
              value ->> 'architecture', value ->> 'checksum'
       FROM json_each($changes) ORDER BY key`,
      { $run: id, $repository: this.repository.id, $changes: JSON.stringify(changes) },
    );
    await this.database.run(
      'move the end of the history',
      `INSERT INTO history_latest (repository, package, change)
       SELECT repository, package, max(id) FROM history_changes WHERE repository = $repository AND run = $run GROUP BY package
       ON CONFLICT (repository, package) DO UPDATE SET change = excluded.change`,
      { $run: id, $repository: this.repository.id },
    );
    return { id, created, snapshot };
  }

  /** What the history ends at: the packages listed after its last run. */
  async historyListed(): Promise<HistoryPackage[]> {
    const rows = await this.database.all<PackageRow>(
      'read the packages the history ends at',
      `SELECT ${PACKAGE_COLUMNS} FROM history_latest l JOIN history_changes c ON c.id = l.change
       WHERE l.repository = $repository AND c.change = 'added' ORDER BY l.package`,
      { $repository: this.repository.id },
    );
    return rows.map(packageFromRow);
  }

  /** The newest `limit` runs (all when negative), newest first, with how many files each added and removed. */
  async historyRuns(limit = -1): Promise<HistoryRunSummary[]> {
    return this.database.all<HistoryRunSummary>(
      'list history runs',
      `SELECT r.id, r.created, r.snapshot,
              (SELECT count(*) FROM history_changes c WHERE c.repository = r.repository AND c.run = r.id AND c.change = 'added') AS added,
              (SELECT count(*) FROM history_changes c WHERE c.repository = r.repository AND c.run = r.id AND c.change = 'removed') AS removed
       FROM (SELECT * FROM history_runs WHERE repository = $repository ORDER BY created DESC, id DESC LIMIT $limit) r
       ORDER BY r.created DESC, r.id DESC`,
      { $repository: this.repository.id, $limit: limit },
    );
  }

  /** The run a point names: a run or snapshot (which must exist), or the last run at or before a date (null: none). */
  async historyResolve(point: HistoryPoint): Promise<HistoryRun | null> {
    const select = 'SELECT id, created, snapshot FROM history_runs WHERE repository = $repository';
    if (point.kind === 'date') {
      const row = await this.database.get<RunRow>('find a history run by date', `${select} AND created <= $time ORDER BY created DESC, id DESC LIMIT 1`, {
        $repository: this.repository.id,
        $time: point.time,
      });
      return row ? runFromRow(row) : null;
    }
    const row = point.kind === 'run'
      ? await this.database.get<RunRow>('find a history run', `${select} AND id = $id`, { $repository: this.repository.id, $id: point.id })
      : await this.database.get<RunRow>('find a history run by snapshot', `${select} AND snapshot = $id ORDER BY id LIMIT 1`, { $repository: this.repository.id, $id: point.id });
    if (!row) throw new InvalidInputError(`no ${point.kind} ${point.id} in the history of ${this.repository.id}`);
    return runFromRow(row);
  }

  /** The periods each file of a package (by name, or all packages of a base) was listed, oldest first. */
  async historyPackage(name: string): Promise<HistoryPeriod[]> {
    const rows = await this.database.all<PackageRow & RunRow & { change: 'added' | 'removed'; run: number }>(
      'read the history of a package',
      `SELECT c.change, ${PACKAGE_COLUMNS}, r.id, r.created, r.snapshot
       FROM history_changes c JOIN history_runs r ON r.id = c.run
       WHERE c.id IN (
         SELECT id FROM history_changes WHERE repository = $repository AND package = $name
         UNION SELECT id FROM history_changes WHERE repository = $repository AND package_base = $name)
       ORDER BY c.id`,
      { $repository: this.repository.id, $name: name },
    );
    return historyPeriods(rows.map((row) => ({ ...packageFromRow(row), change: row.change, run: runFromRow(row) })));
  }

  /** What the repository listed after run `run` (0: before the first run), by package name. */
  async historyContent(run: number): Promise<HistoryPackage[]> {
    const rows = await this.database.all<PackageRow>(
      'read the repository content from the history',
      `SELECT ${PACKAGE_COLUMNS} FROM history_latest l
       JOIN history_changes c ON c.id = (
         SELECT max(h.id) FROM history_changes h WHERE h.repository = l.repository AND h.package = l.package AND h.run <= $run)
       WHERE l.repository = $repository AND c.change = 'added'
       ORDER BY l.package`,
      { $repository: this.repository.id, $run: run },
    );
    return rows.map(packageFromRow);
  }

  /** Files listed after run `to` and not after run `from` (added), and the other way round (removed). */
  async historyDiff(from: number, to: number): Promise<{ added: HistoryPackage[]; removed: HistoryPackage[] }> {
    const [before, after] = [await this.historyContent(from), await this.historyContent(to)];
    return { added: missingFrom(after, before), removed: missingFrom(before, after) };
  }
}
