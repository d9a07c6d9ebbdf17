import type { BuildStatus, BuildStatusValue } from '../../../models/build-status.js';
import type { PackageDescription, PackageRecord } from '../../../models/package-record.js';
import type { PackageSource } from '../../../models/package-source.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import { InvalidInputError } from '../../errors.js';
import type { Database } from '../connection.js';
import { currentUnixTime } from './time.js';

export interface PackageWithStatus {
  package: PackageRecord;
  status: BuildStatus;
}

/** A package base joined with its status and one of its package names (all null for a base without packages). */
/** One row of {@link PackageOperations.listPackages}: a base with one of its packages (or none); lists already parsed. */
interface PackageRow {
  package_base: string;
  version: string;
  source: PackageSource;
  git_url: string | null;
  web_url: string | null;
  path: string | null;
  branch: string | null;
  packager: string | null;
  status: BuildStatusValue | null;
  last_updated: number | null;
  is_held: number | null;
  package: string | null;
  architecture: string | null;
  archive_size: number | null;
  build_date: number | null;
  depends: string[] | null;
  make_depends: string[] | null;
  opt_depends: string[] | null;
  check_depends: string[] | null;
  description: string | null;
  filename: string | null;
  groups: string[] | null;
  installed_size: number | null;
  licenses: string[] | null;
  provides: string[] | null;
  url: string | null;
}

