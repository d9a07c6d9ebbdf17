import fs from 'node:fs/promises';
import path from 'node:path';
import { temporarySibling } from '../atomic-file.js';
import { type RepositoryEntry, readKept, renderDatabases, writeKept } from './database-archives.js';
import { readSyncDatabase } from './sync-database.js';

export type { RepositoryEntry } from './database-archives.js';

/** Signs a file by writing `<file>.sig` next to it. */
export type FileSigner = (file: string) => Promise<void>;

export interface RepositoryDatabaseFiles {
  database: string;
  files: string;
}

/** `<repo>.db.tar.gz` and `<repo>.files.tar.gz` in `directory`: the names pacman's `<repo>.db` links point at. */
export function databaseFiles(directory: string, repository: string): RepositoryDatabaseFiles {
  return {
    database: path.join(directory, `${repository}.db.tar.gz`),
    files: path.join(directory, `${repository}.files.tar.gz`),
  };
}

/**
 * Creates a symbolic link, or replaces one with one rename, so a reader finds either the old or the new target. A
 * new link is created in place: one call instead of three (most links of a publish are new).
 */
export async function replaceSymlink(link: string, target: string): Promise<void> {
  const created = await fs.symlink(target, link).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return false;
    },
  );
  if (created || (await fs.readlink(link).catch(() => undefined)) === target) return;
  const temporary = temporarySibling(link);
  await fs.symlink(target, temporary);
  await fs.rename(temporary, link);
}

/** Hidden directory of database generations `<n>/` and the pointer `current -> <n>` (uploads skip hidden names). */
export const GENERATIONS_DIRECTORY = '.db';
const POINTER = 'current';

/**
 * The entries the database in `directory` lists now, with their file lists: from what the current generation keeps
 * (database-archives.ts) when it keeps them, else (a database written by repo-add or before generations kept it) read
 * from the files database. Empty when there is no database.
 */
export async function readRepositoryEntries(directory: string, repository: string): Promise<RepositoryEntry[]> {
  const { database, files } = databaseFiles(directory, repository);
  const current = path.join(directory, GENERATIONS_DIRECTORY, POINTER, path.basename(files));
  const [served, generation] = await Promise.all([fs.realpath(files).catch(() => undefined), fs.realpath(current).catch(() => undefined)]);
  if (served === undefined) return [];
  // only while the served name still leads to the current generation (repo-add by hand replaces the link)
  const kept = served === generation ? await readKept(path.dirname(served), { database: path.basename(database), files: path.basename(files) }) : undefined;
  if (kept !== undefined) return kept;
  return (await readSyncDatabase(files)).map((entry) => ({ ...entry, files: entry.files ?? [] }));
}

/** The database files of one generation: `<repo>.db.tar.gz`, `<repo>.files.tar.gz` and, when signed, their `.sig`. */
function generationFiles(repository: string, signed: boolean): string[] {
  const archives = [`${repository}.db.tar.gz`, `${repository}.files.tar.gz`];
  return signed ? [...archives, ...archives.map((name) => `${name}.sig`)] : archives;
}

/** The constant names pacman and mirrors read, each with the file of the current generation it resolves to. */
function servedLinks(repository: string, signed: boolean): Array<[string, string]> {
  return generationFiles(repository, signed).flatMap((file): Array<[string, string]> => {
    const target = path.join(GENERATIONS_DIRECTORY, POINTER, file);
    return [
      [file, target],
      [file.replace('.tar.gz', ''), target],
    ];
  });
}

async function generationNumbers(root: string): Promise<number[]> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  return names.filter((name) => /^[0-9]+$/.test(name)).map(Number);
}

/** Whole seconds: pacman and HTTP `If-Modified-Since` compare modification times in whole seconds. */
async function modificationSeconds(file: string): Promise<number | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat ? Math.floor(stat.mtimeMs / 1000) : undefined;
}

/**
 * Points `.db/current` at generation `number` (one rename), then makes every served name a link through it. A
 * served name that is still a regular file (the layout before generations) is replaced by its link with one rename.
 */
