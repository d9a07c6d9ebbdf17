/**
 * The snapshot step of a publish (publish.ts, right after the commit): the snapshot of the committed database,
 * then `current` (and, after a run without failures, `consistent`) moved to it, then its record. Repeating the step
 * after a crash (the publish journal replays it with the same run) finds the same snapshot and completes the rest.
 */
import type { SnapshotChanges } from '../../models/snapshot.js';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryState } from '../repository/state.js';
import type { SnapshotStore } from './store.js';

/** What the run that publishes knows about itself, kept in the publish journal for a replay. */
export interface PublishRun {
  /** Identifier of the run (its process id). */
  id: string;
  /** Version built, by package base. */
  built: Record<string, string>;
  /** Reason of each failure, by package base. */
  failed: Record<string, string>;
}

const logger = getLogger('snapshots');

function changesBetween(before: ReadonlyMap<string, RepositoryEntry>, after: readonly RepositoryEntry[]): SnapshotChanges {
  const names = new Set(after.map((entry) => entry.name));
  return {
    added: after.filter((entry) => before.get(entry.name)?.fileName !== entry.fileName).map(({ name, version }) => ({ name, version })),
    removed: [...before.values()].filter((entry) => !names.has(entry.name)).map(({ name, version }) => ({ name, version })),
  };
}

/**
 * Snapshots the database just committed (`after`, replacing `before`) and returns the snapshot id. A commit that
 * left the database as `current` has it (a publish that changed nothing) makes no new snapshot nor record; one
 * replayed after a crash before the record finds the snapshot and `current` in place and writes the record.
 */
export async function snapshotPublished(
  store: SnapshotStore,
  state: RepositoryState,
  before: ReadonlyMap<string, RepositoryEntry>,
  after: readonly RepositoryEntry[],
  run: PublishRun | undefined,
): Promise<string> {
  await store.removeLeftovers();
  const id = await store.create(after);
  if ((await store.pointers()).get('current') === id && (await state.snapshots.snapshotGet(id))) return id;
  const failed = Object.keys(run?.failed ?? {}).length > 0;
  await store.movePointer('current', id);
  if (!failed) await store.movePointer('consistent', id);
  const created = Math.floor(Date.now() / 1000);
  const changes = changesBetween(before, after);
  await state.database.transaction(async () => {
    await state.snapshots.snapshotRecord({ id, created, run: run?.id ?? null, failed, changes, results: { built: run?.built ?? {}, failed: run?.failed ?? {} } });
    const moved = failed ? 'current' : 'current, consistent';
    await state.events.eventInsert({ event: 'snapshot-created', objectId: id, message: `snapshot ${id} (${moved})`, created, data: { pointers: moved.split(', '), ...changes } });
  });
  logger.info(`snapshot ${id}: ${changes.added.length} added, ${changes.removed.length} removed; ${failed ? 'current' : 'current and consistent'} moved to it`);
  return id;
}
