import type { SnapshotPromotion } from './snapshot.js';

/** What a run did, handed to the triggers and printed at the end. */
export interface BuiltPackage {
  base: string;
  version: string;
  /** Seconds from the start of the build to its end. */
  duration: number;
}

export interface FailedPackage {
  base: string;
  version: string;
  reason: string;
}

export interface Result {
  success: BuiltPackage[];
  failed: FailedPackage[];
  /** Package names that left the repository. */
  removed: string[];
  /** Update checks that could not be made (e.g. the AUR unreachable): the run went on without them. */
  errors: string[];
  /** Snapshot pointers this run moved by votes or by hand (`[snapshots]`). */
  promoted?: SnapshotPromotion[];
}

export function emptyResult(): Result {
  return { success: [], failed: [], removed: [], errors: [] };
}
