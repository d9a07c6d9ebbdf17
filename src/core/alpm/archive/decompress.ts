import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable, pipeline } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InvalidInputError, errorMessage } from '../../errors.js';
import { zstdDecodedSizeBound } from './zstd-bound.js';

/** Compression formats of package archives and repository databases, recognised by their leading magic bytes. */
export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

const SIGNATURES: ReadonlyArray<readonly [Compression, Buffer]> = [
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];
const BZIP2_SIGNATURE = Buffer.from('BZh');
/** An uncompressed tar has `ustar` (POSIX `ustar\0`, GNU `ustar `) at this offset of its first header. */
const TAR_MAGIC = Buffer.from('ustar');
const TAR_MAGIC_OFFSET = 257;
const DETECTION_LENGTH = TAR_MAGIC_OFFSET + TAR_MAGIC.length;
/** Bigger reads than the 64 KiB default: fewer round trips through the thread pool for big packages. */
const READ_CHUNK_SIZE = 256 * 1024;

/** Identifies the compression of data from its first bytes (at least {@link DETECTION_LENGTH} unless shorter). */
export function detectCompression(head: Buffer, name: string): Compression {
  if (head.length === 0) throw new InvalidInputError(`${name}: file is empty`);
  for (const [compression, signature] of SIGNATURES) {
    if (head.subarray(0, signature.length).equals(signature)) return compression;
  }
  if (head.subarray(TAR_MAGIC_OFFSET, DETECTION_LENGTH).equals(TAR_MAGIC)) return 'none';
  if (head.subarray(0, BZIP2_SIGNATURE.length).equals(BZIP2_SIGNATURE)) {
    throw new InvalidInputError(`${name}: bzip2 compression is not supported (use zstd, xz or gzip)`);
  }
  throw new InvalidInputError(`${name}: not a tar archive compressed with zstd, xz or gzip`);
}

export interface DecompressFileOptions {
  /** Sees every chunk of the file as read from disk, e.g. to hash it in the same pass. */
  onRawChunk?: (chunk: Buffer) => void;
}

/** The decompressed bytes of a file, whatever its compression (see {@link decompress}). */
export function decompressFile(path: string, options: DecompressFileOptions = {}): Readable {
  const { onRawChunk } = options;
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_SIZE });
  return decompress(onRawChunk ? observe(file, onRawChunk) : file, path);
}

/**
 * Detects the compression of `source` from its first bytes and returns a byte stream of its decompressed content.
 * Unknown formats and corrupt or truncated compressed data make the stream fail with an {@link InvalidInputError}
 * naming `name`.
 */
export function decompress(source: AsyncIterable<Buffer>, name: string): Readable {
  return Readable.from(decompressChunks(source, name), { objectMode: false });
}

/**
 * {@link decompress} of a file's bytes held whole in memory: for what {@link decompressWhole} leaves to streaming.
 * xz is then decoded in-process, where starting `xz` for a small file would cost more than decoding it.
 */
export function decompressHeld(data: Buffer, name: string): Readable {
  return Readable.from(decompressChunks(only(data), name, data), { objectMode: false });
}

/** `held`: the whole of `source`, when it is in memory. */
async function* decompressChunks(source: AsyncIterable<Buffer>, name: string, held?: Buffer): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let compression: Compression | undefined;
  try {
    const head = await readHead(iterator);
    compression = detectCompression(head, name);
    const chunks = prepend(head, iterator);
    switch (compression) {
      case 'none':
        yield* chunks;
        break;
      case 'gzip':
        yield* gunzip(chunks);
        break;
      case 'zstd':
        yield* unzstd(chunks);
        break;
      case 'xz':
        yield* held ? unxzHeld(held) : unxz(chunks);
        break;
    }
  } catch (error) {
    if (compression === undefined || error instanceof InvalidInputError || isSystemError(error)) throw error;
    throw new InvalidInputError(`${name}: corrupt ${compression} data: ${errorMessage(error)}`, { cause: error });
  } finally {
    await iterator.return?.(); // closes the file when decompression stops early
  }
}

/** Read failures of the file itself (EIO, ENOENT...) are reported as they are, not as corrupt data. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && 'syscall' in error;
}

async function readHead(iterator: AsyncIterator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < DETECTION_LENGTH) {
    const next = await iterator.next();
    if (next.done) break;
    parts.push(next.value);
    length += next.value.length;
  }
  return Buffer.concat(parts);
}

async function* only(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

async function* observe(source: AsyncIterable<Buffer>, onChunk: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    onChunk(chunk);
    yield chunk;
  }
}

function gunzip(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  // pipeline() destroys every stream with the first error, so a read or inflate failure ends the iteration.
  // zlib's 16 KiB output chunks would cost a thread-pool round trip each: a files database of 1,000 packages is 4.5 MB
  return pipeline(Readable.from(chunks, { objectMode: false }), createGunzip({ chunkSize: READ_CHUNK_SIZE }), () => undefined);
}

/**
 * The decompressed content of a file's bytes held whole, synchronously: for small files, where the stream machinery
 * and a thread-pool round trip cost more than decoding (a worker thread decodes many at once). Undefined when the
 * content may be bigger than {@link WHOLE_OUTPUT_LIMIT}, and for xz, which has no decoder here that stops at a bound:
 * the caller streams it instead ({@link decompressHeld}). Errors as {@link decompress}. zstd content is decoded into
 * a scratch buffer of this thread, which the next call overwrites: copy what you keep.
 */
