import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageMetadata } from '../../models/package-metadata.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { readPackageArchive } from '../alpm/package-archive.js';
import { type FileSigner, type RepositoryEntry, databaseFiles, writeRepositoryDatabase } from '../alpm/repository-database.js';
import { readSyncDatabase } from '../alpm/sync-database.js';
import { validatePackageName } from '../alpm/validation.js';
import { vercmp } from '../alpm/vercmp.js';
import { moveFile, temporarySibling } from '../atomic-file.js';
import { defaultConcurrency, mapLimit } from '../concurrency.js';
import { InvalidInputError } from '../errors.js';
import { getLogger } from '../log/logger.js';

export interface PublishRequest {
  /** Package archives to add (e.g. fresh builds in `packages/<repo>/<arch>/`); moved away from there. */
  archives: string[];
  /** Package names to drop from the repository. */
  remove: string[];
}

export interface PublishResult {
  added: RepositoryEntry[];
  removed: RepositoryEntry[];
}

export interface PublishSigners {
  packages?: FileSigner;
  repository?: FileSigner;
}

const PACKAGE_FILE = /\.pkg\.tar(\.[a-z0-9]+)?$/;
const logger = getLogger('publisher');

async function replaceSymlink(link: string, target: string): Promise<void> {
  const temporary = temporarySibling(link);
  await fs.symlink(target, temporary);
  await fs.rename(temporary, link);
}

/**
 * Puts packages into the served repository and takes them out, in an order that keeps the repository readable at
 * every moment (a crash at any point leaves a database whose every listed file is present):
 * 1. package files move into `archive/packages/<l>/<base>/`, with their signatures;
 * 2. relative links to them appear in `repository/<repo>/<arch>/`;
 * 3. the database is written once, atomically, for the whole change;
 * 4. only then links of files the database no longer lists are removed.
 * Links left by an interrupted run (step 2 done, step 3 not) are picked up again by the next publish. A listed file
 * replaced by a different one of the same name is unlisted (one more database write) before step 1 touches it.
 */
export class RepositoryPublisher {
  constructor(
    private readonly paths: RepositoryPaths,
    private readonly signers: PublishSigners = {},
  ) {}

  /** The packages the repository database lists now, by name, with their file lists. */
  async index(): Promise<Map<string, RepositoryEntry>> {
    const { files } = databaseFiles(this.paths.repository, this.paths.repositoryId.name);
    if (!existsSync(files)) return new Map();
    const entries = await readSyncDatabase(files);
    return new Map(entries.map((entry) => [entry.name, { ...entry, files: entry.files ?? [] }]));
  }

  /** Version of each package base the repository serves now. */
  async baseVersions(): Promise<Map<string, string>> {
    return new Map([...(await this.index()).values()].map((entry) => [entry.base, entry.version]));
  }

  private async entryFor(metadata: PackageMetadata, signature: string): Promise<RepositoryEntry> {
    const pgpSignature = existsSync(signature) ? (await fs.readFile(signature)).toString('base64') : '';
    return { ...metadata, pgpSignature };
  }

  /** Moves one archive (and its signature) into the archive tree and links it from the repository. */
  private async place(archive: string, metadata: PackageMetadata): Promise<RepositoryEntry> {
    const directory = this.paths.archiveFor(metadata.base);
    await fs.mkdir(directory, { recursive: true });
    const stored = path.join(directory, metadata.fileName);
    if (this.signers.packages) await this.signers.packages(archive);
    if (existsSync(`${archive}.sig`)) await moveFile(`${archive}.sig`, `${stored}.sig`);
    else await fs.rm(`${stored}.sig`, { force: true });
    await moveFile(archive, stored);

    const link = path.join(this.paths.repository, metadata.fileName);
    const relative = path.relative(this.paths.repository, stored);
    if (existsSync(`${stored}.sig`)) await replaceSymlink(`${link}.sig`, `${relative}.sig`);
    await replaceSymlink(link, relative);
    return this.entryFor(metadata, `${stored}.sig`);
  }

  private checkArchitecture(metadata: PackageMetadata, archive: string): void {
    const architecture = this.paths.repositoryId.architecture;
    if (metadata.architecture !== architecture && metadata.architecture !== 'any') {
      throw new InvalidInputError(`${archive}: built for ${metadata.architecture}, but the repository is for ${architecture}`);
    }
  }

  /** Package files linked from the repository directory that the database does not list (an interrupted run). */
  private async unlisted(index: Map<string, RepositoryEntry>): Promise<string[]> {
    const listed = new Set([...index.values()].map((entry) => entry.fileName));
    const names = await fs.readdir(this.paths.repository).catch(() => []);
    return names
      .filter((name) => PACKAGE_FILE.test(name) && !listed.has(name))
      .map((name) => path.join(this.paths.repository, name))
      .filter((file) => existsSync(file));
  }

