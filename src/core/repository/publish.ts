/**
 * One publish, "validate everything, then commit once" (always under the repository lock):
 * 0. recover: an unfinished publish journal entry of this repository is finished first (steps 4-8 with its plan);
 * 1. intake: every archive waiting in `packages/<repo>/<arch>/` is read in full and validated (intake.ts); a bad
 *    one (and its signature) is moved aside to `rejected/` with one log line, the others go on (publish-staged.ts,
 *    which a removal does not load);
 * 2. plan: next index = served index - removals + accepted archives;
 * 3. journal: the plan goes into `publish_journal` in one statement: from here on the intent survives any crash;
 * 4. pool: each archive is hard-linked into `archive/packages/<l>/<base>/` (and signed there); a served file of the
 *    same name with different content first leaves the database (an extra commit), so no listed file ever has a
 *    checksum other than the listed one;
 * 5. links: hard links of the pooled files in the served directory (extra files are harmless to pacman);
 * 6. commit: a new database generation, switched to at one rename (repository-database.ts); with `[snapshots]` on,
 *    then the snapshot of that generation and its pointers (snapshots/publish-step.ts);
 * 7. state: the plan is applied to the state database and the journal row deleted, in one transaction;
 * 8. cleanup: staged files now served, links the database no longer lists, temporary files, cache directories of
 *    forgotten bases. A staged file is thus deleted only after the commit that lists it.
 */
import fs from 'node:fs/promises';
import type { PackageMetadata } from '../../models/package-metadata.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import { FILE_OPERATIONS_CONCURRENCY, mapLimit } from '../concurrency.js';
import { getLogger } from '../log/logger.js';
import { recordHistory } from './history.js';
import type { ServedIndex } from './publisher.js';
import { type PublishRun, snapshotPublished } from '../snapshots/publish-step.js';
import { descriptionFromEntry } from './records.js';
import type { RepositoryServices } from './services.js';

/** What publishing works with: the tree, the state database and the served repository. */
export type PublishServices = Pick<RepositoryServices, 'paths' | 'state' | 'publisher' | 'status'> & Partial<Pick<RepositoryServices, 'snapshots'>>;

/** What one publish means to do, as the journal keeps it. */
export interface PublishPlan {
  /** Validated archives waiting in staging under their file names. */
  added: PackageMetadata[];
  /** Package names to drop from the database. */
  remove: string[];
  /** Package bases whose state goes with them (package-remove). */
  forget: string[];
  /** The forgotten bases moved to another repository of this tree (package-copy), which keeps their patches and sources. */
  keepSources?: boolean;
  /** Build time in seconds of the bases built by this run, for their `package-updated` events. */
  durations: Record<string, number>;
  /** The run that publishes (builds and failures), for the record of its snapshot. */
  run?: PublishRun;
}

export interface PublishOutcome {
  /** Entries of the archives this publish put into the database. */
  added: RepositoryEntry[];
  /** Entries the database no longer lists (removed, or replaced by another file of the same package). */
  removed: RepositoryEntry[];
  /** One line per archive set aside by the intake: file and reason. */
  rejected: string[];
  /** Id of the snapshot this publish made (with `[snapshots] enabled`). */
  snapshot?: string;
}

const logger = getLogger('publisher');

/** Records of the published packages, grouped by base, keeping the source of what state knew before. */
function publishedRecords(entries: readonly RepositoryEntry[], previous: Map<string, PackageRecord>): PackageRecord[] {
  const byBase = new Map<string, RepositoryEntry[]>();
  for (const entry of entries) {
    const items = byBase.get(entry.base);
    if (items) items.push(entry);
    else byBase.set(entry.base, [entry]);
  }
  return [...byBase].map(([base, items]) => {
    const known = previous.get(base);
    return {
      base,
      version: items[0]!.version,
      remote: known?.remote ?? { source: 'archive', gitUrl: null, webUrl: null, path: null, branch: null },
      packager: known?.packager ?? (items[0]!.packager || null),
      packages: Object.fromEntries(items.map((entry) => [entry.name, descriptionFromEntry(entry)])),
    };
  });
}

/**
 * Step 7: the state (through the status core, and the content history) catches up with the committed database, which
 * lists `listed`, and the journal row goes, in one transaction whose statements do not grow in number with the
 * packages published.
 */
