/**
 * Dependency-change detection: compares what each package base's last build used (build_records) with who
 * provides those dependencies and sonames now, and schedules rebuilds (rebuild_queue) by `[build]
 * rebuild_on_dependency_change` with the priority of priority.ts. Runs after a `-y` refresh, after each publish and
 * before an update check with `--check-files`.
 */
import type { BuildRecord, RebuildMode, ScheduledRebuild } from '../../models/rebuild.js';
import { vercmp } from '../alpm/vercmp.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryServices } from '../repository/services.js';
import { ProviderIndex, sonameStem } from './providers.js';
import { RECENT_FAILURE_SECONDS, isMajorChange, rebuildPriority } from './priority.js';

export interface DependencyChanges {
  /** `libfoo.so.2 -> libfoo.so.3 (foo 2.0-1 -> 3.0-1)`, sorted. */
  sonameLines: string[];
  /** `foo 2.0-1 -> 2.0-2` for dependencies whose sonames did not change, sorted. */
  versionLines: string[];
  majorChanges: number;
  /** Dependencies (by package) whose version changed. */
  changedDependencies: number;
}

const logger = getLogger('rebuilds');

/** What changed for `record` against the providers of now. */
export function compareWithBuild(record: BuildRecord, index: ProviderIndex): DependencyChanges {
  const sonameLines: string[] = [];
  const sonameProviders = new Set<string>();
  for (const [soname, { provider, version }] of Object.entries(record.needed)) {
    if (index.sonameProvider(soname)) continue;
    const current = index.versionOf(provider);
    const sonames = index.sonamesOf(provider);
    // a provider whose libraries are unknown (an archive added by hand) is only compared by version
    if (current !== undefined && sonames === undefined) continue;
    const replacement = sonames?.filter((other) => sonameStem(other) === sonameStem(soname)).sort().join(', ') || 'nothing';
    sonameLines.push(`${soname} -> ${replacement} (${provider} ${version} -> ${current ?? 'removed'})`);
    sonameProviders.add(provider);
  }

  const recorded = new Map(Object.entries(record.used));
  for (const { provider, version } of Object.values(record.needed)) if (!recorded.has(provider)) recorded.set(provider, version);
  const versionLines: string[] = [];
  let majorChanges = 0;
  let changedDependencies = 0;
  for (const [name, version] of recorded) {
    const current = index.versionOf(name);
    if (current === undefined || vercmp(current, version) === 0) continue;
    changedDependencies++;
    if (isMajorChange(version, current)) majorChanges++;
    if (!sonameProviders.has(name)) versionLines.push(`${name} ${version} -> ${current}`);
  }
  return { sonameLines: sonameLines.sort(), versionLines: versionLines.sort(), majorChanges, changedDependencies };
}

/** Whether the changes call for a rebuild in `mode`. */
export function wantsRebuild(changes: DependencyChanges, mode: RebuildMode): boolean {
  if (mode === 'soname') return changes.sonameLines.length > 0;
  return mode === 'always' && changes.sonameLines.length + changes.changedDependencies > 0;
}

/** One line naming the changes, soname changes first. */
export function describeChanges(changes: DependencyChanges): string {
  return [...changes.sonameLines, ...changes.versionLines].join('; ');
}

async function recentFailures(services: RepositoryServices, now: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const event of await services.state.events.eventList({ event: 'package-update-failed', fromDate: now - RECENT_FAILURE_SECONDS })) {
    if (event.objectId !== null) counts.set(event.objectId, (counts.get(event.objectId) ?? 0) + 1);
  }
  return counts;
}

/**
 * Brings the rebuild queue up to date and returns it, highest priority first. A base whose rebuild failed stays
 * failed (not built again) while its changes are the same; a base whose dependencies are back to what its build
 * used leaves the queue. Each newly scheduled rebuild gets a `package-outdated` audit event with its reason.
 */
export async function detectRebuilds(services: RepositoryServices, now = Math.floor(Date.now() / 1000)): Promise<ScheduledRebuild[]> {
  const { state } = services;
  const { mode } = services.settings.rebuilds;
  if (mode === 'no') return state.rebuilds.rebuildList();
  const records = await state.rebuilds.latestBuildRecords();
  const served = await services.publisher.baseVersions();
  if (records.size === 0) return state.rebuilds.rebuildList();
  const index = await ProviderIndex.load(services);
  const failures = await recentFailures(services, now);
  const existing = new Map((await state.rebuilds.rebuildList()).map((entry) => [entry.base, entry]));
  await state.database.transaction(async () => {
    for (const record of records.values()) {
      if (!served.has(record.base)) continue;
      const changes = compareWithBuild(record, index);
      const prior = existing.get(record.base);
      if (!wantsRebuild(changes, mode)) {
        if (prior) await state.rebuilds.rebuildRemove(record.base);
        continue;
      }
      const reason = describeChanges(changes);
      const priority = rebuildPriority({
        sonameChanges: changes.sonameLines.length,
        majorChanges: changes.majorChanges,
        changedDependencies: changes.changedDependencies,
        secondsSinceBuild: now - record.built,
        recentFailures: failures.get(record.base) ?? 0,
      });
      if (prior?.signature === reason) {
        if (prior.priority !== priority) await state.rebuilds.rebuildSchedule({ ...prior, priority });
        continue;
      }
      await state.rebuilds.rebuildSchedule({ base: record.base, priority, reason, signature: reason, scheduled: now, failed: null });
      await state.events.eventInsert({ event: 'package-outdated', objectId: record.base, message: `rebuild: ${reason}`, created: now, data: { reason, priority, rebuild: true } });
      logger.info(`${record.base}: rebuild scheduled (priority ${priority}): ${reason}`);
    }
  });
  return state.rebuilds.rebuildList();
}
