/**
 * Intake of package archives (step 1 of a publish, and `package-add` of archives): every archive is read in full,
 * once, before anything moves. Only a plain regular file is read: a symlink, FIFO, device or directory named like an
 * archive is refused without being opened (`O_NOFOLLOW | O_NONBLOCK` and `fstat` guard the open itself against a
 * swap). The archive must be a valid package whose `.PKGINFO` name, version and architecture are what its file name
 * says, built for the repository's architecture or `any`, without entries that could land outside the install root;
 * a signature beside it must be a small regular file.
 */
import { closeSync, constants, type Dirent, fstatSync, open, openSync, read, readSync, write, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PackageMetadata, ValidatedArchive } from '../../models/package-metadata.js';
import { readHeldPackageArchive, readPackageArchive, readWholePackageArchive } from '../alpm/package-archive.js';
import { parsePackageFileName } from '../alpm/validation.js';
import { fileStamp } from '../atomic-file.js';
import { InvalidInputError, errorMessage } from '../errors.js';

/** Real detached signatures are a few hundred bytes. */
const MAX_SIGNATURE_SIZE = 16 * 1024;
const READ_CHUNK_SIZE = 256 * 1024;

export interface InspectOptions {
  /** The repository's architecture: the archive must be built for it or for `any`. */
  architecture: string;
  /** The file name the archive is published under (default: the base name of the file). */
  fileName?: string;
  /** What errors call the archive (default: the file), e.g. the URL it was downloaded from. */
  label?: string;
  /** Follow a symbolic link (an archive the user named on the command line); never for directory listings. */
  follow?: boolean;
  /** Also write the bytes as they are read to this file (staging a copy in the same pass). */
  copyTo?: string;
  /** Archives validated before: one of them is accepted after a read and a hash, without decompression. */
  validated?: ValidatedArchives;
}

/**
 * Archives validated before (by package-add): one whose staged copy still has the stamp package-add took is that
 * copy, and is accepted without a read; any other is looked up by the sha256 of its bytes.
 */
export class ValidatedArchives {
  private readonly bySha256: Map<string, PackageMetadata>;
  private readonly byStamp: Map<string, PackageMetadata>;
  private readonly nameAndSize: Set<string>;
  private readonly names: Set<string>;

  constructor(archives: readonly ValidatedArchive[]) {
    this.bySha256 = new Map(archives.map(({ metadata }) => [metadata.sha256, metadata]));
    this.byStamp = new Map(archives.flatMap(({ metadata, stagedStamp }) => (stagedStamp === null ? [] : [[`${metadata.fileName}/${stagedStamp}`, metadata]])));
    this.nameAndSize = new Set(archives.map(({ metadata }) => `${metadata.fileName}/${metadata.compressedSize}`));
    this.names = new Set(archives.map(({ metadata }) => metadata.fileName));
  }

  /** Whether an archive of this file name was validated (its size still to be compared). */
  named(fileName: string): boolean {
    return this.names.has(fileName);
  }

  /** The archive validated as the staged copy of this name that still has this stamp. */
  stamped(fileName: string, stamp: string): PackageMetadata | undefined {
    return this.byStamp.get(`${fileName}/${stamp}`);
  }

  /** Whether an archive of this name and size was validated: only then is hashing it first worth a read. */
  worthHashing(fileName: string, size: number): boolean {
    return this.nameAndSize.has(`${fileName}/${size}`);
  }

  get(sha256: string): PackageMetadata | undefined {
    return this.bySha256.get(sha256);
  }
}

/** Why a directory entry named like an archive is no candidate, or undefined for a plain regular file. */
export function nonRegularReason(entry: Dirent): string | undefined {
  if (entry.isFile()) return undefined;
  if (entry.isSymbolicLink()) return 'a symbolic link, not a regular file';
  if (entry.isDirectory()) return 'a directory, not a regular file';
  if (entry.isFIFO()) return 'a FIFO, not a regular file';
  return 'not a regular file';
}

/**
 * Archives up to this size are read, copied, hashed and decompressed whole, synchronously: most packages are this
 * small, and every asynchronous call (open, read, write, a decompression) costs a thread-pool round trip worth more
 * than the call. Bigger ones are read in chunks on the thread pool, so memory stays bounded and the event loop free.
 */
const WHOLE_READ_LIMIT = 1024 * 1024;

const openAsync = promisify(open);
const readAsync = promisify(read);
const writeAsync = promisify(write);

