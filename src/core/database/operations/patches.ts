import type { PkgbuildPatch } from '../../../models/patch.js';
import type { Database } from '../connection.js';

/** PKGBUILD patches per package base. Shared by all repositories: a base is patched the same way everywhere. */
export class PatchOperations {
  constructor(private readonly database: Database) {}

  /**
   * Patches by package base (of `base` only when given), each base's list sorted by variable with the full diff
   * first. With `variables`, only the patches of those variables (never the full diff).
   */
  async patchesList(base?: string, variables?: readonly string[]): Promise<Map<string, PkgbuildPatch[]>> {
    const rows = await this.database.all<{ package_base: string; variable: string | null; patch: string }>(
      base === undefined ? 'list patches' : `list patches of ${base}`,
      `SELECT package_base, variable, patch FROM patches
       WHERE ($base IS NULL OR package_base = $base)
         AND ($variables IS NULL OR variable IN (SELECT value FROM json_each($variables)))
       ORDER BY package_base, variable`,
      { $base: base ?? null, $variables: variables === undefined ? null : JSON.stringify(variables) },
    );
    const result = new Map<string, PkgbuildPatch[]>();
    for (const row of rows) {
      const patches = result.get(row.package_base) ?? [];
      patches.push({ key: row.variable, value: row.patch });
      result.set(row.package_base, patches);
    }
    return result;
  }

  /** Adds a patch, replacing the one of the same variable (or the full diff) of that base. */
  async patchInsert(base: string, patch: PkgbuildPatch): Promise<void> {
    await this.database.run(
      `save patch ${patch.key ?? '(full diff)'} of ${base}`,
      `INSERT INTO patches (package_base, variable, patch) VALUES ($base, $variable, $patch)
       ON CONFLICT (package_base, coalesce(variable, '')) DO UPDATE SET patch = excluded.patch`,
      { $base: base, $variable: patch.key, $patch: patch.value },
    );
  }

  /** Removes every patch of `base`, or only those of `variables`. */
  async patchesRemove(base: string, variables?: readonly string[]): Promise<void> {
    await this.database.run(
      `remove patches of ${base}`,
      `DELETE FROM patches
       WHERE package_base = $base AND ($variables IS NULL OR variable IN (SELECT value FROM json_each($variables)))`,
      { $base: base, $variables: variables === undefined ? null : JSON.stringify(variables) },
    );
  }
}
