import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { PURGING, linkedPackageFiles } from './store.js';

async function subdirectories(directory: string): Promise<string[]> {
  const entries: Dirent[] = await fs.readdir(directory, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(directory, entry.name));
}

/** `<top>/<repo>/<arch>/` of every repository under the root. */
async function perRepository(top: string): Promise<string[]> {
  return (await Promise.all((await subdirectories(top)).map(subdirectories))).flat();
}

/**
 * Real paths of the pool files (archives and signatures) that something may still serve: the links of every served
 * directory `repository/<repo>/<arch>/` under the root (including links an interrupted publish left) and of every
 * snapshot of every repository, also those being assembled. Snapshots being purged do not count, nor the snapshot
 * directories in `excluding` (those a dry run would purge).
 */
export async function referencedPoolFiles(paths: RepositoryPaths, excluding: ReadonlySet<string> = new Set()): Promise<Set<string>> {
  const served = await perRepository(path.join(paths.root, 'repository'));
  const snapshots = (await Promise.all((await perRepository(path.join(paths.root, 'snapshots'))).map(subdirectories))).flat();
  const directories = [...served, ...snapshots.filter((directory) => !path.basename(directory).startsWith(PURGING) && !excluding.has(directory))];
  return new Set((await Promise.all(directories.map(linkedPackageFiles))).flat());
}
