/**
 * Purging snapshots, safe to kill at any moment: the snapshots to go are first renamed out of sight (one rename each;
 * no pointer names them), their records deleted, then the pool files that only they linked to are deleted, and last
 * their directories. A purge killed midway leaves renamed directories that the next purge finishes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryState } from '../repository/state.js';
import { referencedPoolFiles } from './references.js';
import { type SnapshotStore, linkedPackageFiles } from './store.js';

export interface PurgeOptions {
  /** The newest snapshots kept whatever their age. */
  keep: number;
  /** Only snapshots older than this many days go (0: any age). */
  olderThanDays: number;
  /** Only say what would go. */
  dryRun: boolean;
}

export interface PurgeOutcome {
  /** Ids of the snapshots removed (or that would be). */
  snapshots: string[];
  /** Pool files (archives and signatures) removed because no remaining snapshot nor repository links to them. */
  files: string[];
}

const logger = getLogger('snapshots');
const DAY_SECONDS = 86_400;

/** The snapshots on disk, oldest first: unrecorded ones (a publish killed before its record) by their modification time. */
async function snapshotsByAge(store: SnapshotStore, state: RepositoryState): Promise<Array<{ id: string; created: number }>> {
  const records = new Map((await state.snapshots.snapshotList()).map((record, position) => [record.id, { position, created: record.created }]));
  const ids = await store.ids();
  const dated = await Promise.all(
    ids.map(async (id) => {
      const record = records.get(id);
      const created = record?.created ?? Math.floor((await fs.stat(store.snapshotDirectory(id))).mtimeMs / 1000);
      return { id, created, position: record?.position ?? -1 };
    }),
  );
  return dated.sort((left, right) => left.position - right.position || left.created - right.created);
}

/** Pool files the snapshot directories link to that nothing else links to (only files under the pool are candidates). */
async function freedFiles(paths: RepositoryPaths, directories: readonly string[], excluding: ReadonlySet<string>): Promise<string[]> {
  const referenced = await referencedPoolFiles(paths, excluding);
  const pool = `${await fs.realpath(paths.archivePackages).catch(() => paths.archivePackages)}${path.sep}`;
  const linked = new Set((await Promise.all(directories.map(linkedPackageFiles))).flat());
  const candidates = [...linked].filter((file) => file.startsWith(pool));
  const kept = await Promise.all(candidates.map((file) => referenced.includes(file)));
  return candidates.filter((_, position) => !kept[position]).sort();
}

/** Deletes the withdrawn snapshot directories (this purge's and a killed one's) and the pool files only they linked to. */
async function finishRemovals(paths: RepositoryPaths, store: SnapshotStore): Promise<string[]> {
  const withdrawn = await store.withdrawn();
  if (withdrawn.length === 0) return [];
  const files = await freedFiles(paths, withdrawn, new Set());
  await Promise.all(files.map((file) => fs.rm(file, { force: true })));
  await Promise.all(withdrawn.map((directory) => fs.rm(directory, { recursive: true, force: true })));
  return files;
}

/**
 * Removes the snapshots no pointer names, beyond the newest `keep` and older than `olderThanDays`, and the pool files
 * that no remaining snapshot (of any repository) nor any served repository links to.
 */
export async function purgeSnapshots(paths: RepositoryPaths, store: SnapshotStore, state: RepositoryState, options: PurgeOptions): Promise<PurgeOutcome> {
  const pointed = new Set((await store.pointers()).values());
  const ordered = await snapshotsByAge(store, state);
  const cutoff = Math.floor(Date.now() / 1000) - options.olderThanDays * DAY_SECONDS;
  const candidates = ordered.slice(0, Math.max(0, ordered.length - options.keep));
  const victims = candidates.filter((item) => !pointed.has(item.id) && item.created <= cutoff).map((item) => item.id);
  if (options.dryRun) {
    const directories = victims.map((id) => store.snapshotDirectory(id));
    return { snapshots: victims, files: await freedFiles(paths, [...directories, ...(await store.withdrawn())], new Set(directories)) };
  }
  for (const id of victims) await store.withdraw(id);
  await state.snapshots.snapshotsRemove(victims);
  await store.removeLeftovers();
  const files = await finishRemovals(paths, store);
  if (victims.length > 0 || files.length > 0) logger.info(`purged ${victims.length} snapshot(s) and ${files.length} pool file(s)`);
  return { snapshots: victims, files };
}
