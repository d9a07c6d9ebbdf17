/**
 * A streaming reader of tar archives, enough for package archives (bsdtar's restricted pax format, as makepkg writes
 * them) and repository databases: ustar headers, pax extended headers (local and global), GNU long names.
 *
 * Written here rather than taken from tar-stream because callers need every header but the data of only one or two
 * small entries: this reader skips data without creating a stream per entry, cannot stall on an entry nobody
 * drained, and insists on the end-of-archive marker so a truncated archive is always an error.
 */
import { InvalidInputError } from '../../errors.js';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';

export interface TarEntry {
  /** The path as stored in the archive (directories usually end with `/`). */
  name: string;
  type: TarEntryType;
  /** Size of the entry's data in bytes (0 for everything but files and hard links with data). */
  size: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** Target of a symbolic or hard link. */
  linkName?: string;
  /** The entry's data, present when `wantContent` asked for it. */
  content?: Buffer;
}

export interface TarReadOptions {
  /** Names the archive in error messages. */
  archiveName: string;
  /**
   * Called with each entry before its data is read: return true to get the data in `content`. The data is held in
   * memory, so ask only for small entries.
   */
  wantContent?: (entry: TarEntry) => boolean;
}

const BLOCK_SIZE = 512;
/** Pax headers and GNU long names are held in memory; anything bigger than this is a corrupt archive. */
const MAX_METADATA_SIZE = 1024 * 1024;

const ENTRY_TYPES: Readonly<Record<string, TarEntryType>> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file, a plain file everywhere but on a few historic systems
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
};
/** Types whose size field does not announce data blocks. */
const TYPES_WITHOUT_DATA: ReadonlySet<TarEntryType> = new Set([
  'symlink',
  'character-device',
  'block-device',
  'directory',
  'fifo',
]);

/** Overrides carried by pax headers and GNU long-name entries. */
interface Overrides {
  path?: string;
  linkPath?: string;
  size?: number;
}

interface Header {
  name: string;
  mode: number;
  size: number;
  typeFlag: string;
  linkName: string;
}

/**
 * Yields the entries of the tar archive in `source`, in archive order, then consumes the rest of the source (so a
 * decompressor or hash upstream sees all of it). Rejects with an {@link InvalidInputError} naming the archive when a
 * header is corrupt or the archive ends before its end-of-archive marker.
 */
export async function* readTarEntries(
  source: AsyncIterable<Buffer>,
  options: TarReadOptions,
): AsyncGenerator<TarEntry> {
  const parser = new TarParser(options);
  for await (const chunk of source) yield* parser.push(chunk);
  parser.end();
}

/**
 * A tar parser fed chunk by chunk, synchronously: `push` returns the entries that chunk completed (an entry is
 * complete once its data and padding are read), `end` checks that the archive was whole. Headers, data and padding
 * may be split across chunks anywhere; data is skipped, or copied when asked for. Bytes after the end-of-archive
 * marker are ignored.
 */
export class TarParser {
  private readonly archiveName: string;
  /** A header split across chunks, gathered here. */
  private readonly partialHeader = Buffer.alloc(BLOCK_SIZE);
  private partialLength = 0;
  /** Bytes of the archive parsed so far. */
  private position = 0;
  private dataLeft = 0;
  private paddingLeft = 0;
  /** The data of the current entry or metadata header, when it is kept: filled as it comes. */
  private kept: Buffer | undefined;
  /** What the data being read belongs to, for errors. */
  private inside = '';
  /** Called once the current data and padding are read. */
  private complete: ((data: Buffer) => void) | undefined;
  private ended = false;
  private global: Overrides = {};
  private local: Overrides = {};
  private completed: TarEntry[] = [];

  constructor(private readonly options: TarReadOptions) {
    this.archiveName = options.archiveName;
  }

  push(chunk: Buffer): TarEntry[] {
    let offset = 0;
    while (offset < chunk.length && !this.ended) {
      if (this.dataLeft > 0 || this.paddingLeft > 0) {
        offset = this.readData(chunk, offset);
      } else if (this.partialLength === 0 && chunk.length - offset >= BLOCK_SIZE) {
        this.header(chunk.subarray(offset, offset + BLOCK_SIZE));
        offset += BLOCK_SIZE;
      } else {
        const length = Math.min(BLOCK_SIZE - this.partialLength, chunk.length - offset);
        chunk.copy(this.partialHeader, this.partialLength, offset, offset + length);
        this.partialLength += length;
        offset += length;
        if (this.partialLength === BLOCK_SIZE) {
          this.partialLength = 0;
          this.header(this.partialHeader);
        }
      }
    }
    const completed = this.completed;
    this.completed = [];
    return completed;
  }

