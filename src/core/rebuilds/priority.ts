/**
 * The priority of a scheduled dependency-change rebuild (docs/rebuilds.md). Higher runs first:
 *
 *   1000 × soname changes of direct or implicit dependencies
 * +  100 × major-version changes of direct dependencies (epoch or first pkgver component)
 * +   10 × changed dependencies (any version change)
 * +    1 × days since the last build (at most 30)
 * -  300 × failed builds of the package in the last 7 days
 */
import { parseVersion } from '../alpm/vercmp.js';

export interface PriorityInputs {
  sonameChanges: number;
  majorChanges: number;
  changedDependencies: number;
  secondsSinceBuild: number;
  recentFailures: number;
}

const DAY = 86_400;
/** Failures older than this no longer lower the priority. */
export const RECENT_FAILURE_SECONDS = 7 * DAY;

export function rebuildPriority(inputs: PriorityInputs): number {
  const days = Math.min(30, Math.floor(Math.max(0, inputs.secondsSinceBuild) / DAY));
  return 1000 * inputs.sonameChanges + 100 * inputs.majorChanges + 10 * inputs.changedDependencies + days - 300 * inputs.recentFailures;
}

/** Whether going from `from` to `to` changes the epoch or the first component of pkgver. */
export function isMajorChange(from: string, to: string): boolean {
  const before = parseVersion(from);
  const after = parseVersion(to);
  const major = (pkgver: string): string => pkgver.split(/[^0-9A-Za-z]/)[0] ?? pkgver;
  return (before.epoch ?? '0') !== (after.epoch ?? '0') || major(before.pkgver) !== major(after.pkgver);
}

/** Scheduled rebuilds in the order they run: highest priority first, then by base. */
export function rankRebuilds<Item extends { base: string; priority: number }>(items: readonly Item[]): Item[] {
  return [...items].sort((left, right) => right.priority - left.priority || left.base.localeCompare(right.base));
}
