/**
 * The staging repository of a distributed run: the verified archives of its finished levels with a pacman database
 * (`<repo>-staging`, written by our own database writer), in the run's staging area. The web service serves it to
 * workers (role full), whose devtools chroots install the dependencies of the next levels from it; it goes away with
 * the run's staging area once the run is published.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageMetadata } from '../../models/package-metadata.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { type RepositoryEntry, writeRepositoryDatabase } from '../alpm/repository-database.js';
import { InvalidInputError } from '../errors.js';
import { runStaging } from './staging.js';

/** Package base names never start with a dot: this directory cannot be the upload directory of a base. */
const DIRECTORY = '.repository';
const SERVED_FILE = /^[A-Za-z0-9@_+][A-Za-z0-9@._+-]*$/;

export function stagingRepositoryName(repository: string): string {
  return `${repository}-staging`;
}

export function stagingRepositoryDirectory(paths: RepositoryPaths, run: string): string {
  return path.join(runStaging(paths, run), DIRECTORY);
}

/** The path of a file the web service may serve from a run's staging repository (a plain name, no dot-file). */
export function stagingRepositoryFile(paths: RepositoryPaths, run: string, file: string): string {
  if (!SERVED_FILE.test(file)) throw new InvalidInputError(`invalid file name ${JSON.stringify(file)} in a staging repository`);
  return path.join(stagingRepositoryDirectory(paths, run), file);
}

export interface StagedArchive {
  /** The verified archive, in the job's upload directory. */
  file: string;
  metadata: PackageMetadata;
}

/** Grows the run's staging repository as levels finish: links the new archives in and rewrites its database. */
export class StagingRepository {
  private readonly entries = new Map<string, RepositoryEntry>();

  constructor(
    private readonly paths: RepositoryPaths,
    private readonly run: string,
  ) {}

  /** Whether a finished level has put anything in it yet. */
  get empty(): boolean {
    return this.entries.size === 0;
  }

  async add(archives: readonly StagedArchive[]): Promise<void> {
    if (archives.length === 0) return;
    const directory = stagingRepositoryDirectory(this.paths, this.run);
    await fs.mkdir(directory, { recursive: true });
    for (const { file, metadata } of archives) {
      const target = path.join(directory, path.basename(file));
      await fs.rm(target, { force: true });
      await fs.link(file, target);
      const { backup: _backup, xdata: _xdata, ...entry } = metadata;
      this.entries.set(metadata.name, { ...entry, fileName: path.basename(file), pgpSignature: '' });
    }
    await writeRepositoryDatabase(directory, stagingRepositoryName(this.paths.repositoryId.name), [...this.entries.values()]);
  }
}
