import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { HistoryContent, HistoryDiff, HistoryPoint, HistoryRun } from '../../models/history.js';
import type { RepositoryState } from './state.js';

/**
 * Publish step 7's entry in the content history: what the committed database lists, against what the history ends
 * at. Must run inside the state transaction of that step, so the history commits (or not) with the package state.
 */
export function recordHistory(state: RepositoryState, listed: Iterable<RepositoryEntry>, snapshot: string | null = null): Promise<HistoryRun | undefined> {
  const packages = [...listed].map((entry) => ({ name: entry.name, version: entry.version, base: entry.base, architecture: entry.architecture, checksum: entry.sha256 }));
  return state.history.historyRecord(packages, snapshot);
}

/** What the repository listed at a point of its history. */
export async function historyAt(state: RepositoryState, point: HistoryPoint): Promise<HistoryContent> {
  const run = await state.history.historyResolve(point);
  return { run, packages: await state.history.historyContent(run?.id ?? 0) };
}

/** How the repository changed from one point of its history to another (either may be the earlier). */
export async function historyBetween(state: RepositoryState, from: HistoryPoint, to: HistoryPoint): Promise<HistoryDiff> {
  const [start, end] = [await state.history.historyResolve(from), await state.history.historyResolve(to)];
  return { from: start, to: end, ...(await state.history.historyDiff(start?.id ?? 0, end?.id ?? 0)) };
}
