/**
 * repo-backup / repo-restore: a tar (gzip) of what cannot be rebuilt — the configuration files, the state database,
 * the PKGBUILD caches and the repository owner's gpg keyring — stored with paths relative to `/`, and its safe
 * extraction. Archives are written and read with node-tar (a well-kept implementation of the format); every entry
 * is checked before anything is written, so a hostile archive (absolute paths, `..`, links leading out of the
 * target) is refused whole.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { Database } from '../database/connection.js';
import { InvalidInputError } from '../errors.js';
import { run } from '../process.js';

const MAX_PROBLEMS_SHOWN = 5;

export interface BackupSources {
  /** Configuration files read (the main file and its includes). */
  configurationFiles: readonly string[];
  database: string;
  /** Further directories (caches, keyring), archived when they exist. */
  directories: readonly string[];
}

/** The home directory of the user owning `directory` (where its `.gnupg` is), from the passwd database. */
export async function ownerHome(directory: string): Promise<string | undefined> {
  if (!existsSync(directory)) return undefined;
  const result = await run('getent', ['passwd', String(statSync(directory).uid)], { allowFailure: true });
  const home = result.code === 0 ? result.stdout.trim().split(':')[5] : undefined;
  return home || undefined;
}

/** Writes the backup to `file`. The database is checkpointed first, so its main file holds every transaction. */
export async function writeBackup(sources: BackupSources, file: string): Promise<string[]> {
  if (existsSync(sources.database)) {
    const database = await Database.open(sources.database, { migrate: false });
    try {
      await database.exec('checkpoint the database before the backup', 'PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      await database.close();
    }
  }
  const entries = [...sources.configurationFiles, sources.database, ...sources.directories]
    .filter((entry) => existsSync(entry))
    .map((entry) => path.relative('/', path.resolve(entry)));
  await tar.create({ file, gzip: true, cwd: '/', portable: false }, [...new Set(entries)]);
  return entries;
}

/** Why an entry may not be extracted into `target`, or undefined when it is fine. */
function entryProblem(entry: tar.ReadEntry, target: string): string | undefined {
  const name = entry.path;
  if (path.isAbsolute(name)) return 'absolute path';
  const destination = path.resolve(target, name);
  const inside = (candidate: string): boolean => {
    const relative = path.relative(target, candidate);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  if (name.split('/').includes('..') || !inside(destination)) return 'path leaves the target directory';
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const linkpath = entry.linkpath ?? '';
    if (path.isAbsolute(linkpath)) return `${entry.type === 'Link' ? 'hard' : 'symbolic'} link to the absolute path ${linkpath}`;
    const resolved = entry.type === 'Link' ? path.resolve(target, linkpath) : path.resolve(path.dirname(destination), linkpath);
    if (!inside(resolved)) return `link to ${linkpath} leaves the target directory`;
  }
  if (!['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link'].includes(entry.type)) return `unsupported entry type ${entry.type}`;
  return undefined;
}

/** Extracts a backup into `target` after checking every entry; throws naming the first bad one, extracting nothing. */
export async function restoreBackup(file: string, target: string): Promise<number> {
  if (!existsSync(file)) throw new InvalidInputError(`backup ${file} does not exist`);
  const root = path.resolve(target);
  const problems: string[] = [];
  let count = 0;
  await tar.list({
    file,
    onReadEntry: (entry) => {
      count += 1;
      const problem = entryProblem(entry, root);
      if (problem) problems.push(`${entry.path}: ${problem}`);
    },
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
    const more = problems.length > MAX_PROBLEMS_SHOWN ? ` (and ${problems.length - MAX_PROBLEMS_SHOWN} more)` : '';
    throw new InvalidInputError(`refusing to restore ${file}: ${shown}${more}`);
  }
  // node-tar's own containment check cannot express "inside /" (it looks for "//"): for the root, rely on the
  // check above, which already refused absolute paths, `..` and links leading out
  await tar.extract({ file, cwd: root, strict: true, preservePaths: root === path.parse(root).root, preserveOwner: process.geteuid?.() === 0 });
  return count;
}
