import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { isPackageFileName, parsePackageFileName } from '../alpm/validation.js';
import { vercmp } from '../alpm/vercmp.js';
import { coreSchemas } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import { getLogger } from '../log/logger.js';
import { referencedPoolFiles } from '../snapshots/references.js';
import type { TriggerFactory } from '../triggers/trigger.js';

interface ArchivedFile {
  file: string;
  version: string;
}

const logger = getLogger('archive-rotation');

/** The names in a directory; none when it cannot be listed (a base without archived files has no directory). */
function namesIn(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

/**
 * The package files of one base directory, grouped by package name and architecture. Listed synchronously: a run
 * rotates every base it published, and a thread-pool round trip per directory costs more than the listing.
 */
function filesByPackage(directory: string): ArchivedFile[][] {
  const groups = new Map<string, ArchivedFile[]>();
  for (const name of namesIn(directory).filter((item) => isPackageFileName(item))) {
    let parsed;
    try {
      parsed = parsePackageFileName(name);
    } catch {
      continue; // not a file we put there
    }
    const key = `${parsed.name}/${parsed.architecture}`;
    const group = groups.get(key);
    if (group) group.push({ file: name, version: parsed.version });
    else groups.set(key, [{ file: name, version: parsed.version }]);
  }
  return [...groups.values()];
}

/**
 * Deletes old package files (with their signatures) from the archive tree `archive/packages/<l>/<base>/`, which
 * all repositories of the root share: of each package (name and architecture), files that no repository or snapshot serves are
 * ordered by version and all but the newest `keep` go. Served files are never touched; `keep` 0 keeps everything.
 * Only the directories of `bases` are looked at (a run rotates what it built; the rest of the tree did not change).
 * Returns the deleted package files.
 */
export async function rotateArchive(paths: RepositoryPaths, keep: number, bases: readonly string[]): Promise<string[]> {
  if (keep === 0 || bases.length === 0) return [];
  // A package with at most `keep` files has nothing to lose: only the others need to know which files are served.
  const directories = [...new Set(bases)].map((base) => paths.archiveFor(base));
  const listed = directories.map(filesByPackage);
  const crowded = directories.flatMap((directory, position) => listed[position]!.filter((files) => files.length > keep).map((files) => ({ base: directory, files })));
  if (crowded.length === 0) return [];
  const served = await referencedPoolFiles(paths);
  const deleted: string[] = [];
  for (const { base, files } of crowded) {
    const directory = await fs.realpath(base);
    const unserved: ArchivedFile[] = [];
    for (const { file, version } of files) {
      const real = path.join(directory, file);
      if (!(await served.includes(real))) unserved.push({ file: real, version });
    }
    const stale = unserved.sort((left, right) => vercmp(right.version, left.version)).slice(keep);
    for (const { file } of stale) {
      await fs.rm(`${file}.sig`, { force: true });
      await fs.rm(file, { force: true });
      deleted.push(file);
    }
  }
  if (deleted.length > 0) logger.info(`removed ${deleted.length} old package file(s) from the archive`);
  return deleted;
}

/** After every run, applies `[archive] keep_built_packages` to the bases it built (see {@link rotateArchive}). */
export const archiveRotationTrigger: TriggerFactory = {
  name: 'archive-rotation',
  create({ configuration, paths }) {
    const { keep_built_packages: keep } = readSection(configuration, 'archive', coreSchemas.archive);
    return {
      name: 'archive-rotation',
      async onResult(result) {
        await rotateArchive(paths, keep, result.success.map((built) => built.base));
      },
    };
  },
};
