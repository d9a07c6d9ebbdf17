/**
 * A change applied to a PKGBUILD before it is built: either a variable or function override (`key` set, `value` is
 * its new definition as written in the PKGBUILD) or, with `key` null, a unified diff applied to the sources.
 */
export interface PkgbuildPatch {
  key: string | null;
  value: string;
}
