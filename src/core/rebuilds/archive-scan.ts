/**
 * What a built package archive says about its build: the packages installed while it was built (`.BUILDINFO`
 * `installed =` lines), and, from the ELF files it holds, the sonames its libraries provide and the sonames its
 * files need. One pass over the archive; ELF files are written to a private directory for readelf.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decompressFile } from '../alpm/archive/decompress.js';
import { readTarEntries } from '../alpm/archive/tar-reader.js';
import { parseKeyValueLines, parsePkginfo } from '../alpm/pkginfo.js';
import { InvalidInputError } from '../errors.js';
import { isElf, readDynamicSections } from './elf.js';

export interface ArchiveScan {
  name: string;
  base: string;
  version: string;
  depends: string[];
  makeDepends: string[];
  /** Package name -> version of each package installed during the build. */
  installed: Map<string, string>;
  /** Soname -> path (in the package) of the library providing it. */
  sonames: Map<string, string>;
  /** Sonames the package's ELF files need. */
  needed: Set<string>;
}

/** Files bigger than this are not read for ELF headers (nothing links against such a file). */
const MAX_SCANNED_SIZE = 512 * 1024 * 1024;
/** Separate debug information (the `-debug` packages) provides and needs nothing at run time. */
const DEBUG_FILES = /^usr\/lib\/debug\//;
/** `installed = name-pkgver-pkgrel-arch`. */
const INSTALLED = /^(.+)-([^-]+-[^-]+)-[^-]+$/;

/** The `installed` lines of a `.BUILDINFO` text as name -> version. */
export function parseBuildinfoInstalled(text: string, source: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const { key, value, where } of parseKeyValueLines(text, source)) {
    if (key !== 'installed') continue;
    const match = INSTALLED.exec(value);
    if (!match) throw new InvalidInputError(`${where}: expected 'installed = name-version-release-arch', got '${value}'`);
    installed.set(match[1]!, match[2]!);
  }
  return installed;
}

export async function scanArchive(file: string): Promise<ArchiveScan> {
  // made at the first ELF file: most archives of `any` packages hold none
  let directory: string | undefined;
  try {
    let pkginfo: string | undefined;
    let buildinfo: string | undefined;
    const elfFiles = new Map<string, string>();
    const wantContent = (entry: { name: string; type: string; size: number }): boolean =>
      entry.name === '.PKGINFO' || entry.name === '.BUILDINFO' || (entry.type === 'file' && !entry.name.startsWith('.') && !DEBUG_FILES.test(entry.name) && entry.size >= 4 && entry.size <= MAX_SCANNED_SIZE);
    for await (const entry of readTarEntries(decompressFile(file), { archiveName: file, wantContent })) {
      if (entry.content === undefined) continue;
      if (entry.name === '.PKGINFO') pkginfo = entry.content.toString('utf8');
      else if (entry.name === '.BUILDINFO') buildinfo = entry.content.toString('utf8');
      else if (isElf(entry.content)) {
        directory ??= await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-scan-'));
        const copy = path.join(directory, String(elfFiles.size));
        await fs.writeFile(copy, entry.content);
        elfFiles.set(copy, entry.name.replace(/^\.?\//, ''));
      }
    }
    if (pkginfo === undefined) throw new InvalidInputError(`${file}: not a package archive (no .PKGINFO)`);
    const info = parsePkginfo(pkginfo, `${file}: .PKGINFO`);
    const sonames = new Map<string, string>();
    const needed = new Set<string>();
    for (const [copy, section] of await readDynamicSections([...elfFiles.keys()])) {
      if (section.soname !== undefined) sonames.set(section.soname, elfFiles.get(copy)!);
      for (const name of section.needed) needed.add(name);
    }
    for (const soname of sonames.keys()) needed.delete(soname);
    return {
      name: info.name,
      base: info.base,
      version: info.version,
      depends: info.depends,
      makeDepends: info.makeDepends,
      installed: buildinfo === undefined ? new Map() : parseBuildinfoInstalled(buildinfo, `${file}: .BUILDINFO`),
      sonames,
      needed,
    };
  } finally {
    if (directory !== undefined) await fs.rm(directory, { recursive: true, force: true });
  }
}
