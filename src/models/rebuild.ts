/** Dependency-change rebuilds: what a build used and produced, and the rebuilds scheduled when that changed. */

/** A soname a build linked against, with the package that provided it and that package's version then. */
export interface NeededSoname {
  provider: string;
  version: string;
}

/** What one build of a package base used and produced. */
export interface BuildRecord {
  base: string;
  version: string;
  /** Unix time in seconds. */
  built: number;
  /** Dependency or makedependency name -> the version the build had. */
  used: Record<string, string>;
  /** Soname the built ELF files need (DT_NEEDED) -> its provider at build time. */
  needed: Record<string, NeededSoname>;
  /** Package name of the base -> the sonames (DT_SONAME) its libraries provide. */
  sonames: Record<string, string[]>;
}

/** A rebuild waiting because dependencies changed since the last build. */
export interface ScheduledRebuild {
  base: string;
  priority: number;
  /** One line: the soname and version changes, e.g. `libfoo.so.2 -> libfoo.so.3 (foo 2.0-1 -> 3.0-1)`. */
  reason: string;
  /** Names the set of changes: a failed rebuild is scheduled again only for a different one. */
  signature: string;
  /** Unix time in seconds. */
  scheduled: number;
  /** When a rebuild for this signature failed; null while it waits. */
  failed: number | null;
}

/** `[build] rebuild_on_dependency_change`. */
export const REBUILD_MODES = ['no', 'soname', 'always'] as const;
export type RebuildMode = (typeof REBUILD_MODES)[number];
