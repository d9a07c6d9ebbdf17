/** The content history of a repository: which package files each publish added and removed. */
import { InvalidInputError } from './errors.js';
import { ISO_DATE_EXAMPLE, parseIsoDate } from './iso-date.js';

/** One package file as the repository database listed it. */
export interface HistoryPackage {
  name: string;
  version: string;
  base: string;
  architecture: string;
  /** sha256 of the archive. */
  checksum: string;
}

/** One publish that changed the repository. */
export interface HistoryRun {
  id: number;
  /** Unix time in milliseconds. */
  created: number;
  snapshot: string | null;
}

export interface HistoryRunSummary extends HistoryRun {
  added: number;
  removed: number;
}

/** A time a package file was listed: from the run that added it to the run that removed it (null: still listed). */
export interface HistoryPeriod extends HistoryPackage {
  added: HistoryRun;
  removed: HistoryRun | null;
}

/** What the repository listed after `run` (null: before the first recorded run, when nothing was). */
export interface HistoryContent {
  run: HistoryRun | null;
  packages: HistoryPackage[];
}

export interface HistoryDiff {
  from: HistoryRun | null;
  to: HistoryRun | null;
  /** Files listed at `to` but not at `from`, and the other way round; an upgrade is one of each. */
  added: HistoryPackage[];
  removed: HistoryPackage[];
}

/** A moment in the history, as users name it. */
export type HistoryPoint = { kind: 'date'; time: number } | { kind: 'run'; id: number } | { kind: 'snapshot'; id: string };

const RUN = /^run:(\d+)$/;
const SNAPSHOT = /^snapshot:([A-Za-z0-9._-]+)$/;

/** `run:N`, `snapshot:ID` or an ISO date; `what` names the option in the error. */
export function parseHistoryPoint(what: string, value: string): HistoryPoint {
  const run = RUN.exec(value);
  if (run) return { kind: 'run', id: Number(run[1]) };
  const snapshot = SNAPSHOT.exec(value);
  if (snapshot) return { kind: 'snapshot', id: snapshot[1]! };
  const time = parseIsoDate(value);
  if (time !== undefined) return { kind: 'date', time };
  throw new InvalidInputError(`${what} ${JSON.stringify(value)}: expected ${ISO_DATE_EXAMPLE}, run:N or snapshot:ID`);
}

/** `changes` oldest first, folded into the periods each file was listed. */
export function historyPeriods(changes: ReadonlyArray<HistoryPackage & { change: 'added' | 'removed'; run: HistoryRun }>): HistoryPeriod[] {
  const periods: HistoryPeriod[] = [];
  const open = new Map<string, HistoryPeriod>();
  for (const { change, run, ...item } of changes) {
    if (change === 'added') {
      const period = { ...item, added: run, removed: null };
      periods.push(period);
      open.set(item.name, period);
    } else {
      const period = open.get(item.name);
      if (period) period.removed = run;
      open.delete(item.name);
    }
  }
  return periods;
}
