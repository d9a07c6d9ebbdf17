import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { packageRoot } from '../package-root.js';

/**
 * Schema migrations are plain SQL files `NNNN_name.sql`, numbered from 0001 without gaps. `PRAGMA user_version`
 * holds the number of the last one applied. Pending migrations are applied together in one transaction, so a
 * failure leaves the database exactly as it was. A migration must not contain BEGIN/COMMIT itself.
 */
export interface Migration {
  version: number;
  /** File name without `.sql`, e.g. `0001_initial`. */
  name: string;
  /** Reads its SQL: only pending migrations are read, so opening an up-to-date database reads no file. */
  sql: () => Promise<string>;
}

const MIGRATION_FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const logger = getLogger('database');

export function defaultMigrationsDirectory(): string {
  return path.join(packageRoot(), 'migrations');
}

/** Reads the migrations of `directory`, sorted by number; files not ending in `.sql` are ignored. */
export async function loadMigrations(directory: string): Promise<Migration[]> {
  let fileNames: string[];
  try {
    fileNames = await readdir(directory);
  } catch (error) {
    throw new DatabaseError(`cannot read migrations from ${directory}: ${errorMessage(error)}`);
  }
  const migrations: Migration[] = [];
  for (const fileName of fileNames.filter((name) => name.endsWith('.sql')).sort()) {
    const match = MIGRATION_FILE_NAME.exec(fileName);
    if (!match) {
      throw new DatabaseError(`invalid migration file name ${fileName} in ${directory}: expected NNNN_name.sql`);
    }
    const file = path.join(directory, fileName);
    migrations.push({ version: Number(match[1]), name: fileName.slice(0, -'.sql'.length), sql: () => readFile(file, 'utf8') });
  }
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      const expected = String(index + 1).padStart(4, '0');
      throw new DatabaseError(
        `migrations in ${directory} must be numbered from 0001 without gaps: ` +
          `expected ${expected}, found ${migration.name}`,
      );
    }
  });
  return migrations;
}

/** What migrating needs of a connection (declared here: the connection applies migrations when it opens). */
export interface MigratedConnection {
  readonly path: string;
  get<Row>(purpose: string, sql: string): Promise<Row | undefined>;
  all<Row>(purpose: string, sql: string): Promise<Row[]>;
  exec(purpose: string, sql: string): Promise<void>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** Number of the last migration applied to the database (0 for a new one). */
export async function schemaVersion(database: MigratedConnection): Promise<number> {
  const row = await database.get<{ user_version: number }>('read the schema version', 'PRAGMA user_version');
  return row?.user_version ?? 0;
}

/** Brings the schema up to date; refuses a database written by a newer ahriman. */
export async function applyMigrations(database: MigratedConnection, directory = defaultMigrationsDirectory()): Promise<void> {
  const migrations = await loadMigrations(directory);
  const pendingFrom = (version: number): Migration[] => {
    if (version > migrations.length) {
      throw new DatabaseError(
        `database ${database.path} has schema version ${version}, newer than the ${migrations.length} this ahriman ` +
          'knows: upgrade ahriman instead of running an older one',
      );
    }
    return migrations.slice(version);
  };
  // Checked before taking the write lock, so opening an up-to-date database never waits for other writers.
  if (pendingFrom(await schemaVersion(database)).length === 0) return;

  // Foreign keys are off while migrating, as SQLite advises for rebuilding a table: dropping the old copy must not
  // cascade into the rows that refer to it. The pragma has no effect inside a transaction, hence out here; the
  // result is checked before the commit instead.
  await database.exec('turn off foreign keys for migrating', 'PRAGMA foreign_keys = OFF');
  try {
    await database.transaction(async () => {
      // Read again under the lock: another process may have migrated in the meantime.
      const current = await schemaVersion(database);
      const pending = pendingFrom(current);
      const fail = (reason: string, cause?: unknown): never => {
        throw new DatabaseError(`${reason} (nothing applied: ${database.path} stays at schema version ${current})`, {
          cause,
        });
      };
      for (const migration of pending) {
        await database.exec(`apply migration ${migration.name}`, await migration.sql()).catch((error: unknown) => {
          fail(errorMessage(error), error);
        });
      }
      const violations = await database.all<{ table: string; parent: string }>(
        'check foreign keys after migrating',
        'PRAGMA foreign_key_check',
      );
      if (violations.length > 0) {
        const pairs = [...new Set(violations.map((violation) => `${violation.table} -> ${violation.parent}`))];
        fail(`migrations left ${violations.length} rows referring to missing rows (${pairs.join(', ')})`);
      }
      await database.exec('record the schema version', `PRAGMA user_version = ${migrations.length}`);
      if (pending.length > 0) {
        const names = pending.map((migration) => migration.name).join(', ');
        logger.info(`database ${database.path}: applied migrations ${names}`);
      }
    });
  } finally {
    await database.exec('turn foreign keys back on', 'PRAGMA foreign_keys = ON');
  }
}