/** Opens a regular file for reading (see the module comment); returns its descriptor, size and stamp. */
function openRegular(file: string, follow: boolean): { descriptor: number; size: number; stamp: string } {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (follow ? 0 : constants.O_NOFOLLOW);
  let descriptor: number;
  try {
    descriptor = openSync(file, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new InvalidInputError(`${file}: a symbolic link, not a regular file`);
    throw new InvalidInputError(`${file}: cannot open: ${errorMessage(error)}`);
  }
  const stat = fstatSync(descriptor, { bigint: true });
  if (!stat.isFile()) {
    closeSync(descriptor);
    throw new InvalidInputError(`${file}: not a regular file`);
  }
  return { descriptor, size: Number(stat.size), stamp: fileStamp(stat) };
}

/** The first `size` bytes of an open file in one buffer (fewer when it is shorter now). */
function readWhole(descriptor: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let length = 0;
  for (let count = -1; count !== 0 && length < size; length += count) count = readSync(descriptor, buffer, length, size - length, length);
  return buffer.subarray(0, length);
}

/**
 * The `size` bytes of an open regular file from its start, in chunks of at most {@link READ_CHUNK_SIZE}; each is also
 * written at the same offset of `copy`.
 */
async function* chunksOf(descriptor: number, size: number, copy: number | undefined): AsyncGenerator<Buffer> {
  for (let position = 0; position < size; ) {
    const length = Math.min(READ_CHUNK_SIZE, size - position);
    const { bytesRead, buffer } = await readAsync(descriptor, Buffer.allocUnsafe(length), 0, length, position);
    if (bytesRead === 0) return;
    const chunk = buffer.subarray(0, bytesRead);
    if (copy !== undefined) await writeAsync(copy, chunk, 0, bytesRead, position);
    position += bytesRead;
    yield chunk;
  }
}

function writeWhole(descriptor: number, bytes: Buffer): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(descriptor, bytes, written, bytes.length - written, written);
}

async function sha256Of(descriptor: number, size: number, copy: number | undefined): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunksOf(descriptor, size, copy)) hash.update(chunk);
  return hash.digest('hex');
}

/** The `.PKGINFO` must say what the file name says, and the architecture must be the repository's or `any`. */
function checkAgainstName(file: string, fileName: string, metadata: PackageMetadata, architecture: string): void {
  const named = parsePackageFileName(fileName);
  if (named.name !== metadata.name || named.version !== metadata.version || named.architecture !== metadata.architecture) {
    throw new InvalidInputError(
      `${file}: the file name says ${named.name} ${named.version} (${named.architecture}), its .PKGINFO says ${metadata.name} ${metadata.version} (${metadata.architecture})`,
    );
  }
  if (metadata.architecture !== architecture && metadata.architecture !== 'any') {
    throw new InvalidInputError(`${file}: built for ${metadata.architecture}, but the repository is for ${architecture}`);
  }
}

/**
 * A signature beside an archive must be a regular file of a sane size (it is read whole into the database). Returns
 * whether there is one; `listed` (the names of the directory, when the caller has them) spares a failing lstat.
 */
export async function checkSignature(file: string, listed?: ReadonlySet<string>): Promise<boolean> {
  if (listed && !listed.has(`${path.basename(file)}.sig`)) return false;
  const stat = await fs.lstat(`${file}.sig`).catch(() => undefined);
  if (!stat) return false;
  if (!stat.isFile()) throw new InvalidInputError(`${file}.sig: not a regular file`);
  if (stat.size > MAX_SIGNATURE_SIZE) throw new InvalidInputError(`${file}.sig: ${stat.size} bytes, too big for a signature`);
  return true;
}

/**
 * Reads and validates one archive (see the module comment). Throws an {@link InvalidInputError} whose message
 * starts with the file and says what is wrong.
 */
export async function inspectArchive(file: string, options: InspectOptions): Promise<PackageMetadata> {
  const fileName = options.fileName ?? path.basename(file);
  const label = options.label ?? file;
  try {
    parsePackageFileName(fileName);
  } catch (error) {
    throw new InvalidInputError(`${label}: ${errorMessage(error)}`, { cause: error });
  }
  const { descriptor, size, stamp } = openRegular(file, options.follow ?? false);
  let copy: number | undefined;
  try {
    // the staged copy package-add validated, untouched since, is not read a second time
    let metadata = options.validated?.stamped(fileName, stamp);
    if (metadata === undefined && size <= WHOLE_READ_LIMIT) {
      const whole = readWhole(descriptor, size);
      if (options.copyTo) {
        copy = openSync(options.copyTo, 'wx', 0o644);
        writeWhole(copy, whole);
      }
      if (options.validated?.worthHashing(fileName, whole.length)) metadata = options.validated.get(createHash('sha256').update(whole).digest('hex'));
      metadata ??= readWholePackageArchive(label, whole) ?? (await readHeldPackageArchive(label, whole));
    } else if (metadata === undefined) {
      if (options.copyTo) copy = await openAsync(options.copyTo, 'wx', 0o644);
      if (options.validated?.worthHashing(fileName, size)) metadata = options.validated.get(await sha256Of(descriptor, size, copy));
      metadata ??= await readPackageArchive(label, chunksOf(descriptor, size, copy));
    }
    metadata = { ...metadata, fileName };
    checkAgainstName(label, fileName, metadata, options.architecture);
    return metadata;
  } finally {
    closeSync(descriptor);
    if (copy !== undefined) closeSync(copy);
  }
}
