import { constants as fsConstants, copyFileSync, createReadStream, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PackageMetadata } from '../../models/package-metadata.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { type FileSigner, type RepositoryEntry, databaseFiles, readRepositoryEntries, writeRepositoryDatabase } from '../alpm/repository-database.js';
import { isPackageFileName } from '../alpm/validation.js';
import { fileIdentitySync, temporarySibling, unlessMissing, unlinkIfPresentSync } from '../atomic-file.js';
import { InvalidInputError } from '../errors.js';

export interface PublishSigners {
  packages?: FileSigner;
  repository?: FileSigner;
}

/** The packages a repository database lists, by package name. */
export type ServedIndex = Map<string, RepositoryEntry>;

/** Names of the temporary files (`.<name>.<hex>.tmp`) our atomic writes use. */
const TEMPORARY = /^\..+\.[0-9a-f]{12}\.tmp$/;

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** A hard link (same file system) or else a copy; throws EEXIST when `target` exists. */
function linkOrCopy(source: string, target: string): void {
  try {
    linkSync(source, target);
  } catch (error) {
    if (errorCode(error) !== 'EXDEV') throw error;
    copyFileSync(source, target, fsConstants.COPYFILE_EXCL);
  }
}

/**
 * Makes `name` a hard link to `file` (a copy across file systems), so that a reader finds the old or the new file at
 * the name, never none: created in place when the name is free, else through a temporary name and one rename.
 */
