import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../../models/repository-paths.js';
import { writeFileAtomic } from '../../atomic-file.js';
import type { Configuration } from '../../configuration/configuration.js';
import { errorMessage } from '../../errors.js';
import { type HttpPolicy, HttpError, fetchWithRetries } from '../../http/client.js';
import { getLogger } from '../../log/logger.js';
import { dependencyName } from '../dependency.js';
import { type SyncDatabaseEntry, readSyncDatabase } from '../sync-database.js';

/** `[alpm]`: which distribution repositories exist, where their sync databases come from and are kept. */
export interface OfficialSettings {
  repositories: string[];
  mirror: string;
  /** Directory holding `<repo>.db` files: our private copy, or the host's `/var/lib/pacman/sync`. */
  syncDirectory: string;
}

const logger = getLogger('official');

export function readOfficialSettings(configuration: Configuration, paths: RepositoryPaths): OfficialSettings {
  const privateCopy = configuration.getBool('alpm', 'use_ahriman_cache', true);
  return {
    repositories: configuration.getList('alpm', 'repositories', ['core', 'extra', 'multilib']),
    mirror: configuration.getString('alpm', 'mirror', 'https://geo.mirror.pkgbuild.com/$repo/os/$arch'),
    syncDirectory: privateCopy
      ? path.join(paths.pacman, 'sync')
      : path.join(configuration.getPath('alpm', 'database', '/var/lib/pacman'), 'sync'),
  };
}

function databaseUrl(settings: OfficialSettings, repository: string, architecture: string): string {
  return `${settings.mirror.replaceAll('$repo', repository).replaceAll('$arch', architecture).replace(/\/+$/, '')}/${repository}.db`;
}

/**
 * Downloads the sync databases from the mirror, like `pacman -Sy`: only those that changed since our copy
 * (If-Modified-Since) unless `force` (`-yy`). Each file is replaced atomically.
 */
export async function refreshSyncDatabases(settings: OfficialSettings, architecture: string, policy: HttpPolicy, force: boolean): Promise<void> {
  await fs.mkdir(settings.syncDirectory, { recursive: true });
  await Promise.all(
    settings.repositories.map(async (repository) => {
      const target = path.join(settings.syncDirectory, `${repository}.db`);
      const url = databaseUrl(settings, repository, architecture);
      const headers: Record<string, string> = {};
      if (!force && existsSync(target)) headers['if-modified-since'] = statSync(target).mtime.toUTCString();
      const response = await fetchWithRetries(url, { headers }, policy);
      if (response.status === 304) {
        logger.info(`${repository} is up to date`);
        return;
      }
      if (!response.ok) throw new HttpError(`cannot download ${url}: HTTP ${response.status}`, response.status);
      await writeFileAtomic(target, new Uint8Array(await response.arrayBuffer()));
      logger.info(`downloaded ${url}`);
    }),
  );
}

/**
 * The packages of the distribution repositories by name, from the sync databases present (the first repository of
 * `[alpm] repositories` wins, as in pacman). Undefined when there are none (e.g. a Debian build host without `-y`).
 */
export async function readOfficialPackages(settings: OfficialSettings): Promise<Map<string, SyncDatabaseEntry> | undefined> {
  const files = settings.repositories.map((repository) => path.join(settings.syncDirectory, `${repository}.db`)).filter((file) => existsSync(file));
  if (files.length === 0) return undefined;
  const packages = new Map<string, SyncDatabaseEntry>();
  for (const file of files) {
    try {
      for (const entry of await readSyncDatabase(file)) if (!packages.has(entry.name)) packages.set(entry.name, entry);
    } catch (error) {
      logger.error(`cannot read ${file}: ${errorMessage(error)}`);
    }
  }
  return packages;
}

/** Every package name and provided name of the distribution repositories; undefined when no sync database is present. */
export async function officialPackageNames(settings: OfficialSettings): Promise<Set<string> | undefined> {
  const packages = await readOfficialPackages(settings);
  if (packages === undefined) return undefined;
  const names = new Set<string>();
  for (const entry of packages.values()) {
    names.add(entry.name);
    for (const provided of entry.provides) names.add(dependencyName(provided));
  }
  return names;
}
