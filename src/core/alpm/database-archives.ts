/**
 * The two archives of a database generation (`<repo>.db.tar.gz`, `<repo>.files.tar.gz`) rendered from entries, and
 * what a generation keeps beside them for the next write: `entries.json` (every entry without its file list, with
 * where its blocks lie) and `files.tar`, the uncompressed files database.
 *
 * The files database is each entry's directory and `desc` blocks (which the database has too) followed by its `files`
 * blocks. An entry read back from a kept generation carries those blocks, so the next write copies them instead of
 * rendering the entry again, and its file list is only split into names if something asks for it.
 *
 * Each archive is a series of gzip members, one per segment of about {@link SEGMENT_SPREAD} entries, then one for the
 * end of the tar (gzip readers, libarchive's and so pacman's among them, read a series of members as one stream). A
 * segment ends after an entry whose name hashes to a multiple of the spread, so adding or removing a package changes
 * the segment around it and no other: the next write copies the compressed members of the unchanged segments from
 * the kept generation and compresses only the changed ones, on the thread pool at once.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, gzip, gzipSync } from 'node:zlib';
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
/**
 * Entries per gzip member, on average. A member starts without the context of the ones before it, which costs a few
 * hundred bytes: well under one percent of a database at this spread, while a change recompresses a tenth of a
 * 10,000-package repository.
 */
const SEGMENT_SPREAD = 1024;
let endMemberBytes: Buffer | undefined;
/** The member that ends both archives: the tar's end-of-archive blocks (compressed at first use, not at every start). */
const endMember = (): Buffer => (endMemberBytes ??= gzipSync(END_OF_ARCHIVE));

/** A file of a kept generation, or undefined when it is missing (or unreadable): nothing is then copied from it. */
function readIfPresent(file: string): Promise<Buffer | undefined> {
  return fs.readFile(file).catch(() => undefined);
}

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

/** The compressed members of one segment in the two archives. */
interface SegmentMembers {
  database: Buffer;
  files: Buffer;
}

/**
 * A segment of a kept generation: its uncompressed files-database bytes, and its members, read from the generation's
 * archives only by a write that can copy them (undefined when the archives are no longer what the index describes).
 */
interface KeptSegment {
  filesTar: Buffer;
  members: () => Promise<SegmentMembers | undefined>;
}

/** Segments of kept generations, by the entry object that starts them. */
const keptSegments = new WeakMap<RepositoryEntry, KeptSegment>();

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

/** A segment: the position of its first entry, and the lengths of its members in the two archives. */
type SegmentRecord = [first: number, databaseLength: number, filesLength: number];

/**
 * entries.json: the entries without their file lists, and where each one's blocks lie, in the same order; and the
 * segments of the archives beside it (absent in generations kept before archives were segmented).
 */
interface KeptIndex {
  entries: DescEntry[];
  offsets: Offsets[];
  segments?: SegmentRecord[];
}

/** The file names of a generation's two archives. */
export interface ArchiveNames {
  database: string;
  files: string;
}

export interface RenderedDatabases {
  database: Buffer;
  files: Buffer;
  /** The uncompressed files database and the entries with their offsets, to keep beside the archives. */
  kept: { filesTar: Buffer; index: KeptIndex };
}

/** Whether a segment ends after the entry of this name (see the module comment). */
function endsSegment(name: string): boolean {
  return crc32(name) % SEGMENT_SPREAD === 0;
}

/** The positions in `sorted` where segments start. */
function segmentStarts(sorted: readonly RepositoryEntry[]): number[] {
  const starts = sorted.length > 0 ? [0] : [];
  sorted.forEach((entry, position) => {
    if (endsSegment(entry.name) && position + 1 < sorted.length) starts.push(position + 1);
  });
  return starts;
}

/** The compressed members of a segment: copied from the kept generation when its bytes are the same, else made. */
async function segmentMembers(first: RepositoryEntry, database: Buffer, filesTar: Buffer): Promise<SegmentMembers> {
  const kept = keptSegments.get(first);
  const copied = kept?.filesTar.equals(filesTar) ? await kept.members() : undefined;
  if (copied !== undefined) return copied;
  const [databaseMember, filesMember] = await Promise.all([gzipAsync(database), gzipAsync(filesTar)]);
  return { database: databaseMember, files: filesMember };
}

