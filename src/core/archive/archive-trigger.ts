/**
 * Daily snapshots of a repository, `archive/repos/YYYY/MM/DD/<repo>/<arch>/`: what the repository served after the
 * last run of that day, as relative links to the archived package files plus a database of its own, so that pacman
 * can be pointed at any past day (`Server = file:///var/lib/ahriman/archive/repos/2025/01/31/$repo/$arch`).
 *
 * Archive rotation deletes files that old snapshots still list; at the end of each run those snapshots lose the
 * packages that are gone, and a past snapshot left with nothing is removed.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { type FileSigner, type RepositoryEntry, databaseFiles, writeRepositoryDatabase } from '../alpm/repository-database.js';
import { readSyncDatabase } from '../alpm/sync-database.js';
import { isPackageFileName } from '../alpm/validation.js';
import { temporarySibling } from '../atomic-file.js';
import { getLogger } from '../log/logger.js';
import { loadSigners } from '../repository/services.js';
import type { TriggerFactory } from '../triggers/trigger.js';

/** Signs snapshot databases as the repository's own are signed; loaded only when a database is written. */
export type SnapshotSigner = () => Promise<FileSigner | undefined>;

const logger = getLogger('archive');

const twoDigits = (value: number): string => String(value).padStart(2, '0');

/** The snapshot directory of a day (local time) for this repository. */
export function snapshotDirectory(paths: RepositoryPaths, day: Date): string {
  const { name, architecture } = paths.repositoryId;
  return path.join(paths.archiveSnapshots, String(day.getFullYear()), twoDigits(day.getMonth() + 1), twoDigits(day.getDate()), name, architecture);
}

async function linkTo(link: string, target: string): Promise<void> {
  const relative = path.relative(path.dirname(link), target);
  if ((await fs.readlink(link).catch(() => undefined)) === relative) return;
  const temporary = temporarySibling(link);
  await fs.symlink(relative, temporary);
  await fs.rename(temporary, link);
}

/**
 * Makes the day's snapshot list exactly `entries` (the packages the repository serves): links to their archived
 * files and signatures first, then the database, then links of packages an earlier run of the day left are removed.
 */
export async function writeSnapshot(paths: RepositoryPaths, entries: readonly RepositoryEntry[], day: Date, signer: SnapshotSigner): Promise<string> {
  const directory = snapshotDirectory(paths, day);
  await fs.mkdir(directory, { recursive: true });
  const linked = new Set<string>();
  for (const entry of entries) {
    const stored = path.join(paths.archiveFor(entry.base), entry.fileName);
    for (const name of existsSync(`${stored}.sig`) ? [entry.fileName, `${entry.fileName}.sig`] : [entry.fileName]) {
      await linkTo(path.join(directory, name), path.join(path.dirname(stored), name));
      linked.add(name);
    }
  }
  await writeRepositoryDatabase(directory, paths.repositoryId.name, entries, await signer());
  for (const name of await fs.readdir(directory)) {
    if (isPackageFileName(name, { signatures: true }) && !linked.has(name)) await fs.rm(path.join(directory, name), { force: true });
  }
  return directory;
}

async function subdirectories(directory: string): Promise<string[]> {
  const entries = await fs.readdir(directory, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(directory, entry.name));
}

/** Every snapshot directory of this repository, oldest first. */
async function snapshotDirectories(paths: RepositoryPaths): Promise<string[]> {
  const { name, architecture } = paths.repositoryId;
  const result: string[] = [];
  for (const year of (await subdirectories(paths.archiveSnapshots)).sort()) {
    for (const month of (await subdirectories(year)).sort()) {
      for (const day of (await subdirectories(month)).sort()) {
        const directory = path.join(day, name, architecture);
        if (existsSync(directory)) result.push(directory);
      }
    }
  }
  return result;
}

/** Removes `directory` and then each parent that is left empty, up to (not including) `stop`. */
async function removeWithEmptyParents(directory: string, stop: string): Promise<void> {
  await fs.rm(directory, { recursive: true, force: true });
  for (let parent = path.dirname(directory); parent.startsWith(`${stop}${path.sep}`); parent = path.dirname(parent)) {
    if ((await fs.readdir(parent)).length > 0) return;
    await fs.rmdir(parent);
  }
}

/**
 * Drops, from every snapshot of this repository, the packages whose archived files are gone (their links are
 * broken), rewriting the snapshot's database. A past snapshot left with no package is removed; today's stays.
 * Returns the snapshot directories changed or removed.
 */
export async function pruneSnapshots(paths: RepositoryPaths, today: Date, signer: SnapshotSigner): Promise<string[]> {
  const current = snapshotDirectory(paths, today);
  const pruned: string[] = [];
  for (const directory of await snapshotDirectories(paths)) {
    const names = await fs.readdir(directory);
    const broken = new Set(names.filter((name) => isPackageFileName(name) && !existsSync(path.join(directory, name))));
    if (broken.size === 0) continue;
    pruned.push(directory);
    const { files } = databaseFiles(directory, paths.repositoryId.name);
    const entries = existsSync(files) ? await readSyncDatabase(files) : [];
    const remaining = entries.filter((entry) => !broken.has(entry.fileName)).map((entry) => ({ ...entry, files: entry.files ?? [] }));
    if (remaining.length === 0 && directory !== current) {
      await removeWithEmptyParents(directory, paths.archiveSnapshots);
      continue;
    }
    await writeRepositoryDatabase(directory, paths.repositoryId.name, remaining, await signer());
    for (const name of broken) {
      await fs.rm(path.join(directory, name), { force: true });
      await fs.rm(path.join(directory, `${name}.sig`), { force: true });
    }
  }
  if (pruned.length > 0) logger.info(`dropped packages no longer archived from ${pruned.length} snapshot(s)`);
  return pruned;
}

/** The `archive` trigger: today's snapshot after every run, pruning of the snapshots at the end. */
export const archiveTrigger: TriggerFactory = {
  name: 'archive',
  create({ configuration, paths }) {
    let signers: ReturnType<typeof loadSigners> | undefined;
    const signer: SnapshotSigner = async () => (await (signers ??= loadSigners(configuration))).repository;
    return {
      name: 'archive',
      async onResult(_result, packages) {
        await writeSnapshot(paths, packages, new Date(), signer);
      },
      async onStop() {
        await pruneSnapshots(paths, new Date(), signer);
      },
    };
  },
};
