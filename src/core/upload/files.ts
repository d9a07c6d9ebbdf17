/**
 * What a mirror of the served repository must hold: every file of `repository/<repo>/<arch>/` under its own name
 * with the content it points at (packages are relative links into `archive/`, `<repo>.db` is a link to
 * `<repo>.db.tar.gz`), split into the two groups a consistent upload sends one after the other. Hashing reads every
 * file (about 280 MB/s here), so one run hashes the repository once for all its targets (`UploadSource`).
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { mapLimit } from '../concurrency.js';
import { getLogger } from '../log/logger.js';

export interface RepositoryFile {
  /** The name in the repository directory, which is also the name on the mirror. */
  name: string;
  /** Where the content is: the link target for links. */
  path: string;
  size: number;
  /** Hex md5 of the content. */
  md5: string;
}

export interface RepositoryFiles {
  /** Package archives, their signatures and anything else that is not a database: uploaded first. */
  packages: RepositoryFile[];
  /** `<repo>.db`, `<repo>.files`, their archives and signatures: uploaded once every package they list is there. */
  databases: RepositoryFile[];
}

/** Files hashed at once: reading is the bottleneck, a few reads in flight keep the disk busy. */
const HASH_CONCURRENCY = 4;

const logger = getLogger('upload');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `<repo>.db`, `<repo>.files`, their `.tar.<compression>` archives and the signatures of all of these. */
export function isDatabaseFile(name: string, repository: string): boolean {
  return new RegExp(`^${escapeRegExp(repository)}\\.(db|files)(\\.tar(\\.[a-z0-9]+)?)?(\\.sig)?$`).test(name);
}

/** Hex md5 of a file, read as a stream. */
export async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export interface ResolvedEntry {
  name: string;
  path: string;
  size: number;
}

/** Regular files and links to them; hidden names (temporary files of a write in progress) and directories are left out. */
export async function resolveEntries(directory: string): Promise<ResolvedEntry[]> {
  const names = (await fs.readdir(directory)).filter((name) => !name.startsWith('.')).sort();
  const entries: ResolvedEntry[] = [];
  for (const name of names) {
    const file = path.join(directory, name);
    let target: string;
    try {
      target = await fs.realpath(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      logger.warning(`${file} is a link to a missing file; not published`);
      continue;
    }
    const stat = await fs.stat(target);
    if (stat.isFile()) entries.push({ name, path: target, size: stat.size });
  }
  return entries;
}

/**
 * The files of the repository directory with size and md5, packages first, databases last, each group sorted by
 * name. Contents reached through several names (a link and its target) are hashed once.
 */
export async function repositoryFiles(directory: string, repository: string): Promise<RepositoryFiles> {
  const entries = await resolveEntries(directory);
  const targets = [...new Set(entries.map((entry) => entry.path))];
  const digests = await mapLimit(targets, HASH_CONCURRENCY, md5File);
  const md5ByTarget = new Map(targets.map((target, index) => [target, digests[index]!]));
  const files = entries.map((entry) => ({ ...entry, md5: md5ByTarget.get(entry.path)! }));
  return {
    packages: files.filter((file) => !isDatabaseFile(file.name, repository)),
    databases: files.filter((file) => isDatabaseFile(file.name, repository)),
  };
}

/** The served repository of one run, as the upload targets read it. */
export class UploadSource {
  private listing: Promise<RepositoryFiles> | undefined;

  constructor(readonly paths: RepositoryPaths) {}

  /** The files with their md5s: hashed on first use, then shared by every target of the run. */
  files(): Promise<RepositoryFiles> {
    this.listing ??= repositoryFiles(this.paths.repository, this.paths.repositoryId.name);
    return this.listing;
  }
}
