import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Header } from 'tar/header';
import { Pax } from 'tar/pax';
import { temporarySibling } from '../atomic-file.js';
import { DESC_FIELDS, FILES_BLOCK, type DescEntry, readSyncDatabase } from './sync-database.js';

const gzipAsync = promisify(gzip);

/** One package as the repository database lists it; `files` goes into the files database only. */
export interface RepositoryEntry extends DescEntry {
  files: string[];
}

export interface RepositoryDatabaseFiles {
  database: string;
  files: string;
}

/** Signs a file by writing `<file>.sig` next to it. */
export type FileSigner = (file: string) => Promise<void>;

function block(name: string, values: readonly (string | number)[]): string {
  return `%${name}%\n${values.join('\n')}\n\n`;
}

/** The `desc` file of an entry: repo-add's blocks in repo-add's order, leaving out empty ones as repo-add does. */
export function formatDesc(entry: DescEntry): string {
  return DESC_FIELDS.map((field) => {
    const value = entry[field.property];
    const values = Array.isArray(value) ? value : [value];
    return values.length === 0 || values[0] === '' ? '' : block(field.block, values);
  }).join('');
}

/** repo-add writes the file list without the blank line that ends a `desc` block. */
export function formatFiles(entry: RepositoryEntry): string {
  return `%${FILES_BLOCK}%\n${entry.files.map((file) => `${file}\n`).join('')}`;
}

/** `<repo>.db.tar.gz` and `<repo>.files.tar.gz` in `directory`: the names pacman's `<repo>.db` links point at. */
export function databaseFiles(directory: string, repository: string): RepositoryDatabaseFiles {
  return {
    database: path.join(directory, `${repository}.db.tar.gz`),
    files: path.join(directory, `${repository}.files.tar.gz`),
  };
}

const TAR_BLOCK = 512;
const PADDING = Buffer.alloc(TAR_BLOCK);

/**
 * Tar entries (a directory, or a file with content) as blocks: the header encoded by node-tar, a pax header first
 * when the name does not fit the ustar fields, then the content padded to whole blocks. One node-tar Header is reused
 * for every entry: constructing one per entry cost four times the encoding itself.
 */
class TarEntries {
  private readonly header = new Header({ path: '', mode: 0, uid: 0, gid: 0, size: 0, mtime: new Date(0), type: 'File', uname: '', gname: '' });

  blocks(name: string, mtime: Date, content?: Buffer): Buffer[] {
    const { header } = this;
    header.path = name;
    header.mode = content ? 0o644 : 0o755;
    header.size = content?.length ?? 0;
    header.mtime = mtime;
    header.type = content ? 'File' : 'Directory';
    const block = Buffer.alloc(TAR_BLOCK);
    const blocks = header.encode(block, 0) ? [new Pax({ path: name, mtime }).encode(), block] : [block];
    if (!content) return blocks;
    const padding = (TAR_BLOCK - (content.length % TAR_BLOCK)) % TAR_BLOCK;
    return padding > 0 ? [...blocks, content, PADDING.subarray(0, padding)] : [...blocks, content];
  }
}

/**
 * Both archives of a generation, gzipped: the tars are built in memory and compressed with one gzip call each, both
 * at once on the thread pool. An entry's directory and `desc` blocks are made once and listed in both archives.
 * Streaming thousands of small entries through a tar stream and zlib costs a round trip per chunk, several times
 * slower (a files database of 1,000 packages is a few MB of tar).
 */
async function renderArchives(entries: readonly RepositoryEntry[]): Promise<{ database: Buffer; files: Buffer }> {
  const tar = new TarEntries();
  const database: Buffer[] = [];
  const files: Buffer[] = [];
  for (const entry of [...entries].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))) {
    const directory = `${entry.name}-${entry.version}`;
    const mtime = new Date(entry.buildDate * 1000);
    const shared = [...tar.blocks(`${directory}/`, mtime), ...tar.blocks(`${directory}/desc`, mtime, Buffer.from(formatDesc(entry)))];
    database.push(...shared);
    files.push(...shared, ...tar.blocks(`${directory}/files`, mtime, Buffer.from(formatFiles(entry))));
  }
  const end = Buffer.alloc(2 * TAR_BLOCK);
  const [databaseArchive, filesArchive] = await Promise.all([gzipAsync(Buffer.concat([...database, end])), gzipAsync(Buffer.concat([...files, end]))]);
  return { database: databaseArchive, files: filesArchive };
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
 * Beside the archives, each generation keeps the entries it lists as JSON (not served: the directory is hidden), so
 * the next write starts from them without inflating and parsing the files database: a third of a small change's cost.
 */
const ENTRIES_FILE = 'entries.json';

/**
 * The entries the database in `directory` lists now, with their file lists: from the current generation's JSON when
 * it has one, else (a database written by repo-add or before generations kept it) read from the files database.
 * Empty when there is no database.
 */
export async function readRepositoryEntries(directory: string, repository: string): Promise<RepositoryEntry[]> {
  const { files } = databaseFiles(directory, repository);
  const current = path.join(directory, GENERATIONS_DIRECTORY, POINTER, path.basename(files));
  const [served, generation] = await Promise.all([fs.realpath(files).catch(() => undefined), fs.realpath(current).catch(() => undefined)]);
  if (served === undefined) return [];
  // only while the served name still leads to the current generation (repo-add by hand replaces the link)
  const kept = served === generation ? await fs.readFile(path.join(path.dirname(served), ENTRIES_FILE), 'utf8').catch(() => undefined) : undefined;
  if (kept !== undefined) return JSON.parse(kept) as RepositoryEntry[];
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
  const archives = await renderArchives(entries);
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
  await fs.writeFile(path.join(generation, ENTRIES_FILE), JSON.stringify(entries), { mode: 0o644 });
  const seconds = Math.max(Math.floor(Date.now() / 1000), (previousSeconds ?? 0) + 1);
  await Promise.all(written.map((file) => fs.utimes(file, seconds, seconds)));
  await switchGeneration(directory, repository, number, sign !== undefined);
  await pruneGenerations(root, previous);
  return targets;
}
