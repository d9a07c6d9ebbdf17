/**
 * The lists every description of a package has, whatever it comes from (`.PKGINFO`, `.SRCINFO`, a sync database,
 * the AUR, the state database): declared once here, with makepkg's names made readable (`makedepends` -> makeDepends).
 */
export interface PackageRelations {
  depends: string[];
  makeDepends: string[];
  checkDepends: string[];
  optDepends: string[];
  provides: string[];
  conflicts: string[];
  replaces: string[];
}

/** The relation lists plus the other lists a package declares about itself. */
export interface PackageLists extends PackageRelations {
  groups: string[];
  licenses: string[];
}
