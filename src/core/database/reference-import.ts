/**
 * `service-import`: brings the state of a Python ahriman installation over from its SQLite database (reference
 * schema after its migration 18): package bases, statuses and holds, package rows, the build queue, patches, users
 * (their bcrypt hashes stay valid), build logs, the audit log, changes and implicit dependencies. The file tree is
 * already the same. The reference database is attached read-only in spirit (only SELECTs) and copied over in one
 * transaction with INSERT ... SELECT, converting what differs: NULL lists become `[]`, patches stored as blobs become
 * text, events we do not know are left out, and the queued records are rebuilt from the imported rows.
 */
import { existsSync } from 'node:fs';
import { InvalidInputError } from '../errors.js';
import { RepositoryId } from '../../models/repository-id.js';
import type { Database } from './connection.js';
import { BuildQueueOperations } from './operations/build-queue.js';
import { PackageOperations } from './operations/packages.js';

/** The reference's migration count this importer reads (`PRAGMA user_version`). */
const REFERENCE_SCHEMA_VERSION = 18;
const KNOWN_EVENTS = [
  'build-log', 'package-held', 'package-outdated', 'package-removed', 'package-status-changed',
  'package-update-failed', 'package-updated', 'service-status-changed',
];

export interface ImportCounts {
  packageBases: number;
  packages: number;
  statuses: number;
  queued: number;
  patches: number;
  users: number;
  logs: number;
  events: number;
  changes: number;
  dependencies: number;
}

const list = (column: string): string => `coalesce(json(nullif(${column}, 'null')), '[]')`;

/** One statement per table: what it copies, and how the reference's columns become ours. */
const STATEMENTS: Array<[keyof ImportCounts, string]> = [
  ['packageBases', `INSERT OR REPLACE INTO package_bases (repository, package_base, version, source, git_url, web_url, path, branch, packager)
    SELECT repository, package_base, version, coalesce(source, 'local'), git_url, web_url, path, branch, packager FROM reference.package_bases`],
  ['statuses', `INSERT OR REPLACE INTO package_statuses (repository, package_base, status, last_updated, is_held)
    SELECT s.repository, s.package_base, s.status, CAST(s.last_updated AS INTEGER), coalesce(s.is_held, 0)
    FROM reference.package_statuses s JOIN reference.package_bases b ON b.repository = s.repository AND b.package_base = s.package_base`],
  ['packages', `INSERT OR REPLACE INTO packages (repository, package, package_base, architecture, archive_size, build_date, depends, make_depends,
      opt_depends, check_depends, description, filename, "groups", installed_size, licenses, provides, url)
    SELECT p.repository, p.package, p.package_base, p.architecture, CAST(p.archive_size AS INTEGER), CAST(p.build_date AS INTEGER),
      ${list('p.depends')}, ${list('p.make_depends')}, ${list('p.opt_depends')}, ${list('p.check_depends')}, p.description, p.filename,
      ${list('p."groups"')}, CAST(p.installed_size AS INTEGER), ${list('p.licenses')}, ${list('p.provides')}, p.url
    FROM reference.packages p JOIN reference.package_bases b ON b.repository = p.repository AND b.package_base = p.package_base`],
  ['patches', `INSERT OR REPLACE INTO patches (package_base, variable, patch)
    SELECT package_base, nullif(variable, ''), CAST(patch AS TEXT) FROM reference.patches`],
  ['users', `INSERT OR REPLACE INTO users (username, access, password, packager_id, key_id)
    SELECT lower(username), access, coalesce(password, ''), packager_id, key_id FROM reference.users`],
  ['logs', `INSERT INTO logs (repository, package_base, version, process_id, created, message)
    SELECT repository, package_base, coalesce(version, ''), coalesce(process_id, ''), created, coalesce(message, '')
    FROM reference.logs ORDER BY created, rowid`],
  ['events', `INSERT INTO auditlog (created, repository, event, object_id, message, data)
    SELECT CAST(created AS INTEGER), repository, event, object_id, message, coalesce(json(nullif(data, 'null')), '{}')
    FROM reference.auditlog WHERE event IN (SELECT value FROM json_each('${JSON.stringify(KNOWN_EVENTS)}')) ORDER BY created, rowid`],
  ['changes', `INSERT OR REPLACE INTO package_changes (repository, package_base, last_commit_sha, changes, pkgbuild)
    SELECT repository, package_base, last_commit_sha, changes, pkgbuild FROM reference.package_changes WHERE last_commit_sha <> ''`],
  ['dependencies', `INSERT OR REPLACE INTO package_dependencies (repository, package_base, dependencies)
    SELECT repository, package_base, coalesce(json(nullif(dependencies, 'null')), '{}') FROM reference.package_dependencies`],
];

/**
 * Copies the reference database `file` into `database`. Throws naming the problem when `file` is missing or not a
 * reference database of the expected schema; nothing is imported then.
 */
export async function importReferenceDatabase(database: Database, file: string): Promise<ImportCounts> {
  if (!existsSync(file)) throw new InvalidInputError(`${file} does not exist`);
  await database.run(`attach ${file}`, 'ATTACH DATABASE $file AS reference', { $file: file });
  try {
    const version = (await database.get<{ user_version: number }>('read the reference schema version', 'PRAGMA reference.user_version'))?.user_version ?? 0;
    if (version < REFERENCE_SCHEMA_VERSION) {
      throw new InvalidInputError(`${file} is not an ahriman database of schema ${REFERENCE_SCHEMA_VERSION} or newer (its user_version is ${version}): run the reference once to migrate it`);
    }
    const counts = {} as ImportCounts;
    await database.transaction(async () => {
      for (const [name, sql] of STATEMENTS) counts[name] = (await database.run(`import ${name}`, sql)).changes;
      // the reference queues its own serialized packages: queue our records of the same bases instead
      const queued = await database.all<{ repository: string; package_base: string }>(
        'read the reference build queue',
        'SELECT q.repository, q.package_base FROM reference.build_queue q JOIN package_bases b ON b.repository = q.repository AND b.package_base = q.package_base',
      );
      for (const row of queued) {
        const repositoryId = RepositoryId.parse(row.repository);
        const [known] = await new PackageOperations(database, repositoryId).listPackages(row.package_base);
        if (known) await new BuildQueueOperations(database, repositoryId).queueInsert(known.package);
      }
      counts.queued = queued.length;
    });
    return counts;
  } finally {
    await database.run(`detach ${file}`, 'DETACH DATABASE reference');
  }
}