  /** Temporary files (`.<name>.<hex>.tmp`) a killed run left behind; we hold the lock, so none is in use. */
  private async sweepTemporaries(): Promise<void> {
    for (const directory of [this.paths.packages, this.paths.repository]) {
      const names = await fs.readdir(directory).catch(() => [] as string[]);
      await Promise.all(names.filter((name) => /^\..+\.[0-9a-f]{12}\.tmp$/.test(name)).map((name) => fs.rm(path.join(directory, name), { force: true })));
    }
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    await fs.mkdir(this.paths.repository, { recursive: true });
    await this.sweepTemporaries();
    const index = await this.index();
    const next = new Map(index);
    const removed: RepositoryEntry[] = [];
    for (const name of request.remove) {
      validatePackageName(name);
      const entry = next.get(name);
      if (!entry) continue;
      next.delete(name);
      removed.push(entry);
    }

    const recovered = await this.unlisted(index);
    if (recovered.length > 0) logger.info(`picking up ${recovered.length} package(s) an interrupted run left unlisted`);
    const concurrency = defaultConcurrency();
    const candidates = [
      ...(await mapLimit(recovered, concurrency, async (file) => ({ file, metadata: await readPackageArchive(file), placed: true }))),
      ...(await mapLimit(request.archives, concurrency, async (file) => ({ file, metadata: await readPackageArchive(file), placed: false }))),
    ];
    await this.withdrawOverwritten(index, candidates.filter((candidate) => !candidate.placed).map((candidate) => candidate.metadata));
    const added: RepositoryEntry[] = [];
    for (const { file, metadata, placed } of candidates) {
      this.checkArchitecture(metadata, file);
      if (request.remove.includes(metadata.name)) continue;
      const current = next.get(metadata.name);
      if (placed && current && vercmp(current.version, metadata.version) >= 0) continue;
      const entry = placed ? await this.entryFor(metadata, `${file}.sig`) : await this.place(file, metadata);
      if (current && current.fileName !== entry.fileName && !removed.includes(current)) removed.push(current);
      next.set(metadata.name, entry);
      added.push(entry);
    }

    if (added.length > 0 || removed.length > 0 || !existsSync(databaseFiles(this.paths.repository, this.paths.repositoryId.name).database)) {
      await writeRepositoryDatabase(this.paths.repository, this.paths.repositoryId.name, [...next.values()], this.signers.repository);
    }
    await this.removeUnlistedLinks(next);
    return { added, removed: removed.filter((entry) => next.get(entry.name)?.fileName !== entry.fileName) };
  }

  /**
   * A served file about to be replaced by a different one of the same name (a rebuild of the same version) must
   * leave the database first: were the file replaced while the database still lists the old checksum, a crash
   * before the final database write would leave a listed file that no longer matches. Unlisted, its link is picked
   * up again by the next publish if this one is interrupted.
   */
  private async withdrawOverwritten(index: Map<string, RepositoryEntry>, incoming: PackageMetadata[]): Promise<void> {
    const byFileName = new Map([...index.values()].map((entry) => [entry.fileName, entry]));
    const withdrawn = new Set(
      incoming.flatMap((metadata) => {
        const listed = byFileName.get(metadata.fileName);
        return listed && listed.sha256 !== metadata.sha256 ? [listed.name] : [];
      }),
    );
    if (withdrawn.size === 0) return;
    logger.info(`unlisting ${[...withdrawn].join(', ')} while rebuilt files of the same name replace theirs`);
    const remaining = [...index.values()].filter((entry) => !withdrawn.has(entry.name));
    await writeRepositoryDatabase(this.paths.repository, this.paths.repositoryId.name, remaining, this.signers.repository);
  }

  /**
   * Signs the packages again (all, or those named) with the configured package signer and writes the database
   * with their new signatures, signed with the repository signer: after a key change, or to sign an existing
   * repository for the first time.
   */
  async resign(names: readonly string[] = []): Promise<string[]> {
    const index = await this.index();
    const unknown = names.filter((name) => ![...index.values()].some((entry) => entry.name === name || entry.base === name));
    if (unknown.length > 0) throw new InvalidInputError(`not in the repository: ${unknown.join(', ')}`);
    const selected = [...index.values()].filter((entry) => names.length === 0 || names.includes(entry.name) || names.includes(entry.base));
    if (this.signers.packages) {
      for (const entry of selected) {
        const stored = path.join(this.paths.archiveFor(entry.base), entry.fileName);
        await this.signers.packages(stored);
        await replaceSymlink(path.join(this.paths.repository, `${entry.fileName}.sig`), `${path.relative(this.paths.repository, stored)}.sig`);
        index.set(entry.name, { ...entry, pgpSignature: (await fs.readFile(`${stored}.sig`)).toString('base64') });
      }
    }
    await writeRepositoryDatabase(this.paths.repository, this.paths.repositoryId.name, [...index.values()], this.signers.repository);
    return selected.map((entry) => entry.name);
  }

  private async removeUnlistedLinks(index: Map<string, RepositoryEntry>): Promise<void> {
    const listed = new Set([...index.values()].map((entry) => entry.fileName));
    for (const name of await fs.readdir(this.paths.repository)) {
      const packageFile = name.endsWith('.sig') ? name.slice(0, -4) : name;
      if (PACKAGE_FILE.test(packageFile) && !listed.has(packageFile)) {
        await fs.rm(path.join(this.paths.repository, name), { force: true });
      }
    }
  }
}
