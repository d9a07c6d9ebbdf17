/** What a build driver is asked to build, and how. */
import type { SystemUser } from '../../process.js';

export interface BuildRequest {
  /** The (possibly patched) PKGBUILD and its local sources. Only read: the build works on a private copy. */
  directory: string;
  /** The pkgbase: names the build in errors and identifies its debug package, `<pkgbase>-debug`. */
  packageBase: string;
  /** Where the produced archives are moved; created when missing. */
  outputDirectory: string;
  /** `PACKAGER`, e.g. `John Doe <john@example.com>`; when empty, makepkg.conf decides. */
  packager: string;
  /** `MAKEFLAGS`, e.g. `-j4`. */
  makeFlags?: string;
  /** `[build] makepkg_flags`. */
  makepkgFlags: string[];
  /**
   * More variables for makepkg, e.g. `PKGEXT` or `SOURCE_DATE_EPOCH`. The workspace locations (`PKGDEST`, `SRCDEST`,
   * `BUILDDIR`, `LOGDEST`, `SRCPKGDEST`) and a non-empty `packager` always win.
   */
  environment?: Record<string, string>;
  /** The unprivileged build user; required when we are root (makepkg refuses root), ignored otherwise. */
  user?: SystemUser;
  /** Keep the `<pkgbase>-debug` package (`[build] include_debug_packages`). */
  includeDebug: boolean;
  /** The whole build (every phase) is killed after this long. */
  timeoutMs?: number;
  /**
   * More pacman repositories (local directories) the build environment installs dependencies from, after its own:
   * a distributed run's staging repository. Only the devtools chroot installs dependencies; the sandbox and host
   * drivers build with `--nodeps` and ignore them.
   */
  repositories?: readonly LocalRepository[];
  /** Receives every output line (stdout and stderr) as it arrives: the build log. */
  onLine(line: string): void;
}

/** A pacman repository in a local directory: `<directory>/<name>.db` and the archives it lists. */
export interface LocalRepository {
  name: string;
  directory: string;
}
