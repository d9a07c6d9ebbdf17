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
  const name = options.archiveName;
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let global: Overrides = {};
  let local: Overrides = {};
  try {
    for (;;) {
      const headerOffset = reader.position;
      const block = await reader.read(BLOCK_SIZE);
      if (block.length < BLOCK_SIZE) {
        throw new InvalidInputError(`${name}: truncated tar archive (no end-of-archive marker)`);
      }
      if (isZeroBlock(block)) break;
      const header = parseHeader(block, name, headerOffset);

      const metadata = async (): Promise<Buffer> => {
        if (header.size > MAX_METADATA_SIZE) {
          throw new InvalidInputError(`${name}: corrupt tar archive: oversized '${header.typeFlag}' header`);
        }
        return readData(reader, header.size, name, `the '${header.typeFlag}' header at byte ${headerOffset}`);
      };
      switch (header.typeFlag) {
        case 'x':
          local = { ...local, ...parsePaxRecords(await metadata(), name) };
          continue;
        case 'g':
          global = { ...global, ...parsePaxRecords(await metadata(), name) };
          continue;
        case 'L':
          local.path = cString(await metadata());
          continue;
        case 'K':
          local.linkPath = cString(await metadata());
          continue;
      }

      const entry = makeEntry(header, { ...global, ...local }, name);
      local = {};
      if (entry.size > 0 && options.wantContent?.(entry)) {
        entry.content = await readData(reader, entry.size, name, `'${entry.name}'`);
      } else {
        await skipData(reader, entry.size, name, `'${entry.name}'`);
      }
      yield entry;
    }
    await reader.drain();
  } finally {
    await reader.close();
  }
}

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

/** Reads `size` bytes of entry data, then skips the padding to the next block. */
async function readData(reader: ByteReader, size: number, archiveName: string, what: string): Promise<Buffer> {
  const data = await reader.read(size);
  if (data.length < size) throw truncatedInside(archiveName, what);
  await skipPadding(reader, size, archiveName, what);
  return data;
}

/** Skips `size` bytes of entry data and the padding to the next block. */
async function skipData(reader: ByteReader, size: number, archiveName: string, what: string): Promise<void> {
  if ((await reader.skip(size)) < size) throw truncatedInside(archiveName, what);
  await skipPadding(reader, size, archiveName, what);
}

async function skipPadding(reader: ByteReader, dataSize: number, archiveName: string, what: string): Promise<void> {
  const padding = (BLOCK_SIZE - (dataSize % BLOCK_SIZE)) % BLOCK_SIZE;
  if ((await reader.skip(padding)) < padding) throw truncatedInside(archiveName, what);
}

function truncatedInside(archiveName: string, what: string): InvalidInputError {
  return new InvalidInputError(`${archiveName}: truncated tar archive (ends inside ${what})`);
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
  let unsigned = 8 * 0x20;
  let high = 0;
  for (let index = 0; index < BLOCK_SIZE; index++) {
    if (index === 148) {
      index = 155; // the checksum field itself, counted as spaces above
      continue;
    }
    const byte = block[index]!;
    unsigned += byte;
    if (byte >= 0x80) high++;
  }
  return stored === unsigned || stored === unsigned - 256 * high;
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

/** Reads exact byte counts from a chunked source, sharing chunk memory instead of copying where it can. */
class ByteReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private finished = false;
  /** Bytes handed out or skipped so far. */
  position = 0;

  constructor(private readonly iterator: AsyncIterator<Buffer>) {}

  /** Exactly `length` bytes, or fewer when the source ends first. */
  async read(length: number): Promise<Buffer> {
    while (this.buffered < length && (await this.fill()));
    const count = Math.min(length, this.buffered);
    if ((this.chunks[0]?.length ?? 0) < count) {
      this.chunks.splice(0, this.chunks.length, Buffer.concat(this.chunks, this.buffered));
    }
    const result = (this.chunks[0] ?? Buffer.alloc(0)).subarray(0, count);
    this.consume(count);
    return result;
  }

  /** Skips up to `length` bytes; returns how many were skipped (fewer only when the source ended). */
  async skip(length: number): Promise<number> {
    let skipped = 0;
    while (skipped < length) {
      if (this.buffered === 0 && !(await this.fill())) break;
      const step = Math.min(length - skipped, this.buffered);
      this.consume(step);
      skipped += step;
    }
    return skipped;
  }

  /** Consumes the rest of the source. */
  async drain(): Promise<void> {
    while (await this.fill()) this.consume(this.buffered);
  }

  async close(): Promise<void> {
    if (!this.finished) await this.iterator.return?.();
  }

  private async fill(): Promise<boolean> {
    if (this.finished) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.finished = true;
      return false;
    }
    this.chunks.push(next.value);
    this.buffered += next.value.length;
    return true;
  }

  /** Drops `count` buffered bytes from the front. */
  private consume(count: number): void {
    let remaining = count;
    while (remaining > 0) {
      const first = this.chunks[0]!;
      if (first.length <= remaining) {
        this.chunks.shift();
        remaining -= first.length;
      } else {
        this.chunks[0] = first.subarray(remaining);
        remaining = 0;
      }
    }
    this.buffered -= count;
    this.position += count;
  }
}