/** Package bases of one repository, the package names they produce and their build status. */
export class PackageOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** Saves a base and its package names; names the base no longer produces are dropped. */
  async upsertPackage(record: PackageRecord): Promise<void> {
    await this.upsertPackages([record]);
  }

  /**
   * Saves bases and their package names (names a base no longer produces are dropped) in one transaction of four
   * statements, whatever the number of bases: the rows travel as one JSON parameter.
   */
  async upsertPackages(records: readonly PackageRecord[]): Promise<void> {
    if (records.length === 0) return;
    const bases = JSON.stringify(records.map((record) => ({ base: record.base, version: record.version, ...record.remote, packager: record.packager })));
    const names = records.flatMap((record) => Object.entries(record.packages).map(([name, description]) => ({ base: record.base, name, ...description })));
    const label = records.length === 1 ? records[0]!.base : `${records.length} package bases`;
    await this.database.transaction(async () => {
      await this.database.run(
        `save package base ${label}`,
        `INSERT INTO package_bases (repository, package_base, version, source, git_url, web_url, path, branch, packager)
         SELECT $repository, value ->> 'base', value ->> 'version', value ->> 'source', value ->> 'gitUrl',
                value ->> 'webUrl', value ->> 'path', value ->> 'branch', value ->> 'packager'
         FROM json_each($bases) WHERE true
         ON CONFLICT (repository, package_base) DO UPDATE SET
           version = excluded.version, source = excluded.source, git_url = excluded.git_url,
           web_url = excluded.web_url, path = excluded.path, branch = excluded.branch, packager = excluded.packager`,
        { $repository: this.repository.id, $bases: bases },
      );
      // a new base is `unknown` from now on, so its status time does not change on every read
      await this.database.run(
        `start the status of ${label}`,
        `INSERT INTO package_statuses (repository, package_base, status, last_updated)
         SELECT $repository, value ->> 'base', 'unknown', $timestamp FROM json_each($bases) WHERE true ON CONFLICT DO NOTHING`,
        { $repository: this.repository.id, $bases: bases, $timestamp: currentUnixTime() },
      );
      await this.database.run(
        names.length === 1 ? `save package ${names[0]!.name} of ${names[0]!.base}` : `save the packages of ${label}`,
        `INSERT INTO packages (repository, package, package_base, architecture, archive_size, build_date, depends,
                               make_depends, opt_depends, check_depends, description, filename, "groups",
                               installed_size, licenses, provides, url)
         SELECT $repository, value ->> 'name', value ->> 'base', value ->> 'architecture', value ->> 'archiveSize',
                value ->> 'buildDate', value -> 'depends', value -> 'makeDepends', value -> 'optDepends',
                value -> 'checkDepends', value ->> 'description', value ->> 'filename', value -> 'groups',
                value ->> 'installedSize', value -> 'licenses', value -> 'provides', value ->> 'url'
         FROM json_each($names) WHERE true
         ON CONFLICT (repository, package) DO UPDATE SET
           package_base = excluded.package_base, architecture = excluded.architecture,
           archive_size = excluded.archive_size, build_date = excluded.build_date, depends = excluded.depends,
           make_depends = excluded.make_depends, opt_depends = excluded.opt_depends,
           check_depends = excluded.check_depends, description = excluded.description, filename = excluded.filename,
           "groups" = excluded."groups", installed_size = excluded.installed_size, licenses = excluded.licenses,
           provides = excluded.provides, url = excluded.url`,
        { $repository: this.repository.id, $names: JSON.stringify(names) },
      );
      // a package name belongs to one base of the repository, so a name saved above now belongs to its new base
      await this.database.run(
        `drop package names no longer produced by ${label}`,
        `DELETE FROM packages
         WHERE repository = $repository
           AND package_base IN (SELECT value ->> 'base' FROM json_each($bases))
           AND package NOT IN (SELECT value ->> 'name' FROM json_each($names))`,
        { $repository: this.repository.id, $bases: bases, $names: JSON.stringify(names) },
      );
    });
  }

  /** Removes a base with its package names and status; returns whether it was known. */
  async removePackage(base: string): Promise<boolean> {
    const { changes } = await this.database.run(
      `remove package base ${base}`,
      'DELETE FROM package_bases WHERE repository = $repository AND package_base = $base',
      { $repository: this.repository.id, $base: base },
    );
    return changes > 0;
  }

  /**
   * Every package base of the repository (or just `base`, or those listed) with its package names and status, sorted by base. A
   * base without a status row is reported as `unknown`. One query, so the result is a consistent snapshot.
   *
   * The rows come back as one JSON text: the driver makes an object of every row it returns, which cost four times
   * parsing the same rows as JSON (10,000 packages: about 160 ms against 40 ms).
   */
  async listPackages(base?: string | readonly string[]): Promise<PackageWithStatus[]> {
    const bases = base === undefined ? null : JSON.stringify(typeof base === 'string' ? [base] : base);
    const listed = await this.database.get<{ rows: string }>(
      'list packages',
      `SELECT json_group_array(json_object(
                'package_base', b.package_base, 'version', b.version, 'source', b.source, 'git_url', b.git_url,
                'web_url', b.web_url, 'path', b.path, 'branch', b.branch, 'packager', b.packager,
                'status', s.status, 'last_updated', s.last_updated, 'is_held', s.is_held,
                'package', p.package, 'architecture', p.architecture, 'archive_size', p.archive_size,
                'build_date', p.build_date, 'depends', json(p.depends), 'make_depends', json(p.make_depends),
                'opt_depends', json(p.opt_depends), 'check_depends', json(p.check_depends), 'description', p.description,
                'filename', p.filename, 'groups', json(p."groups"), 'installed_size', p.installed_size,
                'licenses', json(p.licenses), 'provides', json(p.provides), 'url', p.url)
              ORDER BY b.package_base, p.package) AS rows
       FROM package_bases b
       LEFT JOIN package_statuses s ON s.repository = b.repository AND s.package_base = b.package_base
       -- without statistics SQLite would join through the primary key on repository alone: one scan of every package per base
       LEFT JOIN packages p INDEXED BY packages_by_base ON p.repository = b.repository AND p.package_base = b.package_base
       WHERE b.repository = $repository AND ($bases IS NULL OR b.package_base IN (SELECT value FROM json_each($bases)))`,
      { $repository: this.repository.id, $bases: bases },
    );
    const rows = JSON.parse(listed?.rows ?? '[]') as PackageRow[];
    const result = new Map<string, PackageWithStatus>();
    for (const row of rows) {
      let entry = result.get(row.package_base);
      if (!entry) {
        entry = { package: toPackageRecord(row), status: toBuildStatus(row) };
        result.set(row.package_base, entry);
      }
      if (row.package !== null) entry.package.packages[row.package] = toPackageDescription(row);
    }
    return [...result.values()];
  }

  /** The base of each of `names` that is a package base or a package name of one; names of neither are left out. */
  async basesNamed(names: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.database.all<{ name: string; base: string }>(
      'look up package bases by name',
      `SELECT j.value AS name, COALESCE(b.package_base, p.package_base) AS base
       FROM json_each($names) j
       LEFT JOIN package_bases b ON b.repository = $repository AND b.package_base = j.value
       LEFT JOIN packages p ON p.repository = $repository AND p.package = j.value
       WHERE COALESCE(b.package_base, p.package_base) IS NOT NULL`,
      { $repository: this.repository.id, $names: JSON.stringify(names) },
    );
    return new Map(rows.map((row) => [row.name, row.base]));
  }

  /** Sets the build status; its timestamp changes only when the status does. */
  async updateStatus(base: string, status: BuildStatusValue, timestamp = currentUnixTime()): Promise<void> {
    await this.database.transaction(async () => {
      await this.requireKnownBase(base);
      await this.database.run(
        `set status of ${base} to ${status}`,
        `INSERT INTO package_statuses (repository, package_base, status, last_updated)
         VALUES ($repository, $base, $status, $timestamp)
         ON CONFLICT (repository, package_base) DO UPDATE SET
           status = excluded.status, last_updated = excluded.last_updated
         WHERE status <> excluded.status`,
        { $repository: this.repository.id, $base: base, $status: status, $timestamp: timestamp },
      );
    });
  }

  /** Sets the build status of known bases in one statement (unknown ones are skipped); as {@link updateStatus} for each. */
  async updateStatuses(bases: readonly string[], status: BuildStatusValue, timestamp = currentUnixTime()): Promise<void> {
    if (bases.length === 0) return;
    await this.database.run(
      `set status of ${bases.length} package bases to ${status}`,
      `INSERT INTO package_statuses (repository, package_base, status, last_updated)
       SELECT repository, package_base, $status, $timestamp FROM package_bases
       -- a join with json_each would let SQLite scan the list once per base of the repository
       WHERE repository = $repository AND package_base IN (SELECT value FROM json_each($bases))
       ON CONFLICT (repository, package_base) DO UPDATE SET
         status = excluded.status, last_updated = excluded.last_updated
       WHERE status <> excluded.status`,
      { $repository: this.repository.id, $bases: JSON.stringify(bases), $status: status, $timestamp: timestamp },
    );
  }

  /** Holds or releases a package base (a base without a status gets `unknown`). */
  async setHeld(base: string, held: boolean): Promise<void> {
    await this.database.transaction(async () => {
      await this.requireKnownBase(base);
      await this.database.run(
        `${held ? 'hold' : 'release'} ${base}`,
        `INSERT INTO package_statuses (repository, package_base, status, last_updated, is_held)
         VALUES ($repository, $base, 'unknown', $timestamp, $held)
         ON CONFLICT (repository, package_base) DO UPDATE SET is_held = excluded.is_held`,
        { $repository: this.repository.id, $base: base, $timestamp: currentUnixTime(), $held: held ? 1 : 0 },
      );
    });
  }

  /** Forgets the status of a base (it reads as `unknown` again, not held). */
  async removeStatus(base: string): Promise<void> {
    await this.database.run(
      `remove status of ${base}`,
      'DELETE FROM package_statuses WHERE repository = $repository AND package_base = $base',
      { $repository: this.repository.id, $base: base },
    );
  }

  private async requireKnownBase(base: string): Promise<void> {
    const row = await this.database.get(
      `look up package base ${base}`,
      'SELECT 1 FROM package_bases WHERE repository = $repository AND package_base = $base',
      { $repository: this.repository.id, $base: base },
    );
    if (row === undefined) {
      throw new InvalidInputError(`unknown package base '${base}' in repository ${this.repository.id}`);
    }
  }
}

function toPackageRecord(row: PackageRow): PackageRecord {
  return {
    base: row.package_base,
    version: row.version,
    remote: { source: row.source, gitUrl: row.git_url, webUrl: row.web_url, path: row.path, branch: row.branch },
    packager: row.packager,
    packages: {},
  };
}

function toBuildStatus(row: PackageRow): BuildStatus {
  return {
    status: row.status ?? 'unknown',
    timestamp: row.last_updated ?? currentUnixTime(),
    isHeld: row.is_held === 1,
  };
}

/** Only called for rows that have a package name, where the lists are never null. */
function toPackageDescription(row: PackageRow): PackageDescription {
  const list = (value: string[] | null): string[] => value ?? [];
  return {
    architecture: row.architecture,
    archiveSize: row.archive_size,
    buildDate: row.build_date,
    depends: list(row.depends),
    makeDepends: list(row.make_depends),
    optDepends: list(row.opt_depends),
    checkDepends: list(row.check_depends),
    description: row.description,
    filename: row.filename,
    groups: list(row.groups),
    installedSize: row.installed_size,
    licenses: list(row.licenses),
    provides: list(row.provides),
    url: row.url,
  };
}
