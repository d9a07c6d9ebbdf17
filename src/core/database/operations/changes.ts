import type { Changes } from '../../../models/changes.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

/** PKGBUILD changes of the package bases of one repository since their last build. */
export class ChangesOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** What is known about `base`; all fields null when nothing is. */
  async changesGet(base: string): Promise<Changes> {
    const row = await this.database.get<{ last_commit_sha: string; changes: string | null; pkgbuild: string | null }>(
      `read changes of ${base}`,
      `SELECT last_commit_sha, changes, pkgbuild FROM package_changes
       WHERE repository = $repository AND package_base = $base`,
      { $repository: this.repository.id, $base: base },
    );
    return {
      lastCommitSha: row?.last_commit_sha ?? null,
      changes: row?.changes ?? null,
      pkgbuild: row?.pkgbuild ?? null,
    };
  }

  /**
   * Stores the changes of `base`. A null commit means nothing is known any more and removes the entry; a null
   * PKGBUILD keeps the one stored before.
   */
  async changesInsert(base: string, changes: Changes): Promise<void> {
    if (changes.lastCommitSha === null) {
      await this.changesRemove(base);
      return;
    }
    await this.database.run(
      `save changes of ${base}`,
      `INSERT INTO package_changes (repository, package_base, last_commit_sha, changes, pkgbuild)
       VALUES ($repository, $base, $sha, $changes, $pkgbuild)
       ON CONFLICT (repository, package_base) DO UPDATE SET
         last_commit_sha = excluded.last_commit_sha, changes = excluded.changes,
         pkgbuild = coalesce(excluded.pkgbuild, pkgbuild)`,
      {
        $repository: this.repository.id,
        $base: base,
        $sha: changes.lastCommitSha,
        $changes: changes.changes,
        $pkgbuild: changes.pkgbuild,
      },
    );
  }

  /** Forgets the changes of `base`, or of every base when none is given. */
  async changesRemove(base?: string): Promise<void> {
    await this.database.run(
      base === undefined ? 'remove all changes' : `remove changes of ${base}`,
      'DELETE FROM package_changes WHERE repository = $repository AND ($base IS NULL OR package_base = $base)',
      { $repository: this.repository.id, $base: base ?? null },
    );
  }
}
