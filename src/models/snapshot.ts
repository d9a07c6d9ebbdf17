/** Immutable snapshots of a repository, their named pointers and the CI votes that promote them. */

/** Pointers every repository with snapshots has: the latest snapshot, and the latest of a run without failures. */
export const BUILTIN_POINTERS = ['current', 'consistent'] as const;

/** A pointer name: a directory name under `snapshots/<repo>/<arch>/` that no snapshot id can take. */
export const POINTER_NAME = /^[a-z][a-z0-9_-]*$/;
/** Snapshot ids are the first 12 hex digits of the sha256 of the snapshot's database. */
export const SNAPSHOT_ID = /^[0-9a-f]{12}$/;

export interface PackageVersion {
  name: string;
  version: string;
}

/** What a snapshot changed against the database before it. */
export interface SnapshotChanges {
  added: PackageVersion[];
  removed: PackageVersion[];
}

/** The outcome of the builds of the run that made a snapshot. */
export interface SnapshotResults {
  /** Version built, by package base. */
  built: Record<string, string>;
  /** Reason of each failure, by package base. */
  failed: Record<string, string>;
}

export interface SnapshotRecord {
  id: string;
  /** Unix time in seconds. */
  created: number;
  /** Identifier of the run (process) that published it. */
  run: string | null;
  /** Whether something failed in that run. */
  failed: boolean;
  changes: SnapshotChanges;
  results: SnapshotResults;
}

export interface SnapshotVote {
  snapshot: string;
  job: string;
  passed: boolean;
  url: string | null;
  notes: string | null;
  created: number;
}

/** A pointer moved to a snapshot: by hand, or by the passing votes of the jobs it requires. */
export interface SnapshotPromotion {
  pointer: string;
  snapshot: string;
  previous: string | null;
  /** The jobs whose votes moved it (none when moved by hand). */
  jobs: string[];
}

/** A snapshot as listings show it: its record, the pointers that name it and its votes. */
export interface SnapshotView extends SnapshotRecord {
  pointers: string[];
  votes: SnapshotVote[];
}
