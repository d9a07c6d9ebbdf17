import type { PackageRecord } from '../../models/package-record.js';
import type { PackageWithStatus } from '../database/operations/packages.js';
import { vercmp } from '../alpm/vercmp.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { readOfficialPackages, readOfficialSettings } from '../alpm/remote/official.js';
import { recoverPublish } from './publish.js';
import { recordFromAur, recordFromOfficial, recordFromPackageInfo } from './records.js';
import type { RepositoryServices } from './services.js';
import { actualVcsVersion } from './vcs-version.js';
import { detectRebuilds } from '../rebuilds/detect.js';
import { rankRebuilds } from '../rebuilds/priority.js';

export interface UpdateFlags {
  /** Packages from the AUR whose AUR version is newer. */
  aur: boolean;
  /** Local PKGBUILD directories whose version changed. */
  local: boolean;
  /** The build queue (package-add, repo-rebuild). */
  manual: boolean;
  /** VCS packages (`-git`, `-svn`...) last built longer than `[build] vcs_allowed_age` ago. */
  vcs: boolean;
  /**
   * `--check-files`: packages whose dependencies changed since their last build (sonames of the libraries their files
   * link against, versions), by `[build] rebuild_on_dependency_change`, at most `rebuild_max_per_run` of them.
   */
  checkFiles?: boolean;
}

export interface UpdateCandidate {
  record: PackageRecord;
  /** Version in the repository now; undefined for a new package. */
  currentVersion: string | undefined;
  reason: string;
  /** A rebuild because dependencies changed, not because the package did. */
  dependencyRebuild?: boolean;
}

export interface UpdateCheck {
  candidates: UpdateCandidate[];
  /** Checks that could not be made (the AUR unreachable, a PKGBUILD unreadable), each with its reason. */
  errors: string[];
}

const VCS_SUFFIX = /-(git|svn|hg|bzr|darcs|cvs|fossil)$/;
const logger = getLogger('updates');

function matches(filter: readonly string[], record: PackageRecord): boolean {
  return filter.length === 0 || filter.includes(record.base) || Object.keys(record.packages).some((name) => filter.includes(name));
}

async function aurUpdates(services: RepositoryServices, known: PackageWithStatus[], now: number): Promise<UpdateCandidate[]> {
  const fromAur = known.filter((item) => item.package.remote.source === 'aur');
  const names = fromAur.flatMap((item) => [item.package.base, ...Object.keys(item.package.packages)]);
  const found = await services.aur.info(names);
  const candidates: UpdateCandidate[] = [];
  for (const { package: record } of fromAur) {
    const remote = [record.base, ...Object.keys(record.packages)].map((name) => found.get(name)).find((item) => item?.packageBase === record.base);
    if (!remote) {
      logger.warning(`${record.base} is no longer in the AUR`);
      continue;
    }
    if (vercmp(remote.version, record.version) <= 0) continue;
    if (now - remote.lastModified < services.settings.minAgeSeconds) {
      logger.info(`${record.base} ${remote.version} is younger than [build] min_age, not yet`);
      continue;
    }
    candidates.push({
      record: { ...recordFromAur(services.aur, remote, record.packager), packages: record.packages },
      currentVersion: record.version,
      reason: `AUR has ${remote.version}`,
    });
  }
  return candidates;
}

/** Packages rebuilt from the distribution's PKGBUILDs whose sync database version is newer (no HTTP: the `-y` copies). */
async function officialUpdates(services: RepositoryServices, known: PackageWithStatus[]): Promise<UpdateCandidate[]> {
  const fromOfficial = known.filter((item) => item.package.remote.source === 'repository');
  if (fromOfficial.length === 0) return [];
  const official = await readOfficialPackages(readOfficialSettings(services.configuration, services.paths));
  const candidates: UpdateCandidate[] = [];
  for (const { package: record } of fromOfficial) {
    const entry = [record.base, ...Object.keys(record.packages)].map((name) => official?.get(name)).find((item) => item?.base === record.base);
    if (entry && vercmp(entry.version, record.version) > 0) {
      candidates.push({ record: { ...recordFromOfficial(entry, record.packager), packages: record.packages }, currentVersion: record.version, reason: `the distribution has ${entry.version}` });
    }
  }
  return candidates;
}

