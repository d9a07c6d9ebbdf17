import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { POINTER_NAME, SNAPSHOT_ID } from '../../models/snapshot.js';
import { type RepositoryEntry, databaseFiles, replaceSymlink } from '../alpm/repository-database.js';
import { isPackageFileName } from '../alpm/validation.js';
import { FILE_OPERATIONS_CONCURRENCY, defaultConcurrency, mapLimit } from '../concurrency.js';
import { InvalidInputError } from '../errors.js';

/** Where mirrors (rsync, S3) keep the snapshots: `<mirror of the repository>/snapshots/`. */
export const SNAPSHOTS_DIRECTORY = 'snapshots';

/** A snapshot being assembled: complete only once renamed to its id. */
const ASSEMBLING = '.new-';
/** A snapshot being purged: renamed away from its id first, so nothing finds it half deleted. */
export const PURGING = '.gone-';

/** The database files of a repository directory, as pacman reads them: `<repo>.db.tar.gz` ... and their `.sig`. */
function databaseNames(repository: string): string[] {
  const { database, files } = databaseFiles('', repository);
  return [database, files, `${database}.sig`, `${files}.sig`];
}

/**
 * The file side of snapshots, `snapshots/<repo>/<arch>/`: each snapshot `<id>/` holds the database files of one
 * published generation (hard links: the served generation is never written again) and relative links into the
 * archive pool, like the served directory; each pointer `<name>` is a relative link `-> <id>`, replaced at one rename.
 * A snapshot directory appears complete at one rename, and is renamed away before it is deleted.
 */
export class SnapshotStore {
  constructor(private readonly paths: RepositoryPaths) {}

  get directory(): string {
    return this.paths.snapshots;
  }

  snapshotDirectory(id: string): string {
    return path.join(this.directory, id);
  }

  /**
   * Makes the snapshot of what the served repository lists now (`entries`, right after a commit) and returns its id,
   * the first 12 hex digits of the sha256 of its database. A snapshot of the same database that exists already is
   * kept as it is (snapshots are immutable).
   */
  async create(entries: readonly RepositoryEntry[]): Promise<string> {
    await fs.mkdir(this.directory, { recursive: true });
    const assembling = path.join(this.directory, `${ASSEMBLING}${randomBytes(6).toString('hex')}`);
    await fs.mkdir(assembling);
    try {
      const repository = this.paths.repositoryId.name;
      for (const name of databaseNames(repository)) {
        const served = await fs.realpath(path.join(this.paths.repository, name)).catch(() => undefined);
        if (served === undefined) continue;
        await fs.link(served, path.join(assembling, name)).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EXDEV') throw error;
          await fs.copyFile(served, path.join(assembling, name));
        });
        await fs.symlink(name, path.join(assembling, name.replace('.tar.gz', '')));
      }
      const { database } = databaseFiles(assembling, repository);
      const id = createHash('sha256').update(await fs.readFile(database)).digest('hex').slice(0, 12);
      await mapLimit(entries, defaultConcurrency(), async (entry) => {
        const pooled = path.join(this.paths.archiveFor(entry.base), entry.fileName);
        const target = path.relative(this.snapshotDirectory(id), pooled);
        await fs.symlink(target, path.join(assembling, entry.fileName));
        if (existsSync(`${pooled}.sig`)) await fs.symlink(`${target}.sig`, path.join(assembling, `${entry.fileName}.sig`));
      });
      if (!existsSync(this.snapshotDirectory(id))) await fs.rename(assembling, this.snapshotDirectory(id));
      return id;
    } finally {
      await fs.rm(assembling, { recursive: true, force: true });
    }
  }

  /** Ids of the complete snapshots on disk. */
  async ids(): Promise<string[]> {
    const names = await fs.readdir(this.directory).catch(() => [] as string[]);
    return names.filter((name) => SNAPSHOT_ID.test(name));
  }

  exists(id: string): boolean {
    return SNAPSHOT_ID.test(id) && existsSync(this.snapshotDirectory(id));
  }

  /** Every pointer and the snapshot id it names. */
  async pointers(): Promise<Map<string, string>> {
    const names = (await fs.readdir(this.directory).catch(() => [] as string[])).filter((name) => POINTER_NAME.test(name) && !SNAPSHOT_ID.test(name));
    const pointers = new Map<string, string>();
    for (const name of names.sort()) {
      const target = await fs.readlink(path.join(this.directory, name)).catch(() => undefined);
      if (target !== undefined) pointers.set(name, target);
    }
    return pointers;
  }

  /** Points `name` at snapshot `id` with one rename: a reader follows either the old or the new link. */
  async movePointer(name: string, id: string): Promise<void> {
    if (!POINTER_NAME.test(name) || SNAPSHOT_ID.test(name)) throw new InvalidInputError(`'${name}' is no pointer name (lower case letters, digits, - and _)`);
    if (!this.exists(id)) throw new InvalidInputError(`no snapshot ${id} in ${this.directory}`);
    await replaceSymlink(path.join(this.directory, name), id);
  }

  /**
   * Takes a snapshot out of sight (one rename to `.gone-<id>-<hex>`) for {@link finishRemovals} to delete; the
   * caller makes sure no pointer names it.
   */
  async withdraw(id: string): Promise<void> {
    await fs.rename(this.snapshotDirectory(id), path.join(this.directory, `${PURGING}${id}-${randomBytes(4).toString('hex')}`));
  }

  /** Directories of withdrawn snapshots not yet deleted (also those a killed purge left). */
  async withdrawn(): Promise<string[]> {
    const names = await fs.readdir(this.directory).catch(() => [] as string[]);
    return names.filter((name) => name.startsWith(PURGING)).map((name) => path.join(this.directory, name));
  }

  /** Deletes what killed runs left: snapshots half assembled and temporary pointer links. */
  async removeLeftovers(): Promise<void> {
    const names = await fs.readdir(this.directory).catch(() => [] as string[]);
    const leftovers = names.filter((name) => name.startsWith(ASSEMBLING) || /^\..+\.[0-9a-f]{12}\.tmp$/.test(name));
    await Promise.all(leftovers.map((name) => fs.rm(path.join(this.directory, name), { recursive: true, force: true })));
  }
}

/** What `resolve` makes of each package file (and signature) of `directory`, leaving out those it finds nothing for. */
export async function mapPackageFiles(directory: string, resolve: (file: string) => Promise<string | undefined>): Promise<string[]> {
  const names = (await fs.readdir(directory).catch(() => [] as string[])).filter((name) => isPackageFileName(name, { signatures: true }));
  const resolved = await mapLimit(names, FILE_OPERATIONS_CONCURRENCY, (name) => resolve(path.join(directory, name)));
  return resolved.filter((value): value is string => value !== undefined);
}

/** Real paths of the package files (and signatures) that the links of `directory` resolve to. */
export function linkedPackageFiles(directory: string): Promise<string[]> {
  return mapPackageFiles(directory, (file) => fs.realpath(file).catch(() => undefined));
}
