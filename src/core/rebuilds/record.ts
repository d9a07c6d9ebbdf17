/**
 * What a build used and produced, from the scans of its archives: the versions of its dependencies and
 * makedependencies (`.BUILDINFO` first, else the provider's version now), the sonames its files need with their
 * providers (its implicit dependencies, kept when the library's path matches `[build] scan_paths`), and the sonames
 * its libraries provide.
 */
import type { Dependencies } from '../../models/dependencies.js';
import type { BuildRecord, NeededSoname } from '../../models/rebuild.js';
import { dependencyName } from '../alpm/dependency.js';
import type { ArchiveScan } from './archive-scan.js';
import type { ProviderIndex } from './providers.js';

export interface BuildFacts {
  record: BuildRecord;
  /** Implicit dependencies: library path -> the packages providing it. */
  implicit: Dependencies;
}

export function buildFacts(base: string, version: string, built: number, scans: readonly ArchiveScan[], index: ProviderIndex, scanPaths: readonly RegExp[]): BuildFacts {
  const own = new Set(scans.map((scan) => scan.name));
  const ownSonames = new Set(scans.flatMap((scan) => [...scan.sonames.keys()]));
  const installed = new Map(scans.flatMap((scan) => [...scan.installed]));
  const scanned = (file: string): boolean => scanPaths.some((pattern) => pattern.test(file));

  const used: Record<string, string> = {};
  for (const dependency of new Set(scans.flatMap((scan) => [...scan.depends, ...scan.makeDepends].map(dependencyName)))) {
    if (own.has(dependency)) continue;
    const provider = index.package(dependency);
    const name = provider?.name ?? dependency;
    const version = installed.get(name) ?? provider?.version;
    if (version !== undefined) used[name] = version;
  }

  const needed: Record<string, NeededSoname> = {};
  const paths: Record<string, string[]> = {};
  for (const soname of [...new Set(scans.flatMap((scan) => [...scan.needed]))].sort()) {
    if (ownSonames.has(soname)) continue;
    const provider = index.sonameProvider(soname);
    if (!provider || own.has(provider.name) || !scanned(provider.path)) continue;
    needed[soname] = { provider: provider.name, version: installed.get(provider.name) ?? provider.version };
    paths[provider.path] = [provider.name];
  }

  const sonames = Object.fromEntries(
    scans.map((scan) => [scan.name, [...scan.sonames].filter(([, file]) => scanned(file)).map(([soname]) => soname).sort()]),
  );
  return { record: { base, version, built, used, needed, sonames }, implicit: { paths } };
}