  /** Throws unless the end-of-archive marker was read. */
  end(): void {
    if (this.ended) return;
    if (this.dataLeft > 0 || this.paddingLeft > 0) throw new InvalidInputError(`${this.archiveName}: truncated tar archive (ends inside ${this.inside})`);
    throw new InvalidInputError(`${this.archiveName}: truncated tar archive (no end-of-archive marker)`);
  }

  /** Reads data, then padding, from `offset` of `chunk`; returns where it stopped. */
  private readData(chunk: Buffer, offset: number): number {
    let position = offset;
    if (this.dataLeft > 0) {
      const length = Math.min(this.dataLeft, chunk.length - position);
      // a copy: the chunk may be a scratch buffer its producer fills again (decompressWhole)
      if (this.kept) chunk.copy(this.kept, this.kept.length - this.dataLeft, position, position + length);
      this.dataLeft -= length;
      position += length;
    }
    const padding = Math.min(this.paddingLeft, chunk.length - position);
    this.paddingLeft -= padding;
    position += padding;
    this.position += position - offset;
    if (this.dataLeft === 0 && this.paddingLeft === 0) this.finishData();
    return position;
  }

  private finishData(): void {
    const kept = this.kept;
    const complete = this.complete!;
    this.kept = undefined;
    this.complete = undefined;
    complete(kept ?? EMPTY);
  }

