import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import {
  applyMigrations,
  defaultMigrationsDirectory,
  loadMigrations,
  schemaVersion,
} from '../../../src/core/database/migrations.js';
import { cleanUp, countStatements, openTemporaryDatabase, temporaryDirectory } from './support.js';

afterEach(cleanUp);

async function migrationsDirectory(files: Record<string, string>): Promise<string> {
  const directory = path.join(await temporaryDirectory(), 'migrations');
  await mkdir(directory);
  await addMigrations(directory, files);
  return directory;
}

async function addMigrations(directory: string, files: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(directory, name), sql);
}

async function tables(database: Database): Promise<string[]> {
  const rows = await database.all<{ name: string }>(
    'list tables',
    "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
  );
  return rows.map((row) => row.name);
}

async function databaseFile(): Promise<string> {
  return path.join(await temporaryDirectory(), 'ahriman.db');
}

describe('migrations', () => {
  it('creates the whole schema on a new database and records its version', async () => {
    const database = await openTemporaryDatabase();
    const shipped = await loadMigrations(defaultMigrationsDirectory());
    expect(shipped[0]?.name).toBe('0001_initial');
    expect(await schemaVersion(database)).toBe(shipped.length);
    expect(await tables(database)).toEqual([
      'archive_metadata',
      'auditlog',
      'build_queue',
      'build_records',
      'distributed_runs',
      'history_changes',
      'history_latest',
      'history_runs',
      'logs',
      'package_bases',
      'package_changes',
      'package_dependencies',
      'package_statuses',
      'packages',
      'patches',
      'publish_journal',
      'rebuild_queue',
      'snapshot_votes',
      'snapshots',
      'status_receipts',
      'status_spool',
      'users',
    ]);
  });

  it('applies nothing again to an up-to-date database and does not take the write lock for it', async () => {
    const file = await databaseFile();
    const database = await Database.open(file);
    await database.run('add a user', "INSERT INTO users (username, access) VALUES ('admin', 'full')");
    const version = await schemaVersion(database);
    await database.close();

    const reopened = await Database.open(file);
    const begins = countStatements(reopened, 'BEGIN');
    await applyMigrations(reopened);
    expect(begins.count).toBe(0);
    await reopened.transaction(async () => undefined);
    expect(begins.count).toBe(1); // the counter does see a transaction
    expect(await schemaVersion(reopened)).toBe(version);
    expect(await reopened.get('read the user', 'SELECT username FROM users')).toEqual({ username: 'admin' });
    await reopened.close();
  });

  it('applies only the pending migrations, in order', async () => {
    const directory = await migrationsDirectory({
      '0002_second.sql': 'INSERT INTO steps VALUES (2);',
      '0001_first.sql': 'CREATE TABLE steps (step INTEGER); INSERT INTO steps VALUES (1);',
    });
    const file = await databaseFile();
    const database = await Database.open(file, { migrationsDirectory: directory });
    expect(await schemaVersion(database)).toBe(2);

    await addMigrations(directory, { '0003_third.sql': 'INSERT INTO steps VALUES (3);' });
    await applyMigrations(database, directory);
    expect(await schemaVersion(database)).toBe(3);
    expect(await database.all('read steps', 'SELECT step FROM steps')).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
    await database.close();
  });

  it('rolls back every pending migration when one fails, naming it', async () => {
    const directory = await migrationsDirectory({
      '0001_first.sql': 'CREATE TABLE first (value INTEGER);',
    });
    const file = await databaseFile();
    await (await Database.open(file, { migrationsDirectory: directory })).close();

    await addMigrations(directory, {
      '0002_second.sql': 'CREATE TABLE second (value INTEGER); INSERT INTO first VALUES (1);',
      '0003_broken.sql': 'CREATE TABLE third (value INTEGER); INSERT INTO missing VALUES (1);',
    });
    await expect(Database.open(file, { migrationsDirectory: directory })).rejects.toThrow(
      'cannot apply migration 0003_broken: SQLITE_ERROR: no such table: missing ' +
        `(nothing applied: ${file} stays at schema version 1)`,
    );

    const database = await Database.open(file, { migrate: false });
    expect(await schemaVersion(database)).toBe(1);
    expect(await tables(database)).toEqual(['first']);
    expect(await database.all('read first', 'SELECT * FROM first')).toEqual([]);
    await database.close();
  });

  describe('with rows referring to other tables', () => {
    /** A database with the shipped initial schema and one package with a status. */
    async function databaseWithPackage(): Promise<{ file: string; directory: string }> {
      const initial = await readFile(path.join(defaultMigrationsDirectory(), '0001_initial.sql'), 'utf8');
      const directory = await migrationsDirectory({ '0001_initial.sql': initial });
      const file = await databaseFile();
      const database = await Database.open(file, { migrationsDirectory: directory });
      await database.exec(
        'add a package',
        `INSERT INTO package_bases (repository, package_base, version, source) VALUES ('x86_64-a', 'demo', '1-1', 'aur');
         INSERT INTO package_statuses (repository, package_base, status, last_updated)
         VALUES ('x86_64-a', 'demo', 'success', 1)`,
      );
      await database.close();
      return { file, directory };
    }

    it('lets a migration rebuild a table without deleting the rows that refer to it', async () => {
      const { file, directory } = await databaseWithPackage();
      await addMigrations(directory, {
        '0002_rebuild.sql': `
          CREATE TABLE package_bases_new (
            repository TEXT NOT NULL, package_base TEXT NOT NULL, version TEXT NOT NULL, source TEXT NOT NULL,
            git_url TEXT, web_url TEXT, path TEXT, branch TEXT, packager TEXT, comment TEXT,
            PRIMARY KEY (repository, package_base)
          ) STRICT;
          INSERT INTO package_bases_new SELECT *, NULL FROM package_bases;
          DROP TABLE package_bases;
          ALTER TABLE package_bases_new RENAME TO package_bases;`,
      });
      const database = await Database.open(file, { migrationsDirectory: directory });
      expect(await database.all('read statuses', 'SELECT package_base, status FROM package_statuses')).toEqual([
        { package_base: 'demo', status: 'success' },
      ]);
      expect(await database.get('read the pragma', 'PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
      await database.close();
    });

    it('rolls back migrations that leave rows referring to missing rows', async () => {
      const { file, directory } = await databaseWithPackage();
      await addMigrations(directory, { '0002_orphans.sql': 'DELETE FROM package_bases;' });
      await expect(Database.open(file, { migrationsDirectory: directory })).rejects.toThrow(
        'migrations left 1 rows referring to missing rows (package_statuses -> package_bases)',
      );
      const database = await Database.open(file, { migrate: false });
      expect(await schemaVersion(database)).toBe(1);
      expect(await database.get('count bases', 'SELECT count(*) AS bases FROM package_bases')).toEqual({ bases: 1 });
      await database.close();
    });
  });

  it('refuses a database written by a newer version', async () => {
    const file = await databaseFile();
    const newer = await migrationsDirectory({ '0001_a.sql': 'CREATE TABLE a (x INTEGER);', '0002_b.sql': '' });
    await (await Database.open(file, { migrationsDirectory: newer })).close();

    const older = await migrationsDirectory({ '0001_a.sql': 'CREATE TABLE a (x INTEGER);' });
    await expect(Database.open(file, { migrationsDirectory: older })).rejects.toThrow(
      `database ${file} has schema version 2, newer than the 1 this ahriman knows`,
    );
  });

  it('refuses badly named or numbered migration files', async () => {
    const gap = await migrationsDirectory({ '0001_a.sql': '', '0003_c.sql': '' });
    await expect(loadMigrations(gap)).rejects.toThrow('without gaps: expected 0002, found 0003_c');

    const badName = await migrationsDirectory({ '1-initial.sql': '' });
    await expect(loadMigrations(badName)).rejects.toThrow('invalid migration file name 1-initial.sql');

    const missing = path.join(await temporaryDirectory(), 'none');
    await expect(loadMigrations(missing)).rejects.toThrow(`cannot read migrations from ${missing}`);
  });

  it('ignores files that are not SQL', async () => {
    const directory = await migrationsDirectory({ '0001_a.sql': 'SELECT 1;', 'README.md': 'notes' });
    expect((await loadMigrations(directory)).map((migration) => migration.name)).toEqual(['0001_a']);
  });
});
