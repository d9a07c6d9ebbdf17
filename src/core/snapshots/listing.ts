import type { SnapshotView } from '../../models/snapshot.js';
import type { RepositoryState } from '../repository/state.js';
import type { SnapshotStore } from './store.js';

export interface SnapshotListing {
  /** The snapshots on disk, oldest first. */
  snapshots: SnapshotView[];
  /** Each pointer and the snapshot it names. */
  pointers: Record<string, string>;
}

/** What snapshot-list, the API and the HTML report show: the snapshots on disk with their pointers and votes. */
export async function snapshotListing(store: SnapshotStore, state: RepositoryState): Promise<SnapshotListing> {
  const pointers = await store.pointers();
  const votes = await state.snapshots.voteList();
  const records = (await state.snapshots.snapshotList()).filter((record) => store.exists(record.id));
  return {
    snapshots: records.map((record) => ({
      ...record,
      pointers: [...pointers].filter(([, id]) => id === record.id).map(([name]) => name),
      votes: votes.filter((vote) => vote.snapshot === record.id),
    })),
    pointers: Object.fromEntries(pointers),
  };
}