async function applyToState(services: PublishServices, plan: PublishPlan, added: readonly RepositoryEntry[], listed: Iterable<RepositoryEntry>, snapshot: string | undefined): Promise<void> {
  const { state, status } = services;
  const bases = [...new Set(added.map((entry) => entry.base))];
  const known = new Map((await state.packages.listPackages(bases)).map((item) => [item.package.base, item.package]));
  const records = publishedRecords(added, known);
  await status.client.batch(async () => {
    await status.published(records.map((record) => ({ record, duration: plan.durations[record.base] ?? 0 })), plan.forget);
    await state.queue.queueClear(bases);
    await state.rebuilds.rebuildRemove(bases);
    if (!plan.keepSources) for (const base of plan.forget) await state.patches.patchesRemove(base);
    await state.archiveMetadata.metadataRemove(plan.added.map((metadata) => metadata.sha256));
    await recordHistory(state, listed, snapshot ?? null);
    await state.journal.journalDelete();
  });
}

/**
 * Step 4's guard: served files that an incoming archive of the same name but different content is about to replace
 * in the pool leave the database first. Returns the index after that commit.
 */
async function withdrawOverwritten(services: PublishServices, index: ServedIndex, incoming: readonly PackageMetadata[]): Promise<ServedIndex> {
  const byFileName = new Map([...index.values()].map((entry) => [entry.fileName, entry]));
  const withdrawn = new Set(
    incoming.flatMap((metadata) => {
      const listed = byFileName.get(metadata.fileName);
      return listed && listed.sha256 !== metadata.sha256 ? [listed.name] : [];
    }),
  );
  if (withdrawn.size === 0) return index;
  logger.info(`unlisting ${[...withdrawn].join(', ')} while rebuilt files of the same name replace theirs`);
  await services.publisher.commit([...index.values()].filter((entry) => !withdrawn.has(entry.name)));
  return services.publisher.index();
}

/**
 * Steps 4-8 of a journaled plan; repeating them after a crash at any point completes exactly this plan (`recovering`:
 * this run finishes the plan of a killed one, whose temporary files in the pool it deletes too).
 */
async function applyPlan(services: PublishServices, plan: PublishPlan, recovering: boolean): Promise<PublishOutcome> {
  const { publisher } = services;
  const concurrency = FILE_OPERATIONS_CONCURRENCY;
  const before = await publisher.index();
  const index = await withdrawOverwritten(services, before, plan.added);
  await fs.mkdir(services.paths.repository, { recursive: true });
  const pooled = await mapLimit(plan.added, concurrency, (metadata) => publisher.pool(metadata));
  const lost = plan.added.filter((_, position) => pooled[position] === undefined);
  for (const metadata of lost) logger.error(`${metadata.fileName}: the staged file is gone or no longer the one planned; not published by this plan`);
  const added = pooled.filter((entry): entry is RepositoryEntry => entry !== undefined);
  for (const entry of added) publisher.link(entry);

  const next = new Map(index);
  for (const name of plan.remove) next.delete(name);
  for (const entry of added) next.set(entry.name, entry);
  await publisher.commit([...next.values()]);
  const snapshot = services.snapshots ? await snapshotPublished(services.snapshots, services.state, before, [...next.values()], plan.run) : undefined;
  await applyToState(services, plan, added, next.values(), snapshot);
  await publisher.cleanup(next, plan.added, [], recovering ? added.map((entry) => entry.base) : []);
  if (!plan.keepSources) await Promise.all(plan.forget.map((base) => fs.rm(services.paths.cacheFor(base), { recursive: true, force: true })));

  const removed = [...before.values()].filter((entry) => next.get(entry.name)?.fileName !== entry.fileName);
  return { added, removed, rejected: [], snapshot };
}

/** Step 3 then steps 4-8. */
export async function executePlan(services: PublishServices, plan: PublishPlan): Promise<PublishOutcome> {
  await services.state.journal.journalInsert(plan);
  return applyPlan(services, plan, false);
}

/** Step 0: finishes the publish an interrupted run journaled, if any. */
export async function recoverPublish(services: PublishServices): Promise<PublishOutcome | undefined> {
  const plan = await services.state.journal.journalGet<PublishPlan>();
  if (!plan) return undefined;
  logger.info(`finishing the publish an interrupted run started: ${plan.added.length} archive(s) to add, ${plan.remove.length} package(s) to remove`);
  return applyPlan(services, plan, true);
}
