import { createReadStream, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PackageMetadata } from '../../models/package-metadata.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { type FileSigner, type RepositoryEntry, databaseFiles, readRepositoryEntries, writeRepositoryDatabase } from '../alpm/repository-database.js';
import { isPackageFileName } from '../alpm/validation.js';
import { fileIdentity, sameFile, temporarySibling, unlinkIfPresent } from '../atomic-file.js';
import { FILE_OPERATIONS_CONCURRENCY, mapLimit } from '../concurrency.js';
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

/**
 * Makes `name` a hard link to `file` (a copy across file systems), so that a reader finds the old or the new file at
 * the name, never none: created in place when the name is free, else through a temporary name and one rename.
 */
async function replaceHardLink(name: string, file: string): Promise<void> {
  const created = await linkOrCopy(file, name).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return false;
    },
  );
  // a symbolic link of the layout before (served names led into the pool) is replaced too
  if (created || ((await fs.lstat(name)).isFile() && (await sameFile(name, file)))) return;
  const temporary = temporarySibling(name);
  try {
    await linkOrCopy(file, temporary);
    await fs.rename(temporary, name);
  } catch (error) {
    await unlinkIfPresent(temporary);
    throw error;
  }
}

/** A hard link (same file system) or else a copy: the staged file stays where it is until the commit lists it. */
async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await fs.link(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await fs.copyFile(source, target);
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

  /** Whether the pool already holds this very archive: the staged file itself (a hard link), or equal bytes. */
  private async inPool(stored: string, staged: string, sha256: string): Promise<boolean> {
    const [pool, incoming] = await Promise.all([fileIdentity(stored), fileIdentity(staged)]);
    if (pool === undefined) return false;
    return pool === incoming || (await sha256File(stored)) === sha256;
  }

  /** Whether the staged file of `metadata` is still the archive the pool now holds (not a newer file of the name). */
  private async stagedCopyPooled(metadata: PackageMetadata): Promise<boolean> {
    const staged = path.join(this.paths.packages, metadata.fileName);
    const [incoming, pool] = await Promise.all([fileIdentity(staged), fileIdentity(this.pooled(metadata))]);
    if (incoming === undefined || pool === undefined) return false;
    return incoming === pool || (await sha256File(staged)) === metadata.sha256;
  }

  /**
   * Step 4 for one archive: puts the staged archive into the pool under a temporary name (a hard link: the staged
   * file stays), signs it there when package signing is on, then renames the signature and the archive into place.
   * Returns the entry to list, or undefined when neither the staged file nor its pooled copy exists any more (or the
   * staged file is no longer the planned one).
   */
  async pool(metadata: PackageMetadata): Promise<RepositoryEntry | undefined> {
    const stored = this.pooled(metadata);
    const staged = path.join(this.paths.packages, metadata.fileName);
    await fs.mkdir(path.dirname(stored), { recursive: true });
    if (!(await this.inPool(stored, staged, metadata.sha256))) {
      if (!existsSync(staged)) return undefined;
      const temporary = temporarySibling(stored);
      let renamed = false;
      try {
        await linkOrCopy(staged, temporary);
        // a staged file replaced since the plan was made is not what the plan lists: it waits for the next intake
        if ((await fs.stat(temporary)).size !== metadata.compressedSize) return undefined;
        if (this.signers.packages) await this.signers.packages(temporary);
        else if (existsSync(`${staged}.sig`)) await linkOrCopy(`${staged}.sig`, `${temporary}.sig`);
        if (existsSync(`${temporary}.sig`)) await fs.rename(`${temporary}.sig`, `${stored}.sig`);
        else await unlinkIfPresent(`${stored}.sig`);
        await fs.rename(temporary, stored);
        renamed = true;
      } finally {
        if (!renamed) await Promise.all([unlinkIfPresent(temporary), unlinkIfPresent(`${temporary}.sig`)]);
      }
    } else if (this.signers.packages && !existsSync(`${stored}.sig`)) {
      await this.signers.packages(stored);
    }
    const signature = existsSync(`${stored}.sig`) ? await fs.readFile(`${stored}.sig`) : undefined;
    return { ...metadata, pgpSignature: signature?.toString('base64') ?? '' };
  }

  /**
   * Step 5 for one entry: its archive and signature in the served directory, hard links to the pooled files. The
   * served directory is then complete in itself (a web server need not follow links, rsync copies files as they
   * are), and a link costs no new inode, where a symbolic link costs one.
   */
  async link(entry: RepositoryEntry): Promise<void> {
    const stored = this.pooled(entry);
    const served = path.join(this.paths.repository, entry.fileName);
    if (existsSync(`${stored}.sig`)) await replaceHardLink(`${served}.sig`, `${stored}.sig`);
    else await unlinkIfPresent(`${served}.sig`);
    await replaceHardLink(served, stored);
  }

  /**
   * Step 8, idempotent and needing no journal: deletes the staged files whose archives the database now serves (or
   * that were set aside as already served), links of package files the database does not list, and the temporary
   * files of killed runs in the staging and served directories and in the pool directories of `bases` (only a
   * publish that a killed run journaled can have left any there: a finished step 4 leaves none).
   */
  async cleanup(index: ServedIndex, committed: readonly PackageMetadata[], discarded: readonly string[], bases: readonly string[]): Promise<void> {
    const concurrency = FILE_OPERATIONS_CONCURRENCY;
    const served = await mapLimit(committed, concurrency, async (metadata) => ((await this.stagedCopyPooled(metadata)) ? [metadata.fileName] : []));
    const staged = [...served.flat(), ...discarded].flatMap((name) => [name, `${name}.sig`]).map((name) => path.join(this.paths.packages, name));
    await mapLimit(staged, concurrency, unlinkIfPresent);

    const listed = new Set([...index.values()].map((entry) => entry.fileName));
    const names = await fs.readdir(this.paths.repository).catch(() => [] as string[]);
    const unlisted = names.filter((name) => {
      const packageFile = name.endsWith('.sig') ? name.slice(0, -4) : name;
      return isPackageFileName(packageFile) && !listed.has(packageFile);
    });
    await mapLimit(unlisted, concurrency, (name) => unlinkIfPresent(path.join(this.paths.repository, name)));

    const directories = [this.paths.packages, this.paths.repository, ...new Set(bases.map((base) => this.paths.archiveFor(base)))];
    await mapLimit(directories, concurrency, async (directory) => {
      const temporaries = (await fs.readdir(directory).catch(() => [] as string[])).filter((name) => TEMPORARY.test(name));
      await Promise.all(temporaries.map((name) => unlinkIfPresent(path.join(directory, name))));
    });
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
        await this.link(entry);
        index.set(entry.name, { ...entry, pgpSignature: (await fs.readFile(`${stored}.sig`)).toString('base64') });
      }
    }
    await this.commit([...index.values()]);
    return selected.map((entry) => entry.name);
  }
}
