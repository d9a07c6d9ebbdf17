/** What changed in the PKGBUILD sources of a package base since its last build. */
export interface Changes {
  /** Commit the changes are computed from; null means nothing is known. */
  lastCommitSha: string | null;
  /** Diff since that commit. */
  changes: string | null;
  /** The PKGBUILD at that commit. */
  pkgbuild: string | null;
}
