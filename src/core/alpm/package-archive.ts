import { createHash } from 'node:crypto';
import path from 'node:path';
import type { PackageMetadata } from '../../models/package-metadata.js';
import { InvalidInputError } from '../errors.js';
import { decompress, decompressFile, decompressHeld, decompressWhole } from './archive/decompress.js';
import { type TarEntry, TarParser } from './archive/tar-reader.js';
import { parsePkginfo } from './pkginfo.js';

const PKGINFO = '.PKGINFO';
/** Real .PKGINFO files are a few KiB; a bigger one is not read into memory. */
const MAX_PKGINFO_SIZE = 1024 * 1024;

/** An empty or `.` component: `./usr`, `usr//bin`, `usr/./bin`, `usr/` (the usual name of a directory). */
const EMPTY_OR_DOT_COMPONENT = /(^|\/)\.?(\/|$)/;

/** An entry name without empty and `.` components (`./usr//bin/` -> `usr/bin`); plain names are returned as they are. */
function normalizedName(name: string): string {
  if (!EMPTY_OR_DOT_COMPONENT.test(name)) return name;
  return name
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** An absolute name, or one with a `..` component. */
const UNSAFE_NAME = /^\/|(^|\/)\.\.(\/|$)/;

/**
 * Refuses an entry that pacman would extract outside the root it installs into: an absolute name, a `..` component,
 * a hard link to such a name, or a name below an entry the archive made a symbolic link (the link could lead anywhere).
 */
function checkEntrySafety(file: string, entry: TarEntry, symlinks: Set<string>): void {
  if (UNSAFE_NAME.test(entry.name)) throw new InvalidInputError(`${file}: unsafe entry ${JSON.stringify(entry.name)} (absolute or with ..)`);
  if (entry.type === 'hardlink' && UNSAFE_NAME.test(entry.linkName ?? '')) {
    throw new InvalidInputError(`${file}: hard link ${JSON.stringify(entry.name)} to an unsafe name ${JSON.stringify(entry.linkName)}`);
  }
  if (symlinks.size === 0 && entry.type !== 'symlink') return;
  const name = normalizedName(entry.name);
  for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) {
    if (symlinks.has(name.slice(0, slash))) {
      throw new InvalidInputError(`${file}: entry ${JSON.stringify(entry.name)} lies below a symbolic link of the same archive`);
    }
  }
  if (entry.type === 'symlink') symlinks.add(name);
}

/** What the repository database needs from the entries of a package archive, gathered as a tar parser finds them. */
class ArchiveContents {
  private readonly parser: TarParser;
  private readonly files: string[] = [];
  private readonly symlinks = new Set<string>();
  private pkginfo: Buffer | undefined;

  constructor(private readonly file: string) {
    const wantContent = (entry: { name: string; size: number }): boolean => {
      if (entry.name !== PKGINFO) return false;
      if (entry.size > MAX_PKGINFO_SIZE) throw new InvalidInputError(`${file}: ${PKGINFO} is too big (${entry.size} bytes)`);
      return true;
    };
    this.parser = new TarParser({ archiveName: file, wantContent });
  }

  /** Parses the next chunk of the decompressed archive. */
  push(chunk: Buffer): void {
    for (const entry of this.parser.push(chunk)) {
      checkEntrySafety(this.file, entry, this.symlinks);
      if (entry.name === PKGINFO) {
        if (this.pkginfo !== undefined) throw new InvalidInputError(`${this.file}: more than one ${PKGINFO}`);
        if (entry.type !== 'file') throw new InvalidInputError(`${this.file}: ${PKGINFO} is not a regular file`);
        this.pkginfo = entry.content ?? Buffer.alloc(0);
      } else if (!entry.name.startsWith('.')) {
        this.files.push(entry.name);
      }
    }
  }

