import type { PackageLists } from './package-fields.js';
import type { RemoteSource } from './package-source.js';

/**
 * What the state database keeps about one package name of a base. Fields known only once the package is built
 * (architecture, sizes, file name, build date) are null before that, e.g. for a package just added from the AUR.
 * Dependency lists hold bare package names (version constraints stripped).
 */
export interface PackageDescription extends Pick<PackageLists, 'depends' | 'makeDepends' | 'optDepends' | 'checkDepends' | 'groups' | 'licenses' | 'provides'> {
  architecture: string | null;
  archiveSize: number | null;
  /** Unix time in seconds. */
  buildDate: number | null;
  description: string | null;
  filename: string | null;
  installedSize: number | null;
  url: string | null;
}

/** A package base as the state database stores it: its version, source and the packages it produces. */
export interface PackageRecord {
  base: string;
  version: string;
  remote: RemoteSource;
  packager: string | null;
  /** Package descriptions keyed by package name. */
  packages: Record<string, PackageDescription>;
}
