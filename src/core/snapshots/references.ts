import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { fileIdentity } from '../atomic-file.js';
import { PURGING, mapPackageFiles } from './store.js';

async function subdirectories(directory: string): Promise<string[]> {
  const entries: Dirent[] = await fs.readdir(directory, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(directory, entry.name));
}

/** `<top>/<repo>/<arch>/` of every repository under the root. */
async function perRepository(top: string): Promise<string[]> {
  return (await Promise.all((await subdirectories(top)).map(subdirectories))).flat();
}

/** The pool files something may still serve, by {@link fileIdentity}. */
export class ReferencedFiles {
  constructor(private readonly identities: ReadonlySet<string>) {}

  /** Whether `file` (by any path to it) is one of them; a file that is gone is not. */
  async includes(file: string): Promise<boolean> {
    const identity = await fileIdentity(file);
    return identity !== undefined && this.identities.has(identity);
  }
}

/**
 * The pool files (archives and signatures) that something may still serve: the files of every served directory
 * `repository/<repo>/<arch>/` under the root (hard links into the pool, or symbolic links of the layout before;
 * including those an interrupted publish left) and the links of every snapshot of every repository, also those being
 * assembled. Snapshots being purged do not count, nor the snapshot directories in `excluding` (those a dry run would
 * purge).
 */
export async function referencedPoolFiles(paths: RepositoryPaths, excluding: ReadonlySet<string> = new Set()): Promise<ReferencedFiles> {
  const served = await perRepository(path.join(paths.root, 'repository'));
  const snapshots = (await Promise.all((await perRepository(path.join(paths.root, 'snapshots'))).map(subdirectories))).flat();
  const directories = [...served, ...snapshots.filter((directory) => !path.basename(directory).startsWith(PURGING) && !excluding.has(directory))];
  return new ReferencedFiles(new Set((await Promise.all(directories.map((directory) => mapPackageFiles(directory, fileIdentity)))).flat()));
}
