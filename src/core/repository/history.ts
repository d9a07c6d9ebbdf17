import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { HistoryRun } from '../../models/history.js';
import type { RepositoryState } from './state.js';

/**
 * Publish step 7's entry in the content history: what the committed database lists, against what the history ends
 * at. Must run inside the state transaction of that step, so the history commits (or not) with the package state.
 */
export function recordHistory(state: RepositoryState, listed: Iterable<RepositoryEntry>, snapshot: string | null = null): Promise<HistoryRun | undefined> {
  const packages = [...listed].map((entry) => ({ name: entry.name, version: entry.version, base: entry.base, architecture: entry.architecture, checksum: entry.sha256 }));
  return state.history.historyRecord(packages, snapshot);
}
