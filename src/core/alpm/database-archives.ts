/**
 * The two archives of a database generation (`<repo>.db.tar.gz`, `<repo>.files.tar.gz`) rendered from entries, and
 * what a generation keeps beside them for the next write: `entries.json` (every entry without its file list, with
 * where its blocks lie) and `files.tar`, the uncompressed files database.
 *
 * The files database is each entry's directory and `desc` blocks (which the database has too) followed by its `files`
 * blocks. An entry read back from a kept generation carries those blocks, so the next write copies them instead of
 * rendering the entry again, and its file list is only split into names if something asks for it. A small change to
 * a big repository then costs little more than compressing the two archives.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Header } from 'tar/header';
import { Pax } from 'tar/pax';
import { DESC_FIELDS, FILES_BLOCK, type DescEntry } from './sync-database.js';

const gzipAsync = promisify(gzip);

/** One package as the repository database lists it; `files` goes into the files database only. */
export interface RepositoryEntry extends DescEntry {
  files: string[];
}

const TAR_BLOCK = 512;
const PADDING = Buffer.alloc(TAR_BLOCK);
const END_OF_ARCHIVE = Buffer.alloc(2 * TAR_BLOCK);
const ENTRIES_FILE = 'entries.json';
const FILES_TAR = 'files.tar';

function block(name: string, values: readonly (string | number)[]): string {
  return `%${name}%\n${values.join('\n')}\n\n`;
}

/** The `desc` file of an entry: repo-add's blocks in repo-add's order, leaving out empty ones as repo-add does. */
function formatDesc(entry: DescEntry): string {
  return DESC_FIELDS.map((field) => {
    const value = entry[field.property];
    const values = Array.isArray(value) ? value : [value];
    return values.length === 0 || values[0] === '' ? '' : block(field.block, values);
  }).join('');
}

/** repo-add writes the file list without the blank line that ends a `desc` block. */
function formatFiles(entry: RepositoryEntry): string {
  return `%${FILES_BLOCK}%\n${entry.files.map((file) => `${file}\n`).join('')}`;
}

/** The file list of a `files` text as {@link formatFiles} writes it. */
function parseFiles(text: string): string[] {
  return text.split('\n').slice(1, -1);
}

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

/** An entry's blocks in the files database: directory and `desc` (shared with the database), then `files`. */
interface EntryBlocks {
  shared: Buffer;
  files: Buffer;
  /** Where the `files` text lies inside {@link files} (after its header). */
  textOffset: number;
  textLength: number;
}

/** Blocks of the entries read back from a kept generation, valid for exactly those objects. */
const keptBlocks = new WeakMap<RepositoryEntry, EntryBlocks>();

function renderBlocks(tar: TarEntries, entry: RepositoryEntry): EntryBlocks {
  const directory = `${entry.name}-${entry.version}`;
  const mtime = new Date(entry.buildDate * 1000);
  const filesText = Buffer.from(formatFiles(entry));
  const shared = Buffer.concat([...tar.blocks(`${directory}/`, mtime), ...tar.blocks(`${directory}/desc`, mtime, Buffer.from(formatDesc(entry)))]);
  const files = tar.blocks(`${directory}/files`, mtime, filesText);
  const headers = files.slice(0, files.indexOf(filesText));
  return { shared, files: Buffer.concat(files), textOffset: headers.reduce((sum, part) => sum + part.length, 0), textLength: filesText.length };
}

/**
 * Where an entry's blocks lie in `files.tar`: `[start, filesStart, end, textStart, textEnd]`, the shared blocks from
 * `start`, its `files` blocks from `filesStart` to `end`, and its file list text within them.
 */
type Offsets = [number, number, number, number, number];

/** entries.json: the entries without their file lists, and where each one's blocks lie, in the same order. */
interface KeptIndex {
  entries: DescEntry[];
  offsets: Offsets[];
}