export function decompressWhole(data: Buffer, name: string): Buffer | undefined {
  const compression = detectCompression(data, name);
  try {
    switch (compression) {
      case 'none':
        return data;
      case 'gzip':
        return gunzipSync(data, { maxOutputLength: WHOLE_OUTPUT_LIMIT });
      case 'zstd':
        return unzstdWhole(data);
      case 'xz':
        return undefined;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw new InvalidInputError(`${name}: corrupt ${compression} data: ${errorMessage(error)}`, { cause: error });
  }
}

/** A decoder of compiled code (a native addon, WebAssembly), required when first needed: most commands need none. */
const decoderPackage = <T>(name: string): T => createRequire(import.meta.url)(name) as T;

/** Loaded when a small xz file comes: xz packages are rare next to zstd ones. */
const xzEmbedded = (): typeof import('xz-decompress') => decoderPackage('xz-decompress');

type Zstd = typeof import('zstd-napi/binding.js');
const zstd = (): Zstd => decoderPackage<Zstd>('zstd-napi/binding.js');

/**
 * Whole decoding holds the output in memory: a small file can decompress to gigabytes (RLE blocks, runs of zeros), so
 * zstd data is decoded whole only when its frame headers promise at most this much, and gunzip stops here; anything
 * else is streamed.
 */
const WHOLE_OUTPUT_LIMIT = 64 * 1024 * 1024;

/**
 * Whole zstd decoding reuses one context and one output buffer per thread: a fresh buffer per file costs more than
 * decoding it, in page faults (its memory is mapped and zeroed for every file) and in unmapping it again.
 */
let wholeContext: InstanceType<Zstd['DCtx']> | undefined;
let scratch = Buffer.alloc(0);

function unzstdWhole(data: Buffer): Buffer | undefined {
  const bound = zstdDecodedSizeBound(data);
  if (bound === undefined || bound > WHOLE_OUTPUT_LIMIT) return undefined;
  wholeContext ??= new (zstd().DCtx)();
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, 2 * scratch.length));
  return scratch.subarray(0, wholeContext.decompress(scratch, data));
}

/** Bytes of decompressed output per chunk of a zstd stream (what zstd itself recommends for a full block). */
const ZSTD_STREAM_CHUNK = 128 * 1024;
/** Streams may use windows up to 2 GiB (`zstd --long=31`), as libarchive, and so pacman, accept. */
const ZSTD_WINDOW_LOG_MAX = 31;

/** Decodes a zstd stream in chunks (constant memory), checking frame checksums; rejects data that ends inside a frame. */
async function* unzstd(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const { DCtx, DParameter } = zstd();
  const context = new DCtx();
  context.setParameter(DParameter.windowLogMax, ZSTD_WINDOW_LOG_MAX);
  let frameLeft = 0;
  for await (const chunk of chunks) {
    let input = chunk;
    let full: boolean;
    do {
      // each output chunk is a fresh buffer: the caller may keep it
      const output = Buffer.allocUnsafe(ZSTD_STREAM_CHUNK);
      const [hint, produced, consumed] = context.decompressStream(output, input);
      frameLeft = hint;
      input = input.subarray(consumed);
      if (produced > 0) yield output.subarray(0, produced);
      full = produced === output.length;
    } while (input.length > 0 || full);
  }
  if (frameLeft !== 0) throw new Error('the data ends inside a frame');
}

/**
 * Streams xz through xz-utils' own `xz`, beside this process: a big package decodes faster there than in-process, and
 * next to decoding it, starting a process costs nothing. Small files held in memory are decoded in-process
 * ({@link decompressHeld}).
 */
async function* unxz(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const { filterThrough } = await import('../../process.js'); // child_process: only for the rare big xz file
  yield* filterThrough('xz', ['--decompress', '--stdout'], chunks);
}

/** What xz-embedded's return codes mean (`enum xz_ret`), for errors that say what is wrong. */
const XZ_EMBEDDED_ERRORS: Readonly<Record<string, string>> = {
  '2': 'an integrity check of an unsupported type',
  '3': 'out of memory',
  '4': 'a dictionary bigger than the in-process decoder takes',
  '5': 'not xz data',
  '6': 'unsupported options',
  '7': 'the compressed data is corrupt',
  '8': 'the data ends early, or is followed by something that is not xz',
};
const XZ_EMBEDDED_ERROR = /error code (\d+)$/;
const XZ_MEMLIMIT_ERROR = '4';

/**
 * Decodes xz held in memory in-process, with xz-embedded (xz-decompress, WebAssembly): as a stream, so the output
 * is bounded by what its consumer holds however much the data promises, and with every check of the format (the
 * integrity checks included). A dictionary over the 64 MiB it takes (`xz -9` uses 64 MiB) goes through `xz`.
 */
async function* unxzHeld(data: Buffer): AsyncGenerator<Buffer> {
  const { XzReadableStream } = xzEmbedded();
  let produced = false;
  try {
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data);
        controller.close();
      },
    });
    for await (const chunk of new XzReadableStream(source)) {
      produced = true;
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (error) {
    const code = XZ_EMBEDDED_ERROR.exec(errorMessage(error))?.[1];
    if (code === XZ_MEMLIMIT_ERROR && !produced) {
      yield* unxz(only(data));
      return;
    }
    throw code === undefined ? error : new Error(XZ_EMBEDDED_ERRORS[code] ?? `xz-embedded error ${code}`, { cause: error });
  }
}
