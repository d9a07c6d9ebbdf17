import { createHash } from 'node:crypto';
import path from 'node:path';
import type { PackageMetadata } from '../../models/package-metadata.js';
import { InvalidInputError } from '../errors.js';
import { decompressFile } from './archive/decompress.js';
import { readTarEntries } from './archive/tar-reader.js';
import { parsePkginfo } from './pkginfo.js';

const PKGINFO = '.PKGINFO';
/** Real .PKGINFO files are a few KiB; a bigger one is not read into memory. */
const MAX_PKGINFO_SIZE = 1024 * 1024;

/**
 * Reads everything the repository database needs about a package archive in one pass over the file: the raw bytes
 * are hashed (md5, sha256) while they are decompressed and the tar entries listed, and `.PKGINFO` is parsed.
 * Throws {@link InvalidInputError} naming the file when it is not a readable package archive or its metadata breaks
 * pacman's rules (checked by {@link parsePkginfo}).
 */
export async function readPackageArchive(file: string): Promise<PackageMetadata> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let compressedSize = 0;
  const content = decompressFile(file, {
    onRawChunk: (chunk) => {
      md5.update(chunk);
      sha256.update(chunk);
      compressedSize += chunk.length;
    },
  });

  let pkginfo: Buffer | undefined;
  const files: string[] = [];
  const wantContent = (entry: { name: string; size: number }): boolean => {
    if (entry.name !== PKGINFO) return false;
    if (entry.size > MAX_PKGINFO_SIZE) {
      throw new InvalidInputError(`${file}: ${PKGINFO} is too big (${entry.size} bytes)`);
    }
    return true;
  };
  for await (const entry of readTarEntries(content, { archiveName: file, wantContent })) {
    if (entry.name === PKGINFO) {
      if (pkginfo !== undefined) throw new InvalidInputError(`${file}: more than one ${PKGINFO}`);
      if (entry.type !== 'file') throw new InvalidInputError(`${file}: ${PKGINFO} is not a regular file`);
      pkginfo = entry.content ?? Buffer.alloc(0);
    } else if (!entry.name.startsWith('.')) {
      files.push(entry.name);
    }
  }
  if (pkginfo === undefined) throw new InvalidInputError(`${file}: not a package archive (no ${PKGINFO})`);

  const info = parsePkginfo(pkginfo.toString('utf8'), `${file}: ${PKGINFO}`);
  return {
    ...info,
    fileName: path.basename(file),
    compressedSize,
    md5: md5.digest('hex'),
    sha256: sha256.digest('hex'),
    files: sortedUnique(files),
  };
}

/** Byte-wise order without duplicates, as repo-add's `LC_ALL=C sort -u` produces. */
function sortedUnique(paths: readonly string[]): string[] {
  const sorted = paths.map((entry) => Buffer.from(entry, 'utf8')).sort(Buffer.compare);
  return sorted
    .filter((entry, index) => index === 0 || !entry.equals(sorted[index - 1]!))
    .map((entry) => entry.toString('utf8'));
}