export interface RenderedDatabases {
  database: Buffer;
  files: Buffer;
  /** The uncompressed files database and the entries with their offsets, to keep beside the archives. */
  kept: { filesTar: Buffer; index: KeptIndex };
}

/**
 * The keys entries.json holds: its two lists and every property of DescEntry (DESC_FIELDS names them all). Given to
 * JSON.stringify as its list of keys, it leaves out the file lists without reading them.
 */
const KEPT_KEYS = ['entries', 'offsets', ...DESC_FIELDS.map((field) => field.property)];

/**
 * Both archives of a generation, gzipped at once on the thread pool, from blocks made once per entry (or kept from
 * the generation it was read from). Streaming thousands of small entries through a tar stream and zlib costs a round
 * trip per chunk, several times slower.
 */
export async function renderDatabases(entries: readonly RepositoryEntry[]): Promise<RenderedDatabases> {
  const tar = new TarEntries();
  const sorted = [...entries].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  const database: Buffer[] = [];
  const files: Buffer[] = [];
  const offsets: Offsets[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const blocks = keptBlocks.get(entry) ?? renderBlocks(tar, entry);
    database.push(blocks.shared);
    files.push(blocks.shared, blocks.files);
    const filesStart = offset + blocks.shared.length;
    const textStart = filesStart + blocks.textOffset;
    offsets.push([offset, filesStart, filesStart + blocks.files.length, textStart, textStart + blocks.textLength]);
    offset = filesStart + blocks.files.length;
  }
  const filesTar = Buffer.concat(files);
  const [databaseArchive, filesArchive] = await Promise.all([gzipAsync(Buffer.concat([...database, END_OF_ARCHIVE])), gzipAsync(Buffer.concat([filesTar, END_OF_ARCHIVE]))]);
  return { database: databaseArchive, files: filesArchive, kept: { filesTar, index: { entries: sorted, offsets } } };
}

/** Writes what a generation keeps for the next write into its directory. */
export async function writeKept(generation: string, kept: RenderedDatabases['kept']): Promise<void> {
  await fs.writeFile(path.join(generation, FILES_TAR), kept.filesTar, { mode: 0o644 });
  await fs.writeFile(path.join(generation, ENTRIES_FILE), JSON.stringify(kept.index, KEPT_KEYS), { mode: 0o644 });
}

/**
 * Gives a parsed entry its file list, split from `files.tar` only when read (an own enumerable property all the same,
 * so copies carry it), and registers its blocks for the next write. Kept entries are changed by copying, never in
 * place: the registered blocks are those of the entry as read.
 */
function keptEntry(entry: DescEntry, [start, filesStart, end, textStart, textEnd]: Offsets, filesTar: Buffer): RepositoryEntry {
  let list: string[] | undefined;
  const kept = Object.defineProperty(entry, 'files', { enumerable: true, get: () => (list ??= parseFiles(filesTar.toString('utf8', textStart, textEnd))) }) as RepositoryEntry;
  keptBlocks.set(kept, { shared: filesTar.subarray(start, filesStart), files: filesTar.subarray(filesStart, end), textOffset: textStart - filesStart, textLength: textEnd - textStart });
  return kept;
}

/**
 * The entries a generation directory keeps, or undefined when it keeps none (written before generations kept them)
 * or only in the form before files.tar (entries with their file lists in entries.json, which are returned).
 */
export async function readKept(generation: string): Promise<RepositoryEntry[] | undefined> {
  const [text, filesTar] = await Promise.all([
    fs.readFile(path.join(generation, ENTRIES_FILE), 'utf8').catch(() => undefined),
    fs.readFile(path.join(generation, FILES_TAR)).catch(() => undefined),
  ]);
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as KeptIndex | RepositoryEntry[];
  if (Array.isArray(parsed)) return parsed.every((item) => Array.isArray(item.files)) ? parsed : undefined;
  if (filesTar === undefined || parsed.offsets.length !== parsed.entries.length) return undefined;
  return parsed.entries.map((entry, position) => keptEntry(entry, parsed.offsets[position]!, filesTar));
}