  /** Expects `size` bytes of data and their padding, then calls `complete` with them (kept or not). */
  private expectData(size: number, keep: boolean, inside: string, complete: (data: Buffer) => void): void {
    this.dataLeft = size;
    this.paddingLeft = (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
    this.kept = keep ? Buffer.allocUnsafe(size) : undefined;
    this.inside = inside;
    this.complete = complete;
    if (size === 0) this.finishData();
  }

  private header(block: Buffer): void {
    const headerOffset = this.position;
    this.position += BLOCK_SIZE;
    if (isZeroBlock(block)) {
      this.ended = true;
      return;
    }
    const header = parseHeader(block, this.archiveName, headerOffset);
    const metadata = (apply: (data: Buffer) => void): void => {
      if (header.size > MAX_METADATA_SIZE) {
        throw new InvalidInputError(`${this.archiveName}: corrupt tar archive: oversized '${header.typeFlag}' header`);
      }
      this.expectData(header.size, true, `the '${header.typeFlag}' header at byte ${headerOffset}`, apply);
    };
    switch (header.typeFlag) {
      case 'x':
        return metadata((data) => (this.local = { ...this.local, ...parsePaxRecords(data, this.archiveName) }));
      case 'g':
        return metadata((data) => (this.global = { ...this.global, ...parsePaxRecords(data, this.archiveName) }));
      case 'L':
        return metadata((data) => (this.local.path = cString(data)));
      case 'K':
        return metadata((data) => (this.local.linkPath = cString(data)));
    }
    const entry = makeEntry(header, { ...this.global, ...this.local }, this.archiveName);
    this.local = {};
    const keep = entry.size > 0 && (this.options.wantContent?.(entry) ?? false);
    this.expectData(entry.size, keep, `'${entry.name}'`, (data) => {
      if (keep) entry.content = data;
      this.completed.push(entry);
    });
  }
}

const EMPTY = Buffer.alloc(0);

function makeEntry(header: Header, overrides: Overrides, archiveName: string): TarEntry {
  const type = ENTRY_TYPES[header.typeFlag];
  const name = overrides.path ?? header.name;
  if (type === undefined) {
    throw new InvalidInputError(`${archiveName}: unsupported tar entry type '${header.typeFlag}' for '${name}'`);
  }
  if (name === '') throw new InvalidInputError(`${archiveName}: corrupt tar archive: entry without a name`);
  const size = TYPES_WITHOUT_DATA.has(type) ? 0 : (overrides.size ?? header.size);
  const entry: TarEntry = { name, type, size, mode: header.mode };
  const linkName = overrides.linkPath ?? header.linkName;
  if (type === 'symlink' || type === 'hardlink') entry.linkName = linkName;
  return entry;
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

function parseHeader(block: Buffer, archiveName: string, offset: number): Header {
  const corrupt = (why: string): InvalidInputError =>
    new InvalidInputError(`${archiveName}: corrupt tar header at byte ${offset} (${why})`);
  if (!hasValidChecksum(block)) throw corrupt('checksum mismatch');
  const number = (start: number, length: number, field: string): number => {
    const value = parseNumber(block, start, start + length);
    if (value === undefined) throw corrupt(`invalid ${field}`);
    return value;
  };

  let name = cString(block.subarray(0, 100));
  // POSIX ustar splits long paths into prefix + name; GNU headers use those bytes for other fields.
  if (block.toString('latin1', 257, 265) === 'ustar\x0000') {
    const prefix = cString(block.subarray(345, 500));
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: number(100, 8, 'mode') & 0o7777,
    size: number(124, 12, 'size'),
    typeFlag: String.fromCharCode(block[156] ?? 0),
    linkName: cString(block.subarray(157, 257)),
  };
}

/**
 * The checksum is the byte sum of the header with its own field read as spaces; old writers summed signed bytes,
 * which is the unsigned sum less 256 for every byte from 0x80 up.
 */
function hasValidChecksum(block: Buffer): boolean {
  const stored = parseNumber(block, 148, 156);
  if (stored === undefined) return false;
  let unsigned = 8 * SPACE;
  for (let index = 0; index < 148; index++) unsigned += block[index]!;
  for (let index = 156; index < BLOCK_SIZE; index++) unsigned += block[index]!;
  if (stored === unsigned) return true;
  let high = 0;
  for (let index = 0; index < BLOCK_SIZE; index++) if ((index < 148 || index >= 156) && block[index]! >= 0x80) high++;
  return stored === unsigned - 256 * high;
}

const SPACE = 0x20;
const DIGIT_ZERO = 0x30;
const DIGIT_SEVEN = 0x37;

/**
 * The number in bytes `start` to `end` of a header: octal digits after optional spaces, ended by spaces or NULs
 * (nothing but those may follow), or GNU base-256 (high bit of the first byte set) for big values. Read byte by byte:
 * there are about a hundred header fields per package archive.
 */
function parseNumber(block: Buffer, start: number, end: number): number | undefined {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    if (first & 0x40) return undefined; // negative
    let value = first & 0x3f;
    for (let index = start + 1; index < end; index++) value = value * 256 + block[index]!;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  let index = start;
  while (index < end && block[index] === SPACE) index++;
  let value = 0;
  for (; index < end; index++) {
    const byte = block[index]!;
    if (byte < DIGIT_ZERO || byte > DIGIT_SEVEN) break;
    value = value * 8 + (byte - DIGIT_ZERO);
  }
  for (; index < end; index++) {
    if (block[index] !== 0 && block[index] !== SPACE) return undefined;
  }
  return value;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
}

/** Pax records are `<length> <key>=<value>\n`, the length counting the whole record; trailing NULs are padding. */
function parsePaxRecords(data: Buffer, archiveName: string): Overrides {
  const overrides: Overrides = {};
  const corrupt = (): InvalidInputError => new InvalidInputError(`${archiveName}: corrupt pax header`);
  let position = 0;
  while (position < data.length && data[position] !== 0) {
    const space = data.indexOf(0x20, position);
    const lengthText = space === -1 ? '' : data.toString('latin1', position, space);
    const length = /^[0-9]+$/.test(lengthText) ? Number(lengthText) : 0;
    const end = position + length;
    if (length === 0 || end > data.length || data[end - 1] !== 0x0a) throw corrupt();
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw corrupt();
    const key = record.toString('utf8', 0, equals);
    const value = record.toString('utf8', equals + 1);
    if (key === 'path') overrides.path = value;
    else if (key === 'linkpath') overrides.linkPath = value;
    else if (key === 'size') {
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) throw corrupt();
      overrides.size = Number(value);
    }
    position = end;
  }
  return overrides;
}
