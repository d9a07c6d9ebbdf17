import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { parsePackageFileName, validatePackageName } from '../alpm/validation.js';
import { vercmp } from '../alpm/vercmp.js';

/** One version of a package base kept in `archive/packages/<l>/<base>/`: its package files, for this architecture. */
export interface ArchivedVersion {
  version: string;
  files: string[];
}

/**
 * The versions of `base` the archive holds, oldest first, with the package files built for the repository's
 * architecture (or `any`); signatures are found next to them by whoever copies the files.
 */
export async function archivedVersions(paths: RepositoryPaths, base: string): Promise<ArchivedVersion[]> {
  validatePackageName(base, 'package base');
  const directory = paths.archiveFor(base);
  const names = await fs.readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const byVersion = new Map<string, string[]>();
  for (const name of names.filter((file) => file.includes('.pkg.tar') && !file.endsWith('.sig')).sort()) {
    const parsed = parsePackageFileName(name);
    if (parsed.architecture !== 'any' && parsed.architecture !== paths.repositoryId.architecture) continue;
    byVersion.set(parsed.version, [...(byVersion.get(parsed.version) ?? []), path.join(directory, name)]);
  }
  return [...byVersion]
    .map(([version, files]) => ({ version, files }))
    .sort((left, right) => vercmp(left.version, right.version));
}
