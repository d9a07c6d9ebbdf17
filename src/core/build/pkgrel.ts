/**
 * The pkgrel bump (`--increment`): a rebuild of a version the repository already has (or of an older one with the
 * same epoch and pkgver) gets a release just above the repository's, so pacman sees it as an upgrade.
 */
import { InvalidInputError } from '../errors.js';
import { validatePkgrel } from '../alpm/validation.js';
import { formatVersion, parseVersion, vercmp } from '../alpm/vercmp.js';
import type { PkgbuildPatch } from '../../models/patch.js';
import { variablePatch } from './patches.js';

/**
 * The pkgrel to build with instead of the PKGBUILD's, or undefined when no bump is needed: the repository has no
 * version, the version to build is newer, or it differs in epoch or pkgver (a deliberate downgrade keeps its
 * version). The bump is based on the repository's pkgrel: `1` → `1.1`, `1.1` → `1.2`, `2.9` → `2.10`.
 */
export function nextPkgrel(repositoryVersion: string | undefined, buildVersion: string): string | undefined {
  if (repositoryVersion === undefined || vercmp(buildVersion, repositoryVersion) > 0) return undefined;
  const repository = parseVersion(repositoryVersion);
  const build = parseVersion(buildVersion);
  const sameUpstreamVersion =
    vercmp(formatVersion({ epoch: repository.epoch, pkgver: repository.pkgver }), formatVersion({ epoch: build.epoch, pkgver: build.pkgver })) === 0;
  if (!sameUpstreamVersion) return undefined;
  if (repository.pkgrel === undefined || !/^[0-9]+(\.[0-9]+)*$/.test(repository.pkgrel)) {
    throw new InvalidInputError(`cannot bump the release of repository version '${repositoryVersion}': it has no numeric pkgrel`);
  }
  const parts = repository.pkgrel.split('.');
  if (parts.length === 1) return `${repository.pkgrel}.1`;
  const last = parts.pop()!;
  return [...parts, String(BigInt(last) + 1n)].join('.');
}

/** The patch that makes the build use `pkgrel` (which must be valid for makepkg: `integer[.integer]`). */
export function pkgrelPatch(pkgrel: string): PkgbuildPatch {
  return variablePatch('pkgrel', validatePkgrel(pkgrel));
}