/**
 * The keys entries.json holds: its two lists and every property of DescEntry (DESC_FIELDS names them all). Given to
 * JSON.stringify as its list of keys, it leaves out the file lists without reading them.
 */
const KEPT_KEYS = ['entries', 'offsets', 'segments', ...DESC_FIELDS.map((field) => field.property)];

/**
 * Both archives of a generation, from blocks made once per entry (or kept from the generation it was read from), as
 * members per segment (see the module comment). Streaming thousands of small entries through a tar stream and zlib
 * costs a round trip per chunk, several times slower.
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
  const starts = segmentStarts(sorted);
  const members = await Promise.all(
    starts.map((start, index) => {
      const end = starts[index + 1] ?? sorted.length;
      const segmentTar = filesTar.subarray(offsets[start]![0], offsets[end - 1]![2]);
      return segmentMembers(sorted[start]!, Buffer.concat(database.slice(start, end)), segmentTar);
    }),
  );
  const segments = members.map((member, index): SegmentRecord => [starts[index]!, member.database.length, member.files.length]);
  return {
    database: Buffer.concat([...members.map((member) => member.database), endMember()]),
    files: Buffer.concat([...members.map((member) => member.files), endMember()]),
    kept: { filesTar, index: { entries: sorted, offsets, segments } },
  };
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
 * The two archives of a kept generation, when they are still the series of members its index describes (anything
 * else, e.g. an archive replaced by hand, leaves every segment to be compressed anew).
 */
async function readArchives(generation: string, names: ArchiveNames, segments: readonly SegmentRecord[]): Promise<SegmentMembers | undefined> {
  const [database, files] = await Promise.all([readIfPresent(path.join(generation, names.database)), readIfPresent(path.join(generation, names.files))]);
  const total = (column: 1 | 2): number => segments.reduce((sum, segment) => sum + segment[column], endMember().length);
  if (database?.length !== total(1) || files?.length !== total(2)) return undefined;
  return { database, files };
}

/** Registers the segments of a kept generation for the next write; its archives are read by the first one copied. */
function keepSegments(generation: string, names: ArchiveNames, entries: readonly RepositoryEntry[], index: KeptIndex, filesTar: Buffer): void {
  const segments = index.segments ?? [];
  let archives: Promise<SegmentMembers | undefined> | undefined;
  let databaseOffset = 0;
  let filesOffset = 0;
  segments.forEach(([first, databaseLength, filesLength], position) => {
    const end = segments[position + 1]?.[0] ?? entries.length;
    const entry = entries[first];
    const [start] = index.offsets[first] ?? [];
    const [, , stop] = index.offsets[end - 1] ?? [];
    const [databaseStart, filesStart] = [databaseOffset, filesOffset];
    if (entry !== undefined && start !== undefined && stop !== undefined) {
      keptSegments.set(entry, {
        filesTar: filesTar.subarray(start, stop),
        members: async () => {
          const read = await (archives ??= readArchives(generation, names, segments));
          return read && { database: read.database.subarray(databaseStart, databaseStart + databaseLength), files: read.files.subarray(filesStart, filesStart + filesLength) };
        },
      });
    }
    databaseOffset += databaseLength;
    filesOffset += filesLength;
  });
}

/**
 * The entries a generation directory keeps, or undefined when it keeps none (written before generations kept them)
 * or only in the form before files.tar (entries with their file lists in entries.json, which are returned). The
 * segments of its archives (`archives` names them) are registered for the next write.
 */
export async function readKept(generation: string, archives: ArchiveNames): Promise<RepositoryEntry[] | undefined> {
  const [text, filesTar] = await Promise.all([
    fs.readFile(path.join(generation, ENTRIES_FILE), 'utf8').catch(() => undefined),
    readIfPresent(path.join(generation, FILES_TAR)),
  ]);
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as KeptIndex | RepositoryEntry[];
  if (Array.isArray(parsed)) return parsed.every((item) => Array.isArray(item.files)) ? parsed : undefined;
  if (filesTar === undefined || parsed.offsets.length !== parsed.entries.length) return undefined;
  const entries = parsed.entries.map((entry, position) => keptEntry(entry, parsed.offsets[position]!, filesTar));
  keepSegments(generation, archives, entries, parsed, filesTar);
  return entries;
}
