/**
 * Who provides a dependency or a soname now, and at which version: our repository first (the packages it serves,
 * with the sonames their last builds recorded), then the distribution's sync databases (their `libfoo.so=3-64`
 * provides). Loaded once per run; the builds of a run add what they produced.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { dependencyName } from '../alpm/dependency.js';
import { readOfficialPackages, readOfficialSettings } from '../alpm/remote/official.js';
import type { RepositoryServices } from '../repository/services.js';
import type { ArchiveScan } from './archive-scan.js';

export interface ProvidedPackage {
  name: string;
  version: string;
}

export interface SonameProvider extends ProvidedPackage {
  /** Path of the library in the package (`usr/lib/libfoo.so.3`). */
  path: string;
}

interface IndexedPackage {
  version: string;
  provides: string[];
  /** Soname -> library path; undefined when nothing is known about the package's libraries. */
  sonames: Map<string, string> | undefined;
}

/** `libfoo.so=3-64` (makepkg's library provides, optionally `lib:`-prefixed) -> `libfoo.so.3`. */
export function sonameOfProvide(provide: string): string | undefined {
  const match = /^(?:lib:)?([^=<>\s]+\.so)=([^-\s]+)(?:-(?:32|64))?$/.exec(provide);
  return match ? `${match[1]}.${match[2]}` : undefined;
}

/** The name of a soname without its version: `libfoo.so.3` -> `libfoo.so`. */
export function sonameStem(soname: string): string {
  const index = soname.indexOf('.so');
  return index < 0 ? soname : soname.slice(0, index + 3);
}

let officialCache: { key: string; packages: Promise<Map<string, IndexedPackage>> } | undefined;

/**
 * The packages of the sync databases with their library provides, read once per process while the files stay the
 * same (a run detects after `-y`, after its publish and before its update check).
 */
function officialPackages(services: RepositoryServices): Promise<Map<string, IndexedPackage>> {
  const settings = readOfficialSettings(services.configuration, services.paths);
  const key = settings.repositories
    .map((repository) => path.join(settings.syncDirectory, `${repository}.db`))
    .map((file) => `${file}:${existsSync(file) ? statSync(file).mtimeMs : 'none'}`)
    .join('\n');
  if (officialCache?.key !== key) {
    const read = async (): Promise<Map<string, IndexedPackage>> => {
      const packages = new Map<string, IndexedPackage>();
      for (const entry of (await readOfficialPackages(settings))?.values() ?? []) {
        const sonames = new Map<string, string>();
        for (const provide of entry.provides) {
          const soname = sonameOfProvide(provide);
          if (soname) sonames.set(soname, `usr/lib/${soname}`);
        }
        packages.set(entry.name, { version: entry.version, provides: entry.provides, sonames });
      }
      return packages;
    };
    officialCache = { key, packages: read() };
  }
  return officialCache.packages;
}

export class ProviderIndex {
  private readonly byName = new Map<string, IndexedPackage>();
  private readonly byProvide = new Map<string, string>();
  private readonly bySoname = new Map<string, string>();

  private add(name: string, entry: IndexedPackage, override: boolean): void {
    if (!override && this.byName.has(name)) return;
    this.byName.set(name, entry);
    for (const provide of entry.provides) {
      const provided = dependencyName(provide);
      if (override || !this.byProvide.has(provided)) this.byProvide.set(provided, name);
    }
    for (const soname of entry.sonames?.keys() ?? []) if (override || !this.bySoname.has(soname)) this.bySoname.set(soname, name);
  }

  static async load(services: RepositoryServices): Promise<ProviderIndex> {
    const index = new ProviderIndex();
    const records = await services.state.rebuilds.latestBuildRecords();
    for (const entry of (await services.publisher.index()).values()) {
      const record = records.get(entry.base);
      const recorded = record?.version === entry.version ? record.sonames[entry.name] : undefined;
      // a library's path is only needed against [build] scan_paths, which recorded sonames already passed
      const sonames = recorded === undefined ? undefined : new Map(recorded.map((soname) => [soname, `usr/lib/${soname}`]));
      index.add(entry.name, { version: entry.version, provides: entry.provides, sonames }, false);
    }
    for (const [name, entry] of await officialPackages(services)) index.add(name, entry, false);
    return index;
  }

  /** What a build of this run produced replaces what the index knew of those packages. */
  addBuilt(scans: readonly ArchiveScan[]): void {
    for (const scan of scans) this.add(scan.name, { version: scan.version, provides: [], sonames: scan.sonames }, true);
  }

  /** The package satisfying a dependency (by name, else by a provide) and its version. */
  package(dependency: string): ProvidedPackage | undefined {
    const wanted = dependencyName(dependency);
    const name = this.byName.has(wanted) ? wanted : this.byProvide.get(wanted);
    const entry = name === undefined ? undefined : this.byName.get(name);
    return name === undefined || entry === undefined ? undefined : { name, version: entry.version };
  }

  /** The package providing a soname now. */
  sonameProvider(soname: string): SonameProvider | undefined {
    const name = this.bySoname.get(soname);
    const entry = name === undefined ? undefined : this.byName.get(name);
    const path = entry?.sonames?.get(soname);
    return name === undefined || entry === undefined || path === undefined ? undefined : { name, version: entry.version, path };
  }

  /** The sonames a package provides now; undefined when the package is gone or its libraries are unknown. */
  sonamesOf(name: string): string[] | undefined {
    const sonames = this.byName.get(name)?.sonames;
    return sonames === undefined ? undefined : [...sonames.keys()];
  }

  /** The version of a package now. */
  versionOf(name: string): string | undefined {
    return this.byName.get(name)?.version;
  }
}
