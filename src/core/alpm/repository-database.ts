import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type Header, pack as tarPack } from 'tar-stream';
import { temporarySibling } from '../atomic-file.js';
import { DESC_FIELDS, FILES_BLOCK, type DescEntry } from './sync-database.js';

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

/**
 * The tar is built in memory and compressed with one gzip call: streaming thousands of small entries through zlib
 * costs a thread-pool round trip per chunk, several times slower (a files database of 1,000 packages is a few MB).
 */
async function writeArchive(target: string, entries: readonly RepositoryEntry[], withFiles: boolean): Promise<void> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const collected = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const add = (header: Partial<Header> & Pick<Header, 'name'>, content = '') =>
    new Promise<void>((resolve, reject) => pack.entry(header, content, (error) => (error ? reject(error) : resolve())));
  for (const entry of [...entries].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))) {
    const directory = `${entry.name}-${entry.version}`;
    const mtime = new Date(entry.buildDate * 1000);
    await add({ name: `${directory}/`, type: 'directory', mode: 0o755, mtime });
    await add({ name: `${directory}/desc`, mode: 0o644, mtime }, formatDesc(entry));
    if (withFiles) await add({ name: `${directory}/files`, mode: 0o644, mtime }, formatFiles(entry));
  }
  pack.finalize();
  await collected;
  await fs.writeFile(target, await gzipAsync(Buffer.concat(chunks)), { mode: 0o644 });
}

async function ensureLink(link: string, target: string): Promise<void> {
  const current = await fs.readlink(link).catch(() => undefined);
  if (current === target) return;
  const temporary = temporarySibling(link);
  await fs.symlink(target, temporary);
  await fs.rename(temporary, link);
}

/**
 * Writes the repository database and files database for exactly these entries, replacing the previous ones
 * atomically: each archive is written (and signed, when a signer is given) under a temporary name, then the
 * signature and the archive are renamed into place. The `<repo>.db`, `<repo>.files` (and `.sig`) links pacman
 * downloads are created when missing and never removed, so a reader never finds them absent.
 */
export async function writeRepositoryDatabase(
  directory: string,
  repository: string,
  entries: readonly RepositoryEntry[],
  sign?: FileSigner,
): Promise<RepositoryDatabaseFiles> {
  const targets = databaseFiles(directory, repository);
  await fs.mkdir(directory, { recursive: true });
  for (const [target, withFiles] of [
    [targets.database, false],
    [targets.files, true],
  ] as const) {
    const temporary = temporarySibling(target);
    try {
      await writeArchive(temporary, entries, withFiles);
      if (sign) await sign(temporary);
      if (sign) await fs.rename(`${temporary}.sig`, `${target}.sig`);
      await fs.rename(temporary, target);
    } finally {
      await fs.rm(temporary, { force: true });
      await fs.rm(`${temporary}.sig`, { force: true });
    }
    const link = target.replace(/\.tar\.gz$/, '');
    await ensureLink(link, path.basename(target));
    if (sign) await ensureLink(`${link}.sig`, `${path.basename(target)}.sig`);
  }
  return targets;
}
