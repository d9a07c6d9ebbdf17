/** Where the sources of a package base come from. `auto` is resolved to one of the others when a package is added. */
export const PACKAGE_SOURCES = ['auto', 'archive', 'aur', 'directory', 'local', 'remote', 'repository'] as const;
export type PackageSource = (typeof PACKAGE_SOURCES)[number];

/** How to fetch the PKGBUILD of a package base again. */
export interface RemoteSource {
  source: PackageSource;
  gitUrl: string | null;
  webUrl: string | null;
  /** Directory of the PKGBUILD inside the git repository. */
  path: string | null;
  branch: string | null;
}
