import type { PackageLists } from './package-fields.js';

/**
 * What a package says about itself in its `.PKGINFO`, with makepkg's key names mapped to readable ones
 * (`depend` -> depends, `size` -> installedSize...). Values are as repo-add reads them: whitespace runs collapsed to
 * one space, leading and trailing whitespace removed.
 */
export interface PackageInfo extends PackageLists {
  name: string;
  /** `pkgbase`; the package name when the archive does not say (archives from makepkg always do). */
  base: string;
  /** Full version `[epoch:]pkgver-pkgrel`. */
  version: string;
  description: string;
  url: string;
  architecture: string;
  /** Unix seconds; 0 when the archive does not say. */
  buildDate: number;
  packager: string;
  /** Bytes once installed; 0 when the archive does not say. */
  installedSize: number;
  /** Configuration files pacman keeps as `.pacnew` instead of overwriting. */
  backup: string[];
  /** `key=value` extension data (pacman 6.1+, e.g. `pkgtype=pkg`). */
  xdata: string[];
}

/** A built package archive: its `.PKGINFO` plus the facts repo-add records about the file itself. */
export interface PackageMetadata extends PackageInfo {
  /** Base name of the archive file, e.g. `foo-1:2.0-1-x86_64.pkg.tar.zst`. */
  fileName: string;
  /** Size of the archive file in bytes. */
  compressedSize: number;
  /** Lowercase hex digests of the archive file. */
  md5: string;
  sha256: string;
  /**
   * Paths in the archive as repo-add lists them in the `files` database entry: without the top-level dot-files
   * (`.PKGINFO`, `.MTREE`...), directories with their trailing `/`, sorted by byte value, without duplicates.
   */
  files: string[];
}

/** A validated archive, with the stamp of the staged copy package-add wrote of it (core/atomic-file.ts: `fileStamp`). */
export interface ValidatedArchive {
  metadata: PackageMetadata;
  stagedStamp: string | null;
}
