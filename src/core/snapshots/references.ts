import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { isPackageFileName } from '../alpm/validation.js';
import { FILE_OPERATIONS_CONCURRENCY, mapLimit } from '../concurrency.js';
import { PURGING } from './store.js';

async function subdirectories(directory: string): Promise<string[]> {
  const entries: Dirent[] = await fs.readdir(directory, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(directory, entry.name));
}

/** `<top>/<repo>/<arch>/` of every repository under the root. */
async function perRepository(top: string): Promise<string[]> {
  return (await Promise.all((await subdirectories(top)).map(subdirectories))).flat();
}

/** What names a file whatever the path to it: device and inode (a hard link to it and a symbolic link to it give the same). */
export async function fileIdentity(file: string): Promise<string | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat ? `${stat.dev}:${stat.ino}` : undefined;
}

/** Identities of the package files (and signatures) the names of `directory` lead to. */
async function packageFileIdentities(directory: string): Promise<string[]> {
  const names = (await fs.readdir(directory).catch(() => [] as string[])).filter((name) => isPackageFileName(name, { signatures: true }));
  const identities = await mapLimit(names, FILE_OPERATIONS_CONCURRENCY, (name) => fileIdentity(path.join(directory, name)));
  return identities.filter((identity): identity is string => identity !== undefined);
}

/**
 * Identities ({@link fileIdentity}) of the pool files (archives and signatures) that something may still serve: the
 * files of every served directory `repository/<repo>/<arch>/` under the root (hard links into the pool, or symbolic
 * links of the layout before; including those an interrupted publish left) and the links of every snapshot of every
 * repository, also those being assembled. Snapshots being purged do not count, nor the snapshot directories in
 * `excluding` (those a dry run would purge).
 */
export async function referencedPoolFiles(paths: RepositoryPaths, excluding: ReadonlySet<string> = new Set()): Promise<Set<string>> {
  const served = await perRepository(path.join(paths.root, 'repository'));
  const snapshots = (await Promise.all((await perRepository(path.join(paths.root, 'snapshots'))).map(subdirectories))).flat();
  const directories = [...served, ...snapshots.filter((directory) => !path.basename(directory).startsWith(PURGING) && !excluding.has(directory))];
  return new Set((await Promise.all(directories.map(packageFileIdentities))).flat());
}
