/**
 * Reader of pacman sync databases (`<repo>.db`, `<repo>.files`): a compressed tar with one `<name>-<version>/`
 * directory per package holding `desc` (and, in the files database, `files`; very old databases split some fields
 * into `depends`). Each of those files is a list of blocks: a `%FIELD%` line, one value per line, an empty line.
 */
import type { PackageMetadata } from '../../models/package-metadata.js';
import { InvalidInputError } from '../errors.js';
import { decompressFile } from './archive/decompress.js';
import { readTarEntries } from './archive/tar-reader.js';

/** The `desc` entry of one package: what a package archive says of itself, less its file list, backup and xdata. */
export interface DescEntry extends Omit<PackageMetadata, 'files' | 'backup' | 'xdata'> {
  /** Base64 of the package's detached signature; empty when the package is not signed. */
  pgpSignature: string;
}

export interface SyncDatabaseEntry extends DescEntry {
  /** The `%FILES%` list of a files database; undefined when the database has no `files` entry for the package. */
  files: string[] | undefined;
}

type DescProperty<Value> = { [K in keyof DescEntry]: DescEntry[K] extends Value ? K : never }[keyof DescEntry];
export type DescField =
  | { block: string; kind: 'text'; property: DescProperty<string> }
  | { block: string; kind: 'number'; property: DescProperty<number> }
  | { block: string; kind: 'list'; property: DescProperty<string[]> };

/**
 * The `desc` blocks in the order repo-add writes them. repo-add leaves out a block whose (first) value is empty, so
 * a reader must treat a missing block as empty.
 */
export const DESC_FIELDS: readonly DescField[] = [
  { block: 'FILENAME', kind: 'text', property: 'fileName' },
  { block: 'NAME', kind: 'text', property: 'name' },
  { block: 'BASE', kind: 'text', property: 'base' },
  { block: 'VERSION', kind: 'text', property: 'version' },
  { block: 'DESC', kind: 'text', property: 'description' },
  { block: 'GROUPS', kind: 'list', property: 'groups' },
  { block: 'CSIZE', kind: 'number', property: 'compressedSize' },
  { block: 'ISIZE', kind: 'number', property: 'installedSize' },
  { block: 'MD5SUM', kind: 'text', property: 'md5' },
  { block: 'SHA256SUM', kind: 'text', property: 'sha256' },
  { block: 'PGPSIG', kind: 'text', property: 'pgpSignature' },
  { block: 'URL', kind: 'text', property: 'url' },
  { block: 'LICENSE', kind: 'list', property: 'licenses' },
  { block: 'ARCH', kind: 'text', property: 'architecture' },
  { block: 'BUILDDATE', kind: 'number', property: 'buildDate' },
  { block: 'PACKAGER', kind: 'text', property: 'packager' },
  { block: 'REPLACES', kind: 'list', property: 'replaces' },
  { block: 'CONFLICTS', kind: 'list', property: 'conflicts' },
  { block: 'PROVIDES', kind: 'list', property: 'provides' },
  { block: 'DEPENDS', kind: 'list', property: 'depends' },
  { block: 'OPTDEPENDS', kind: 'list', property: 'optDepends' },
  { block: 'MAKEDEPENDS', kind: 'list', property: 'makeDepends' },
  { block: 'CHECKDEPENDS', kind: 'list', property: 'checkDepends' },
];
/** The block of the `files` entry of a files database. */
export const FILES_BLOCK = 'FILES';

/** Block name -> values, in file order. */
export type DescBlocks = Map<string, string[]>;

const BLOCK_HEADER = /^%([A-Z0-9_]+)%$/;
/** Files of a database entry directory; pacman ignores any other. */
const ENTRY_FILES = new Set(['desc', 'depends', 'files']);

/**
 * Parses the blocks of a `desc`, `depends` or `files` entry into `into`; `source` names the entry in errors.
 * Throws {@link InvalidInputError} on text outside a block and on a block that is already present.
 */
export function parseDescBlocks(text: string, source: string, into: DescBlocks = new Map()): DescBlocks {
  let current: string[] | undefined;
  for (const [index, line] of text.split('\n').entries()) {
    if (current !== undefined) {
      if (line === '') current = undefined;
      else current.push(line);
      continue;
    }
    if (line === '') continue;
    const header = BLOCK_HEADER.exec(line);
    if (!header) throw new InvalidInputError(`${source}: line ${index + 1}: expected a %FIELD% line, got '${line}'`);
    const block = header[1]!;
    if (into.has(block)) throw new InvalidInputError(`${source}: line ${index + 1}: %${block}% appears twice`);
    current = [];
    into.set(block, current);
  }
  return into;
}

/**
 * Builds the typed entry from its blocks. Throws {@link InvalidInputError} when NAME or VERSION is missing, a
 * single-valued block has several values, or a size or date is not a number. Unknown blocks are ignored.
 */
export function descEntryFromBlocks(blocks: DescBlocks, source: string): DescEntry {
  // DESC_FIELDS names every property of DescEntry, so the loop fills all of them.
  const entry: Record<string, string | number | string[]> = {};
  for (const field of DESC_FIELDS) {
    const values = blocks.get(field.block) ?? [];
    if (field.kind === 'list') {
      entry[field.property] = values;
      continue;
    }
    if (values.length > 1) throw new InvalidInputError(`${source}: %${field.block}% has more than one value`);
    const value = values[0] ?? '';
    if (field.kind === 'text') {
      entry[field.property] = value;
    } else {
      if (value !== '' && !/^[0-9]+$/.test(value)) {
        throw new InvalidInputError(`${source}: %${field.block}% must be a number, got '${value}'`);
      }
      entry[field.property] = Number(value);
    }
  }
  for (const required of ['NAME', 'VERSION']) {
    if (!blocks.get(required)?.[0]) throw new InvalidInputError(`${source}: missing %${required}%`);
  }
  return entry as unknown as DescEntry;
}

/**
 * Reads a sync database (any compression) into its entries, in archive order. Throws {@link InvalidInputError}
 * naming the file when it is not a readable database, is truncated, or an entry is malformed or named differently
 * from its NAME and VERSION.
 */
export async function readSyncDatabase(file: string): Promise<SyncDatabaseEntry[]> {
  const directories = new Map<string, DescBlocks>();
  const content = decompressFile(file);
  for await (const entry of readTarEntries(content, { archiveName: file, wantContent: () => true })) {
    const [directory = '', fileName, ...deeper] = entry.name.split('/');
    if (directory === '' || fileName === undefined || deeper.length > 0) continue;
    const blocks = directories.get(directory) ?? new Map<string, string[]>();
    directories.set(directory, blocks);
    if (entry.type === 'file' && ENTRY_FILES.has(fileName)) {
      parseDescBlocks(entry.content?.toString('utf8') ?? '', `${file}: ${entry.name}`, blocks);
    }
  }

  return [...directories].map(([directory, blocks]) => {
    const source = `${file}: ${directory}`;
    const desc = descEntryFromBlocks(blocks, source);
    if (directory !== `${desc.name}-${desc.version}`) {
      throw new InvalidInputError(`${source}: entry holds ${desc.name} ${desc.version}, not what its name says`);
    }
    return { ...desc, files: blocks.get(FILES_BLOCK) };
  });
}