async function switchGeneration(directory: string, repository: string, number: number, signed: boolean): Promise<void> {
  await replaceSymlink(path.join(directory, GENERATIONS_DIRECTORY, POINTER), String(number));
  for (const [name, target] of servedLinks(repository, signed)) await replaceSymlink(path.join(directory, name), target);
  if (!signed) {
    for (const [name] of servedLinks(repository, true).filter(([link]) => link.endsWith('.sig'))) await fs.rm(path.join(directory, name), { force: true });
  }
}

/**
 * The layout before generations kept the database files as regular files in the served directory: they become the
 * first generation (hard links, same content), so that the switch to links changes nothing a reader could see.
 */
async function adoptRegularFiles(directory: string, repository: string, root: string): Promise<void> {
  const database = path.join(directory, `${repository}.db.tar.gz`);
  if (!(await fs.lstat(database).catch(() => undefined))?.isFile()) return;
  const number = Math.max(0, ...(await generationNumbers(root))) + 1;
  const generation = path.join(root, String(number));
  await fs.mkdir(generation, { recursive: true });
  const signed = (await fs.lstat(`${database}.sig`).catch(() => undefined))?.isFile() ?? false;
  for (const file of generationFiles(repository, signed)) {
    const source = path.join(directory, file);
    if ((await fs.lstat(source).catch(() => undefined))?.isFile()) await fs.link(source, path.join(generation, file)).catch(() => fs.copyFile(source, path.join(generation, file)));
  }
  await switchGeneration(directory, repository, number, signed);
}

/** Deletes every generation but the current one and `keep` (readers may still be downloading it), and stray temporaries. */
async function pruneGenerations(root: string, keep: string | undefined): Promise<void> {
  const kept = new Set([POINTER, (await fs.readlink(path.join(root, POINTER)).catch(() => '')), keep ?? '']);
  const names = await fs.readdir(root);
  await Promise.all(names.filter((name) => !kept.has(name)).map((name) => fs.rm(path.join(root, name), { recursive: true, force: true })));
}

/**
 * Writes the repository database and files database for exactly these entries as a new generation and switches to
 * it at one rename: both archives (and their signatures, when a signer is given) are written into
 * `<directory>/.db/<n>/`, then the pointer `.db/current` is renamed to `<n>`. The served names `<repo>.db`,
 * `<repo>.db.tar.gz`, `<repo>.files`, `<repo>.files.tar.gz` (and their `.sig`) are links through the pointer, so
 * the four files change together and a reader never finds one missing. The new files get a modification time at
 * least one whole second after the previous generation's: a pacman client (or HTTP mirror) that synced within the
 * same second as the previous write would otherwise take the new one for the one it has. The previous generation is
 * kept for readers in the middle of a download; older ones are deleted.
 */
export async function writeRepositoryDatabase(
  directory: string,
  repository: string,
  entries: readonly RepositoryEntry[],
  sign?: FileSigner,
): Promise<RepositoryDatabaseFiles> {
  const targets = databaseFiles(directory, repository);
  const root = path.join(directory, GENERATIONS_DIRECTORY);
  await fs.mkdir(root, { recursive: true });
  await adoptRegularFiles(directory, repository, root);
  const previous = await fs.readlink(path.join(root, POINTER)).catch(() => undefined);
  const previousSeconds = await modificationSeconds(targets.database);
  const number = Math.max(0, ...(await generationNumbers(root))) + 1;
  const generation = path.join(root, String(number));
  await fs.mkdir(generation);
  const archives = await renderDatabases(entries);
  const written: string[] = [];
  for (const [file, content] of [
    [path.basename(targets.database), archives.database],
    [path.basename(targets.files), archives.files],
  ] as const) {
    const target = path.join(generation, file);
    await fs.writeFile(target, content, { mode: 0o644 });
    written.push(target);
    if (sign) {
      await sign(target);
      written.push(`${target}.sig`);
    }
  }
  await writeKept(generation, archives.kept);
  const seconds = Math.max(Math.floor(Date.now() / 1000), (previousSeconds ?? 0) + 1);
  await Promise.all(written.map((file) => fs.utimes(file, seconds, seconds)));
  await switchGeneration(directory, repository, number, sign !== undefined);
  await pruneGenerations(root, previous);
  return targets;
}
