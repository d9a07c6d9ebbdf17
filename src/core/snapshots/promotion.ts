import type { SnapshotPromotion, SnapshotRecord, SnapshotVote } from '../../models/snapshot.js';
import { InvalidInputError } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryState } from '../repository/state.js';
import type { SnapshotSettings } from './settings.js';
import type { SnapshotStore } from './store.js';

type Promotion = SnapshotPromotion;

const logger = getLogger('snapshots');
const MAX_JOB_LENGTH = 200;

/** Checks a vote's fields: a known snapshot, a job name of visible characters, an http(s) URL. */
async function checkVote(state: RepositoryState, vote: SnapshotVote): Promise<void> {
  if (!(await state.snapshots.snapshotGet(vote.snapshot))) throw new InvalidInputError(`no snapshot ${vote.snapshot} in ${state.repositoryId.id}`);
  if (!/^\S+$/.test(vote.job) || vote.job.length > MAX_JOB_LENGTH) throw new InvalidInputError(`job name '${vote.job}' must be 1 to ${MAX_JOB_LENGTH} characters without spaces`);
  if (vote.url !== null) {
    const protocol = URL.canParse(vote.url) ? new URL(vote.url).protocol : undefined;
    if (protocol !== 'http:' && protocol !== 'https:') throw new InvalidInputError(`vote url '${vote.url}' is no http(s) URL`);
  }
}

/** Moves `pointer` to snapshot `id` and records the event; undefined when it names that snapshot already. */
async function movePointer(store: SnapshotStore, state: RepositoryState, pointer: string, id: string, jobs: string[]): Promise<Promotion | undefined> {
  const previous = (await store.pointers()).get(pointer) ?? null;
  if (previous === id) return undefined;
  await store.movePointer(pointer, id);
  const how = jobs.length > 0 ? `passed ${jobs.join(', ')}` : 'by hand';
  await state.events.eventInsert({
    event: 'snapshot-promoted',
    objectId: id,
    message: `${pointer} -> ${id} (${how})`,
    created: Math.floor(Date.now() / 1000),
    data: { pointer, previous, jobs },
  });
  logger.info(`${pointer} moved from ${previous ?? 'nothing'} to ${id} (${how})`);
  return { pointer, snapshot: id, previous, jobs };
}

/** `snapshot-promote`: moves a configured user-defined pointer to a snapshot by hand. */
export async function promoteSnapshot(store: SnapshotStore, state: RepositoryState, settings: SnapshotSettings, id: string, pointer: string): Promise<Promotion | undefined> {
  if (!settings.pointers.includes(pointer)) {
    throw new InvalidInputError(`pointer '${pointer}' is not configured ([snapshots] pointers: ${settings.pointers.join(' ') || 'none'})`);
  }
  if (!store.exists(id)) throw new InvalidInputError(`no snapshot ${id} in ${store.directory}`);
  return movePointer(store, state, pointer, id, []);
}

/** Whether every one of `jobs` voted, and its latest vote passed. */
function allPassed(votes: readonly SnapshotVote[], jobs: readonly string[]): boolean {
  return jobs.every((job) => votes.some((vote) => vote.job === job && vote.passed));
}

/**
 * Moves each pointer with a `promote_<pointer>` rule to the newest snapshot (on disk) newer than the one it names,
 * for which every required job passed. Returns the pointers moved.
 */
export async function promoteByVotes(store: SnapshotStore, state: RepositoryState, settings: SnapshotSettings): Promise<Promotion[]> {
  if (settings.promotions.size === 0) return [];
  const records: SnapshotRecord[] = (await state.snapshots.snapshotList()).filter((record) => store.exists(record.id));
  const votes = await state.snapshots.voteList();
  const pointers = await store.pointers();
  const promotions: Promotion[] = [];
  for (const [pointer, jobs] of settings.promotions) {
    const position = records.findIndex((record) => record.id === pointers.get(pointer));
    const candidate = records
      .slice(position + 1)
      .reverse()
      .find((record) => allPassed(votes.filter((vote) => vote.snapshot === record.id), jobs));
    if (!candidate) continue;
    const promotion = await movePointer(store, state, pointer, candidate.id, jobs);
    if (promotion) promotions.push(promotion);
  }
  return promotions;
}

/** `snapshot-vote`: records the vote of a CI job, then moves the pointers whose required jobs have now all passed. */
export async function voteSnapshot(store: SnapshotStore, state: RepositoryState, settings: SnapshotSettings, vote: SnapshotVote): Promise<Promotion[]> {
  await checkVote(state, vote);
  await state.snapshots.voteRecord(vote);
  return promoteByVotes(store, state, settings);
}
