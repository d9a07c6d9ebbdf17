import type { PackageWithStatus } from '../database/operations/packages.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryServices } from './services.js';

const logger = getLogger('remove-unknown');

/** Package names the repository serves that their source no longer has, per base; `gone` when none is left. */
export interface UnknownPackages {
  base: string;
  names: string[];
  gone: boolean;
}

/**
 * The reference's `repo-remove-unknown` check: packages of AUR bases that vanished from the AUR (one batched
 * lookup), and package names a local PKGBUILD no longer produces. Other sources are never reported: a base whose
 * local PKGBUILD cannot be read is logged and kept.
 */
export async function unknownPackages(services: RepositoryServices, known: readonly PackageWithStatus[]): Promise<UnknownPackages[]> {
  const records = known.map((entry) => entry.package);
  const aurRecords = records.filter((record) => record.remote.source === 'aur');
  const found = await services.aur.info(aurRecords.flatMap((record) => Object.keys(record.packages)));
  const result: UnknownPackages[] = [];
  const report = (base: string, all: string[], names: string[]): void => {
    if (names.length > 0) result.push({ base, names, gone: names.length === all.length });
  };
  for (const record of aurRecords) {
    const names = Object.keys(record.packages);
    report(record.base, names, names.filter((name) => !found.has(name)));
  }
  for (const record of records.filter((item) => item.remote.source === 'local')) {
    try {
      const info = await services.sources.info(services.paths.cacheFor(record.base));
      const produced = new Set(info.packages.map((item) => item.name));
      const names = Object.keys(record.packages);
      report(record.base, names, names.filter((name) => !produced.has(name)));
    } catch (error) {
      logger.warning(`${record.base}: cannot read its local PKGBUILD, keeping it: ${errorMessage(error)}`);
    }
  }
  return result.sort((left, right) => left.base.localeCompare(right.base));
}
