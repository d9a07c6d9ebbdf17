import type { Dependencies } from '../../../models/dependencies.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

/** Libraries the built files of each package base of one repository link to. */
export class DependenciesOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** Dependencies by package base (of `base` only when given). */
  async dependenciesGet(base?: string): Promise<Map<string, Dependencies>> {
    const rows = await this.database.all<{ package_base: string; dependencies: string }>(
      base === undefined ? 'list dependencies' : `read dependencies of ${base}`,
      `SELECT package_base, dependencies FROM package_dependencies
       WHERE repository = $repository AND ($base IS NULL OR package_base = $base)
       ORDER BY package_base`,
      { $repository: this.repository.id, $base: base ?? null },
    );
    return new Map(
      rows.map((row) => [row.package_base, { paths: JSON.parse(row.dependencies) as Record<string, string[]> }]),
    );
  }

  /** Stores the dependencies of `base`, replacing what was stored before. */
  async dependenciesInsert(base: string, dependencies: Dependencies): Promise<void> {
    await this.database.run(
      `save dependencies of ${base}`,
      `INSERT INTO package_dependencies (repository, package_base, dependencies) VALUES ($repository, $base, $paths)
       ON CONFLICT (repository, package_base) DO UPDATE SET dependencies = excluded.dependencies`,
      { $repository: this.repository.id, $base: base, $paths: JSON.stringify(dependencies.paths) },
    );
  }

  /** Forgets the dependencies of `base`, or of every base when none is given. */
  async dependenciesRemove(base?: string): Promise<void> {
    await this.database.run(
      base === undefined ? 'remove all dependencies' : `remove dependencies of ${base}`,
      'DELETE FROM package_dependencies WHERE repository = $repository AND ($base IS NULL OR package_base = $base)',
      { $repository: this.repository.id, $base: base ?? null },
    );
  }
}
