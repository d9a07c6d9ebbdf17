import type { PackageDescription, PackageRecord } from '../../models/package-record.js';
import type { RemoteSource } from '../../models/package-source.js';
import { dependencyName } from '../alpm/dependency.js';
import type { AurClient, AurPackage } from '../alpm/remote/aur.js';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { DescEntry } from '../alpm/sync-database.js';
import type { SrcinfoPackage } from '../alpm/srcinfo.js';
import type { PackageBaseInfo } from '../build/package-info.js';

/** Conversions between what the AUR, a PKGBUILD and a built archive say about a package, and what state stores. */

const names = (dependencies: readonly string[]): string[] => dependencies.map(dependencyName);

function emptyDescription(): PackageDescription {
  return {
    architecture: null,
    archiveSize: null,
    buildDate: null,
    depends: [],
    makeDepends: [],
    optDepends: [],
    checkDepends: [],
    description: null,
    filename: null,
    groups: [],
    installedSize: null,
    licenses: [],
    provides: [],
    url: null,
  };
}

function fromSrcinfo(item: SrcinfoPackage): PackageDescription {
  return {
    ...emptyDescription(),
    depends: names(item.depends),
    makeDepends: names(item.makeDepends),
    optDepends: names(item.optDepends),
    checkDepends: names(item.checkDepends),
    description: item.description || null,
    groups: item.groups,
    licenses: item.licenses,
    provides: names(item.provides),
    url: item.url || null,
  };
}

export function recordFromPackageInfo(info: PackageBaseInfo, remote: RemoteSource, packager: string | null): PackageRecord {
  return {
    base: info.base,
    version: info.version,
    remote,
    packager,
    packages: Object.fromEntries(info.packages.map((item) => [item.name, fromSrcinfo(item)])),
  };
}

export function aurRemote(client: AurClient, packageBase: string): RemoteSource {
  return { source: 'aur', gitUrl: client.gitUrl(packageBase), webUrl: client.webUrl(packageBase), path: '.', branch: 'master' };
}

/** What the AUR says about a base (one of its packages is enough); the build's .SRCINFO completes it later. */
export function recordFromAur(client: AurClient, aurPackage: AurPackage, packager: string | null): PackageRecord {
  return {
    base: aurPackage.packageBase,
    version: aurPackage.version,
    remote: aurRemote(client, aurPackage.packageBase),
    packager,
    packages: {
      [aurPackage.name]: {
        ...emptyDescription(),
        depends: names(aurPackage.depends),
        makeDepends: names(aurPackage.makeDepends),
        optDepends: names(aurPackage.optDepends),
        checkDepends: names(aurPackage.checkDepends),
        description: aurPackage.description || null,
        licenses: aurPackage.licenses,
        groups: aurPackage.groups,
        provides: names(aurPackage.provides),
        url: aurPackage.url,
      },
    },
  };
}

/** Where the distribution keeps the PKGBUILD of a package base (the reference's locations). */
export function officialRemote(packageBase: string): RemoteSource {
  return {
    source: 'repository',
    gitUrl: `https://gitlab.archlinux.org/archlinux/packaging/packages/${encodeURIComponent(packageBase)}.git`,
    webUrl: `https://archlinux.org/packages/${encodeURIComponent(packageBase)}`,
    path: '.',
    branch: 'main',
  };
}

/** A package of a distribution sync database, to be rebuilt from the distribution's PKGBUILD. */
export function recordFromOfficial(entry: DescEntry, packager: string | null): PackageRecord {
  return {
    base: entry.base,
    version: entry.version,
    remote: officialRemote(entry.base),
    packager,
    packages: { [entry.name]: { ...descriptionFromEntry({ ...entry, files: [] }), architecture: null, archiveSize: null, buildDate: null, filename: null, installedSize: null } },
  };
}

export function descriptionFromEntry(entry: RepositoryEntry): PackageDescription {
  return {
    architecture: entry.architecture,
    archiveSize: entry.compressedSize,
    buildDate: entry.buildDate,
    depends: names(entry.depends),
    makeDepends: names(entry.makeDepends),
    optDepends: names(entry.optDepends),
    checkDepends: names(entry.checkDepends),
    description: entry.description || null,
    filename: entry.fileName,
    groups: entry.groups,
    installedSize: entry.installedSize,
    licenses: entry.licenses,
    provides: names(entry.provides),
    url: entry.url || null,
  };
}

/** Every dependency name of a record's packages (runtime, build and check), for the tree and missing-dependency lookup. */
export function recordDependencies(record: PackageRecord): string[] {
  return [
    ...new Set(Object.values(record.packages).flatMap((item) => [...item.depends, ...item.makeDepends, ...item.checkDepends])),
  ];
}

/** Names a record satisfies as a dependency: its package names and what they provide. */
export function recordProvides(record: PackageRecord): string[] {
  return [...Object.keys(record.packages), ...Object.values(record.packages).flatMap((item) => item.provides)];
}
