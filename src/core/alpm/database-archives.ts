/**
 * The two archives of a database generation (`<repo>.db.tar.gz`, `<repo>.files.tar.gz`) rendered from entries, and
 * what a generation keeps beside them for the next write: `entries.json` (every entry without its file list, with
 * where its blocks lie) and `files-<n>.tar`, the uncompressed files database of each segment (below).
 *
 * The files database is each entry's directory and `desc` blocks (which the database has too) followed by its `files`
 * blocks. An entry read back from a kept generation carries those blocks, so the next write copies them instead of
 * rendering the entry again, and its file list is only split into names if something asks for it.
 *
 * Each archive is a series of gzip members, one per segment of about {@link SEGMENT_SPREAD} entries, then one for the
 * end of the tar (gzip readers, libarchive's and so pacman's among them, read a series of members as one stream). A
 * segment ends after an entry whose name hashes to a multiple of the spread, so adding or removing a package changes
 * the segment around it and no other: the next write copies the compressed members of the unchanged segments from
 * the kept generation and compresses only the changed ones, on the thread pool at once. An unchanged segment's
 * `files-<n>.tar` is a hard link of the kept one, and a segment's file is read only when a write renders it again or
 * something asks for a file list in it: a change to 10,000 packages neither reads nor writes the other 40 MB.
 */
import { readFileSync, statSync } from 'node:fs';
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
/** The files database of a whole generation, as generations kept it before it was kept per segment. */
const FILES_TAR = 'files.tar';
const segmentFile = (position: number): string => `files-${position}.tar`;
/**
 * Entries per gzip member, on average. A member starts without the context of the ones before it, which costs a few
 * hundred bytes: 3 % of the benchmark's database of 1,000 small unsigned entries, well under one percent of one with
 * real descriptions and signatures. A change recompresses the segment around it, on average some 500 entries at any
 * size (a segment's length is geometric, and a random entry more likely lies in a long one).
 */
const SEGMENT_SPREAD = 256;
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

/**
 * Where an entry read back from a kept generation lies: its offsets in its segment's files database (read at first
 * use), and its file list once split. Valid for exactly those objects.
 */
interface KeptPlace {
  offsets: Offsets;
  filesTar: () => Buffer;
  files?: string[];
}

const keptPlaces = new WeakMap<RepositoryEntry, KeptPlace>();

/** The blocks of an entry read back from a kept generation, or undefined for any other entry. */
function keptBlocks(entry: RepositoryEntry): EntryBlocks | undefined {
  const place = keptPlaces.get(entry);
  if (place === undefined) return undefined;
  const [start, filesStart, end, textStart, textEnd] = place.offsets;
  const bytes = place.filesTar();
  return { shared: bytes.subarray(start, filesStart), files: bytes.subarray(filesStart, end), textOffset: textStart - filesStart, textLength: textEnd - textStart };
}

/**
 * The `files` of every kept entry: split from its segment's files database at first read. One getter shared by all
 * of them, not a closure each: V8 then keeps the entries' fast properties (a getter per object turned each into a
 * dictionary of some 2 KB, and a write of 1,000 packages spent its time collecting them).
 */
function keptFileList(this: RepositoryEntry): string[] {
  const place = keptPlaces.get(this)!;
  return (place.files ??= parseFiles(place.filesTar().toString('utf8', place.offsets[3], place.offsets[4])));
}

const KEPT_FILES: PropertyDescriptor = { enumerable: true, get: keptFileList };

/** The compressed members of one segment in the two archives. */
interface SegmentMembers {
  database: Buffer;
  files: Buffer;
}

/**
 * A segment of a kept generation: its entries, their offsets within the segment's files database, that files
 * database (read at first use) and the file holding exactly it, if any; and its members, read from the generation's
 * archives only by a write that can copy them (undefined when the archives are no longer what the index describes).
 */
