import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Database, type OpenOptions } from '../../../src/core/database/connection.js';
import type { PackageDescription, PackageRecord } from '../../../src/models/package-record.js';

const cleanups: Array<() => Promise<void>> = [];

export async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'ahriman-database-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/** A migrated database in a fresh directory, closed by `cleanUp`. */
export async function openTemporaryDatabase(options?: OpenOptions): Promise<Database> {
  const database = await Database.open(path.join(await temporaryDirectory(), 'ahriman.db'), options);
  cleanups.push(() => database.close());
  return database;
}

/** Closes the databases and removes the directories created since the last call, newest first. */
export async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/**
 * Counts the statements sent to the database whose text starts with `prefix` (case-insensitive). Counted when sent,
 * synchronously: the count is complete once the awaited calls have returned.
 */
export function countStatements(database: Database, prefix: string): { readonly count: number; stop(): void } {
  const counter = { count: 0, stop: () => undefined as void };
  counter.stop = database.observeStatements((sql) => {
    if (sql.trimStart().toUpperCase().startsWith(prefix.toUpperCase())) counter.count += 1;
  });
  return counter;
}

export function packageDescription(overrides: Partial<PackageDescription> = {}): PackageDescription {
  return {
    architecture: 'x86_64',
    archiveSize: 1024,
    buildDate: 1_700_000_000,
    depends: ['glibc'],
    makeDepends: ['cmake'],
    optDepends: ['python'],
    checkDepends: [],
    description: 'a test package',
    filename: 'demo-1.0-1-x86_64.pkg.tar.zst',
    groups: [],
    installedSize: 4096,
    licenses: ['MIT'],
    provides: [],
    url: 'https://example.org',
    ...overrides,
  };
}

export function packageRecord(base: string, version: string, names: readonly string[] = [base]): PackageRecord {
  return {
    base,
    version,
    remote: {
      source: 'aur',
      gitUrl: `https://aur.archlinux.org/${base}.git`,
      webUrl: `https://aur.archlinux.org/packages/${base}`,
      path: '.',
      branch: 'master',
    },
    packager: 'Test Packager <test@example.org>',
    packages: Object.fromEntries(
      names.map((name) => [name, packageDescription({ filename: `${name}-${version}-x86_64.pkg.tar.zst` })]),
    ),
  };
}