function replaceHardLink(name: string, file: string): void {
  try {
    linkOrCopy(file, name);
    return;
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  // a symbolic link of the layout before (served names led into the pool) is replaced too
  if (lstatSync(name).isFile() && fileIdentitySync(name) === fileIdentitySync(file)) return;
  const temporary = temporarySibling(name);
  try {
    linkOrCopy(file, temporary);
    renameSync(temporary, name);
  } catch (error) {
    unlinkIfPresentSync(temporary);
    throw error;
  }
}

/**
 * The filesystem side of publishing (see publish.ts for the order of the steps): the archive pool
 * `archive/packages/<l>/<base>/`, the relative links to it in the served directory, and the database generations.
 * Every operation is idempotent, so a run that finishes an interrupted publish repeats them safely.
 */
export class RepositoryPublisher {
  /** The served index of this run: read once, then replaced by what each commit wrote. */
  private served: Promise<ServedIndex> | undefined;

  constructor(
    private readonly paths: RepositoryPaths,
    private readonly signers: PublishSigners = {},
  ) {}

  /** The packages the repository database lists now, by name, with their file lists (read once per run). */
  index(): Promise<ServedIndex> {
    this.served ??= this.readIndex();
    return this.served;
  }

  private async readIndex(): Promise<ServedIndex> {
    const entries = await readRepositoryEntries(this.paths.repository, this.paths.repositoryId.name);
    return new Map(entries.map((entry) => [entry.name, entry]));
  }

  /** Version of each package base the repository serves now. */
  async baseVersions(): Promise<Map<string, string>> {
    return new Map([...(await this.index()).values()].map((entry) => [entry.base, entry.version]));
  }

  /** Whether the repository has a database at all (a new one gets an empty one). */
  hasDatabase(): boolean {
    return existsSync(databaseFiles(this.paths.repository, this.paths.repositoryId.name).database);
  }

  /** Writes a database listing exactly `entries` and switches to it at one rename (the commit point). */
  async commit(entries: readonly RepositoryEntry[]): Promise<void> {
    await fs.mkdir(this.paths.repository, { recursive: true });
    await writeRepositoryDatabase(this.paths.repository, this.paths.repositoryId.name, entries, this.signers.repository);
    this.served = Promise.resolve(new Map(entries.map((entry) => [entry.name, entry])));
  }

  /** An empty database for a new repository; an existing one is left as it is. */
  async initialize(): Promise<void> {
    if (!this.hasDatabase()) await this.commit([]);
  }

  private pooled(metadata: Pick<PackageMetadata, 'base' | 'fileName'>): string {
    return path.join(this.paths.archiveFor(metadata.base), metadata.fileName);
  }

  /** Whether the staged file of `metadata` is still the archive the pool now holds (not a newer file of the name). */
  private async stagedCopyPooled(metadata: PackageMetadata): Promise<boolean> {
    const staged = path.join(this.paths.packages, metadata.fileName);
    const incoming = fileIdentitySync(staged);
    const pool = fileIdentitySync(this.pooled(metadata));
    if (incoming === undefined || pool === undefined) return false;
    return incoming === pool || (await sha256File(staged)) === metadata.sha256;
  }

  /**
   * Step 4 for one archive: puts the staged archive into the pool as a hard link (the staged file stays until step 8)
   * with its signature beside it: the one staged with it, or a new one when package signing is on. Returns the entry
   * to list, or undefined when neither the staged file nor a pooled file of equal bytes exists any more (or the staged
   * file is no longer the planned one). The file operations are synchronous: each is far cheaper than a round trip
   * through the thread pool, and a publish of thousands of archives makes several per archive.
   */
  async pool(metadata: PackageMetadata): Promise<RepositoryEntry | undefined> {
    const stored = this.pooled(metadata);
    const staged = path.join(this.paths.packages, metadata.fileName);
    mkdirSync(path.dirname(stored), { recursive: true });
    const placed = this.linkIntoPool(staged, stored, metadata.compressedSize);
    if (placed === 'gone') return undefined;
    if (placed === 'linked') {
      await this.placeSignature(staged, stored);
    } else {
      const pooled = fileIdentitySync(stored);
      if (pooled !== undefined && pooled === fileIdentitySync(staged)) {
        // linked by a killed run, which may not have got to the signature
        await this.placeSignature(staged, stored);
      } else if ((await sha256File(stored)) === metadata.sha256) {
        if (this.signers.packages && !existsSync(`${stored}.sig`)) await this.signers.packages(stored);
      } else if (!(await this.replaceInPool(staged, stored, metadata.compressedSize))) {
        return undefined;
      }
    }
    const signature = unlessMissing(() => readFileSync(`${stored}.sig`));
    return { ...metadata, pgpSignature: signature?.toString('base64') ?? '' };
  }

  /**
   * Links the staged archive to its free name in the pool: `linked`; `occupied` when the pool has a file of that name
   * (see {@link pool}); `gone` when the staged file is missing or not of the planned size (replaced since the plan was
   * made: it waits for the next intake), and the pool has no file of the name.
   */
  private linkIntoPool(staged: string, stored: string, size: number): 'linked' | 'occupied' | 'gone' {
    try {
      linkOrCopy(staged, stored);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return 'occupied';
      if (errorCode(error) !== 'ENOENT') throw error;
      return existsSync(stored) ? 'occupied' : 'gone';
    }
    if (statSync(stored).size === size) return 'linked';
    unlinkIfPresentSync(stored);
    return 'gone';
  }

  /**
   * The signature of an archive just linked into the pool (or linked by a killed run): a new one when package signing
   * is on, else the staged one, else none (a signature of an earlier file of the name goes).
   */
  private async placeSignature(staged: string, stored: string): Promise<void> {
    if (this.signers.packages) await this.signers.packages(stored);
    else if (existsSync(`${staged}.sig`)) replaceHardLink(`${stored}.sig`, `${staged}.sig`);
    else unlinkIfPresentSync(`${stored}.sig`);
  }

  /**
   * Replaces a pooled file of the same name but other bytes: the staged archive is linked under a temporary name and
   * signed there, then the signature and the archive are renamed into place. False when the staged file is gone or
   * is no longer the planned one.
   */
  private async replaceInPool(staged: string, stored: string, size: number): Promise<boolean> {
    if (!existsSync(staged)) return false;
    const temporary = temporarySibling(stored);
    try {
      linkOrCopy(staged, temporary);
      if (statSync(temporary).size !== size) return false;
      await this.placeSignature(staged, temporary);
      if (existsSync(`${temporary}.sig`)) renameSync(`${temporary}.sig`, `${stored}.sig`);
      else unlinkIfPresentSync(`${stored}.sig`);
      renameSync(temporary, stored);
      return true;
    } finally {
      unlinkIfPresentSync(temporary);
      unlinkIfPresentSync(`${temporary}.sig`);
    }
  }

  /**
   * Step 5 for one entry: its archive and signature in the served directory, hard links to the pooled files. The
   * served directory is then complete in itself (a web server need not follow links, rsync copies files as they
   * are), and a link costs no new inode, where a symbolic link costs one.
   */
  link(entry: RepositoryEntry): void {
    const stored = this.pooled(entry);
    const served = path.join(this.paths.repository, entry.fileName);
    if (existsSync(`${stored}.sig`)) replaceHardLink(`${served}.sig`, `${stored}.sig`);
    else unlinkIfPresentSync(`${served}.sig`);
    replaceHardLink(served, stored);
  }

  /**
   * Step 8, idempotent and needing no journal: deletes the staged files whose archives the database now serves (or
   * that were set aside as already served), links of package files the database does not list, and the temporary
   * files of killed runs in the staging and served directories and in the pool directories of `bases` (only a
   * publish that a killed run journaled can have left any there: a finished step 4 leaves none).
   */
  async cleanup(index: ServedIndex, committed: readonly PackageMetadata[], discarded: readonly string[], bases: readonly string[]): Promise<void> {
    const served: string[] = [];
    for (const metadata of committed) if (await this.stagedCopyPooled(metadata)) served.push(metadata.fileName);
    const namesIn = (directory: string): string[] => unlessMissing(() => readdirSync(directory)) ?? [];
    // staging is listed once: most archives have no signature, and deleting a missing one costs a thrown error each
    const stagedNames = namesIn(this.paths.packages);
    const staged = new Set(stagedNames);
    for (const name of [...served, ...discarded]) {
      unlinkIfPresentSync(path.join(this.paths.packages, name));
      if (staged.has(`${name}.sig`)) unlinkIfPresentSync(path.join(this.paths.packages, `${name}.sig`));
    }

    const listed = new Set([...index.values()].map((entry) => entry.fileName));
    const servedNames = namesIn(this.paths.repository);
    const unlisted = servedNames.filter((name) => {
      const packageFile = name.endsWith('.sig') ? name.slice(0, -4) : name;
      return !listed.has(packageFile) && isPackageFileName(packageFile);
    });
    for (const name of unlisted) unlinkIfPresentSync(path.join(this.paths.repository, name));

    // the served directory is listed once: temporaries are not package file names, so the deletions above left them
    const deleteTemporaries = (directory: string, names = namesIn(directory)): void => {
      for (const name of names) if (TEMPORARY.test(name)) unlinkIfPresentSync(path.join(directory, name));
    };
    deleteTemporaries(this.paths.repository, servedNames);
    deleteTemporaries(this.paths.packages, stagedNames);
    for (const directory of new Set(bases.map((base) => this.paths.archiveFor(base)))) deleteTemporaries(directory);
  }

  /**
   * Signs the packages again (all, or those named) with the configured package signer and writes the database
   * with their new signatures, signed with the repository signer: after a key change, or to sign an existing
   * repository for the first time.
   */
  async resign(names: readonly string[] = []): Promise<string[]> {
    const index = new Map(await this.index());
    const unknown = names.filter((name) => ![...index.values()].some((entry) => entry.name === name || entry.base === name));
    if (unknown.length > 0) throw new InvalidInputError(`not in the repository: ${unknown.join(', ')}`);
    const selected = [...index.values()].filter((entry) => names.length === 0 || names.includes(entry.name) || names.includes(entry.base));
    if (this.signers.packages) {
      for (const entry of selected) {
        const stored = this.pooled(entry);
        await this.signers.packages(stored);
        this.link(entry);
        index.set(entry.name, { ...entry, pgpSignature: (await fs.readFile(`${stored}.sig`)).toString('base64') });
      }
    }
    await this.commit([...index.values()]);
    return selected.map((entry) => entry.name);
  }
}