  /** The metadata, once the whole archive was pushed; `raw` describes the compressed file. */
  metadata(raw: Pick<PackageMetadata, 'compressedSize' | 'md5' | 'sha256'>): PackageMetadata {
    this.parser.end();
    if (this.pkginfo === undefined) throw new InvalidInputError(`${this.file}: not a package archive (no ${PKGINFO})`);
    const info = parsePkginfo(this.pkginfo.toString('utf8'), `${this.file}: ${PKGINFO}`);
    return { ...info, fileName: path.basename(this.file), ...raw, files: sortedUnique(this.files) };
  }
}

/**
 * Reads everything the repository database needs about a package archive in one pass over the file: the raw bytes
 * are hashed (md5, sha256) while they are decompressed and the tar entries listed, and `.PKGINFO` is parsed.
 * `source`, when given, is where the bytes come from (an already opened file); `file` then only names the archive.
 * Throws {@link InvalidInputError} naming the file when it is not a readable package archive, holds an entry that
 * could land outside the install root, or its metadata breaks pacman's rules (checked by {@link parsePkginfo}).
 */
export async function readPackageArchive(file: string, source?: AsyncIterable<Buffer>): Promise<PackageMetadata> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let compressedSize = 0;
  const onRawChunk = (chunk: Buffer): void => {
    md5.update(chunk);
    sha256.update(chunk);
    compressedSize += chunk.length;
  };
  const content = source ? decompress(observed(source, onRawChunk), file) : decompressFile(file, { onRawChunk });
  const contents = new ArchiveContents(file);
  for await (const chunk of content) contents.push(chunk);
  return contents.metadata({ compressedSize, md5: md5.digest('hex'), sha256: sha256.digest('hex') });
}

/** The size and checksums of an archive's bytes held whole. */
function wholeDigests(bytes: Buffer): { compressedSize: number; md5: string; sha256: string } {
  return { compressedSize: bytes.length, md5: createHash('md5').update(bytes).digest('hex'), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * {@link readPackageArchive} of an archive held whole in memory, synchronously (see {@link decompressWhole}); undefined
 * when its content is not decompressed whole (it may be too big, or it is xz), so the caller streams it with
 * {@link readHeldPackageArchive}.
 */
export function readWholePackageArchive(file: string, bytes: Buffer): PackageMetadata | undefined {
  const content = decompressWhole(bytes, file);
  if (content === undefined) return undefined;
  const contents = new ArchiveContents(file);
  contents.push(content);
  return contents.metadata(wholeDigests(bytes));
}

/** {@link readPackageArchive} of an archive held whole in memory whose content is streamed (see {@link decompressHeld}). */
export async function readHeldPackageArchive(file: string, bytes: Buffer): Promise<PackageMetadata> {
  const contents = new ArchiveContents(file);
  for await (const chunk of decompressHeld(bytes, file)) contents.push(chunk);
  return contents.metadata(wholeDigests(bytes));
}

async function* observed(source: AsyncIterable<Buffer>, onChunk: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    onChunk(chunk);
    yield chunk;
  }
}

/** Byte-wise order without duplicates, as repo-add's `LC_ALL=C sort -u` produces. */
function sortedUnique(paths: readonly string[]): string[] {
  // makepkg lists an archive's files sorted already: the sort then only confirms the order
  const sorted = [...paths].sort(compareUtf8);
  return sorted.filter((entry, index) => index === 0 || entry !== sorted[index - 1]);
}

/**
 * The order of the UTF-8 bytes of two strings, without encoding them. UTF-16 code units order strings as UTF-8 bytes
 * do, except that a surrogate (a character above U+FFFF) sorts below U+E000-U+FFFF in UTF-16 and above it in UTF-8.
 */
export function compareUtf8(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const one = left.charCodeAt(index);
    const other = right.charCodeAt(index);
    if (one === other) continue;
    if (one >= 0xd800 && other >= 0xd800 && isSurrogate(one) !== isSurrogate(other)) return isSurrogate(one) ? 1 : -1;
    return one - other;
  }
  return left.length - right.length;
}

const isSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdfff;