async function localUpdates(services: RepositoryServices, known: PackageWithStatus[], errors: string[]): Promise<UpdateCandidate[]> {
  const candidates: UpdateCandidate[] = [];
  for (const { package: record } of known.filter((item) => item.package.remote.source === 'local')) {
    try {
      const info = await services.sources.info(await services.sources.checkout(record.base, record.remote));
      if (vercmp(info.version, record.version) > 0) {
        candidates.push({
          record: recordFromPackageInfo(info, record.remote, record.packager),
          currentVersion: record.version,
          reason: `PKGBUILD has ${info.version}`,
        });
      }
    } catch (error) {
      errors.push(`cannot check ${record.base}: ${errorMessage(error)}`);
    }
  }
  return candidates;
}

/** The full version without its pkgrel: what pkgver() decides. */
function withoutPkgrel(version: string): string {
  return version.slice(0, version.lastIndexOf('-'));
}

/**
 * VCS packages last built longer than `vcs_allowed_age` ago whose upstream moved: pkgver() is run to find out, and
 * a package whose version would not change is left alone. When pkgver() cannot run, the package is rebuilt.
 */
async function vcsUpdates(services: RepositoryServices, known: PackageWithStatus[], now: number): Promise<UpdateCandidate[]> {
  const due = known.filter(({ package: record, status }) => VCS_SUFFIX.test(record.base) && now - status.timestamp >= services.settings.vcsAllowedAgeSeconds);
  const candidates: UpdateCandidate[] = [];
  for (const { package: record } of due) {
    try {
      const version = await actualVcsVersion(services, record);
      if (vercmp(withoutPkgrel(version), withoutPkgrel(record.version)) === 0) {
        logger.info(`${record.base}: upstream unchanged (${version}), not rebuilt`);
        continue;
      }
      candidates.push({ record: { ...record, version }, currentVersion: record.version, reason: `VCS upstream moved to ${version}` });
    } catch (error) {
      logger.warning(`${record.base}: cannot run pkgver(), rebuilding it: ${errorMessage(error)}`);
      candidates.push({ record, currentVersion: record.version, reason: 'VCS package due for a rebuild' });
    }
  }
  return candidates;
}

/** Scheduled dependency-change rebuilds (detected again now), highest priority first, up to `rebuild_max_per_run`. */
async function dependencyRebuilds(services: RepositoryServices, checked: PackageWithStatus[], current: Map<string, string>): Promise<UpdateCandidate[]> {
  const records = new Map(checked.map((item) => [item.package.base, item.package]));
  const waiting = (await detectRebuilds(services)).filter((entry) => entry.failed === null && records.has(entry.base) && current.has(entry.base));
  return rankRebuilds(waiting)
    .slice(0, services.settings.rebuilds.maxPerRun)
    .map((entry) => ({ record: records.get(entry.base)!, currentVersion: current.get(entry.base), reason: entry.reason, dependencyRebuild: true }));
}

/**
 * What a run should build, by base: the queue first, then what the AUR, local PKGBUILDs and VCS ages say is
 * outdated, then (`--check-files`) the dependency-change rebuilds. Held and ignored packages are skipped by the automatic checks (the queue is always honoured). A check
 * that fails is logged and reported in `errors`; the other checks still count.
 */
export async function collectUpdates(services: RepositoryServices, filter: readonly string[], flags: UpdateFlags): Promise<UpdateCheck> {
  // a publish an interrupted run journaled is finished first: the checks then see the state it meant
  await recoverPublish(services);
  const now = Math.floor(Date.now() / 1000);
  const known = await services.state.packages.listPackages();
  const current = await services.publisher.baseVersions();
  const checked = known.filter(
    (item) => !item.status.isHeld && !services.settings.ignorePackages.includes(item.package.base) && matches(filter, item.package),
  );

  const candidates = new Map<string, UpdateCandidate>();
  const add = (items: UpdateCandidate[]) => {
    for (const item of items) if (!candidates.has(item.record.base)) candidates.set(item.record.base, item);
  };
  if (flags.manual) {
    add(
      (await services.state.queue.queueList())
        .filter((record) => matches(filter, record))
        .map((record) => ({ record, currentVersion: current.get(record.base), reason: 'queued' })),
    );
  }
  const errors: string[] = [];
  if (flags.aur) {
    try {
      add(await aurUpdates(services, checked, now));
    } catch (error) {
      errors.push(`cannot check the AUR for updates: ${errorMessage(error)}`);
    }
    add(await officialUpdates(services, checked));
  }
  if (flags.local) add(await localUpdates(services, checked, errors));
  if (flags.vcs) add(await vcsUpdates(services, checked, now));
  if (flags.checkFiles) add(await dependencyRebuilds(services, checked, current));
  for (const error of errors) logger.error(error);
  return { candidates: [...candidates.values()].sort((left, right) => left.record.base.localeCompare(right.record.base)), errors };
}