interface KeptSegment {
  entries: readonly RepositoryEntry[];
  offsets: readonly Offsets[];
  filesTar: () => Buffer;
  file: string | undefined;
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
 * Where an entry's blocks lie in its segment's files database: `[start, filesStart, end, textStart, textEnd]`, the
 * shared blocks from `start`, its `files` blocks from `filesStart` to `end`, and its file list text within them.
 */
type Offsets = [number, number, number, number, number];

/** A segment: the position of its first entry, and the lengths of its members in the two archives. */
type SegmentRecord = [first: number, databaseLength: number, filesLength: number];

/**
 * entries.json: the entries without their file lists, and where each one's blocks lie, in the same order; and the
 * segments of the archives beside it (absent in generations kept before archives were segmented). With
 * `segmentFiles`, each segment's files database is `files-<n>.tar` and offsets count from its start; without, all
 * of them are `files.tar` and offsets count from its start.
 */
interface KeptIndex {
  entries: DescEntry[];
  offsets: Offsets[];
  segments?: SegmentRecord[];
  segmentFiles?: true;
}

/** A segment's files database to keep: its bytes, or the kept file holding the same bytes (to link). */
type KeptSegmentFile = { bytes: Buffer } | { linkFrom: string };

/** The file names of a generation's two archives. */
export interface ArchiveNames {
  database: string;
  files: string;
}

export interface RenderedDatabases {
  database: Buffer;
  files: Buffer;
  /** The uncompressed files database of each segment and the entries with their offsets, to keep beside the archives. */
  kept: { files: KeptSegmentFile[]; index: KeptIndex };
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

/**
 * The keys entries.json holds: its two lists and every property of DescEntry (DESC_FIELDS names them all). Given to
 * JSON.stringify as its list of keys, it leaves out the file lists without reading them.
 */
const KEPT_KEYS = ['entries', 'offsets', 'segments', 'segmentFiles', ...DESC_FIELDS.map((field) => field.property)];

/** The kept segment that `entries` are exactly (the same objects, in the same order), if any. */
function keptSegmentOf(entries: readonly RepositoryEntry[]): KeptSegment | undefined {
  const kept = keptSegments.get(entries[0]!);
  return kept?.entries.length === entries.length && kept.entries.every((entry, position) => entry === entries[position]) ? kept : undefined;
}

interface RenderedSegment {
  members: SegmentMembers;
  offsets: readonly Offsets[];
  file: KeptSegmentFile;
}

/** A segment whose entries are a kept segment's: its members and files database copied, nothing rendered. */
async function copiedSegment(kept: KeptSegment): Promise<RenderedSegment | undefined> {
  const members = await kept.members();
  if (members === undefined) return undefined;
  return { members, offsets: kept.offsets, file: kept.file === undefined ? { bytes: kept.filesTar() } : { linkFrom: kept.file } };
}

/** A segment rendered from its entries' blocks (made once per entry, or kept from the generation it was read from). */
async function renderedSegment(tar: TarEntries, entries: readonly RepositoryEntry[]): Promise<RenderedSegment> {
  const database: Buffer[] = [];
  const files: Buffer[] = [];
  const offsets: Offsets[] = [];
  let offset = 0;
  for (const entry of entries) {
    const blocks = keptBlocks(entry) ?? renderBlocks(tar, entry);
    database.push(blocks.shared);
    files.push(blocks.shared, blocks.files);
    const filesStart = offset + blocks.shared.length;
    const textStart = filesStart + blocks.textOffset;
    offsets.push([offset, filesStart, filesStart + blocks.files.length, textStart, textStart + blocks.textLength]);
    offset = filesStart + blocks.files.length;
  }
  const filesTar = Buffer.concat(files);
  const [databaseMember, filesMember] = await Promise.all([gzipAsync(Buffer.concat(database)), gzipAsync(filesTar)]);
  return { members: { database: databaseMember, files: filesMember }, offsets, file: { bytes: filesTar } };
}

/**
 * Both archives of a generation, as members per segment (see the module comment): a segment that is exactly a kept
 * one is copied, any other is rendered and compressed, all at once. Streaming thousands of small entries through a
 * tar stream and zlib costs a round trip per chunk, several times slower.
 */
export async function renderDatabases(entries: readonly RepositoryEntry[]): Promise<RenderedDatabases> {
  const tar = new TarEntries();
  const sorted = [...entries].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  const starts = segmentStarts(sorted);
  const segments = await Promise.all(
    starts.map(async (start, index) => {
      const members = sorted.slice(start, starts[index + 1] ?? sorted.length);
      const kept = keptSegmentOf(members);
      return (kept && (await copiedSegment(kept))) ?? renderedSegment(tar, members);
    }),
  );
  return {
    database: Buffer.concat([...segments.map((segment) => segment.members.database), endMember()]),
    files: Buffer.concat([...segments.map((segment) => segment.members.files), endMember()]),
    kept: {
      files: segments.map((segment) => segment.file),
      index: {
        entries: sorted,
        offsets: segments.flatMap((segment) => segment.offsets),
        segments: segments.map((segment, index): SegmentRecord => [starts[index]!, segment.members.database.length, segment.members.files.length]),
        segmentFiles: true,
      },
    },
  };
}

/**
 * Writes what a generation keeps for the next write into its directory. Kept files are never written again (a
 * generation is a new directory), so a link shares bytes that stay as they are.
 */
export async function writeKept(generation: string, kept: RenderedDatabases['kept']): Promise<void> {
  await Promise.all(
    kept.files.map(async (file, position) => {
      const target = path.join(generation, segmentFile(position));
      if ('bytes' in file) await fs.writeFile(target, file.bytes, { mode: 0o644 });
      else await fs.link(file.linkFrom, target).catch(() => fs.copyFile(file.linkFrom, target));
    }),
  );
  await fs.writeFile(path.join(generation, ENTRIES_FILE), JSON.stringify(kept.index, KEPT_KEYS), { mode: 0o644 });
}

/**
 * Gives a parsed entry its file list, split from its segment's files database only when read (an own enumerable
 * property all the same, so copies carry it), and registers its blocks for the next write. Kept entries are changed by
 * copying, never in place: the registered blocks are those of the entry as read.
 */
function keptEntry(entry: DescEntry, offsets: Offsets, filesTar: () => Buffer): RepositoryEntry {
  const kept = Object.defineProperty(entry, 'files', KEPT_FILES) as RepositoryEntry;
  keptPlaces.set(kept, { offsets, filesTar });
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

/** Bytes read from a file at their first use (kept generations are never written again). */
function readOnce(file: string): () => Buffer {
  let bytes: Buffer | undefined;
  return () => (bytes ??= readFileSync(file));
}

/** The part `[start, end)` of a buffer read at first use. */
function readPart(whole: () => Buffer, start: number, end: number): () => Buffer {
  return () => whole().subarray(start, end);
}

/**
 * A kept segment's files database: its bytes (read at first use), the file holding exactly them if there is one, and
 * where they start in the offsets of entries.json.
 */
interface SegmentFiles {
  filesTar: () => Buffer;
  file: string | undefined;
  base: number;
}

/**
 * The files database of each segment of `index` (the one at `position`, of the entries from `first` to `end`), when
 * the files are all there at the sizes the offsets need: each segment's own file, or its part of `files.tar`.
 */
function keptFiles(generation: string, index: KeptIndex): ((position: number, first: number, end: number) => SegmentFiles) | undefined {
  const stop = (end: number): number | undefined => index.offsets[end - 1]?.[2];
  if (index.segmentFiles) {
    const segments = index.segments ?? [];
    const fits = segments.every(([first], position) => {
      const end = segments[position + 1]?.[0] ?? index.entries.length;
      return end > first && statSync(path.join(generation, segmentFile(position)), { throwIfNoEntry: false })?.size === stop(end);
    });
    if (!fits) return undefined;
    return (position) => {
      const file = path.join(generation, segmentFile(position));
      return { filesTar: readOnce(file), file, base: 0 };
    };
  }
  const whole = path.join(generation, FILES_TAR);
  if (statSync(whole, { throwIfNoEntry: false })?.size !== (stop(index.entries.length) ?? 0)) return undefined;
  const filesTar = readOnce(whole);
  return (_position, first, end) => {
    const base = index.offsets[first]?.[0] ?? 0;
    return { filesTar: readPart(filesTar, base, stop(end) ?? base), file: undefined, base };
  };
}

/**
 * The entries of a kept generation with their blocks, and its segments registered for the next write (its archives
 * are read by the first segment copied). A generation from before segments has one files.tar and no segments.
 */
function keptEntries(generation: string, names: ArchiveNames, index: KeptIndex, filesOf: (position: number, first: number, end: number) => SegmentFiles): RepositoryEntry[] {
  const segments = index.segments ?? [[0, 0, 0]];
  let archives: Promise<SegmentMembers | undefined> | undefined;
  let databaseOffset = 0;
  let filesOffset = 0;
  const entries: RepositoryEntry[] = [];
  segments.forEach(([first, databaseLength, filesLength], position) => {
    const end = segments[position + 1]?.[0] ?? index.entries.length;
    const { filesTar, file, base } = filesOf(position, first, end);
    const offsets = index.offsets.slice(first, end).map((offset) => offset.map((value) => value - base) as Offsets);
    const members = index.entries.slice(first, end).map((entry, offset) => keptEntry(entry, offsets[offset]!, filesTar));
    entries.push(...members);
    const [databaseStart, filesStart] = [databaseOffset, filesOffset];
    if (members.length > 0 && index.segments !== undefined) {
      keptSegments.set(members[0]!, {
        entries: members,
        offsets,
        filesTar,
        file,
        members: async () => {
          const read = await (archives ??= readArchives(generation, names, segments));
          return read && { database: read.database.subarray(databaseStart, databaseStart + databaseLength), files: read.files.subarray(filesStart, filesStart + filesLength) };
        },
      });
    }
    databaseOffset += databaseLength;
    filesOffset += filesLength;
  });
  return entries;
}

/**
 * The entries a generation directory keeps, or undefined when it keeps none (written before generations kept them)
 * or only in the form before files databases were kept (entries with their file lists in entries.json, which are
 * returned). The segments of its archives (`archives` names them) are registered for the next write.
 */
export async function readKept(generation: string, archives: ArchiveNames): Promise<RepositoryEntry[] | undefined> {
  const text = await fs.readFile(path.join(generation, ENTRIES_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as KeptIndex | RepositoryEntry[];
  if (Array.isArray(parsed)) return parsed.every((item) => Array.isArray(item.files)) ? parsed : undefined;
  if (parsed.offsets.length !== parsed.entries.length) return undefined;
  const filesOf = keptFiles(generation, parsed);
  return filesOf && keptEntries(generation, archives, parsed, filesOf);
}
