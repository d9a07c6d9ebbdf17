import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, eventStreamUrl } from './api.js';
import { formatTime } from './format.js';
import { useEventStream } from './hooks.js';
import type { LogRecord, RepositoryId } from './models.js';

interface Run {
  version: string;
  processId: string;
  created: number;
}

interface BuildLogEvent {
  created?: unknown;
  message?: unknown;
  version?: unknown;
  process_id?: unknown;
  data?: { version?: unknown; process_id?: unknown };
}

/** A `build-log` event as a log record: the run's version and process come flat or under `data`. */
function toLogRecord(payload: unknown): LogRecord | undefined {
  const event = (payload ?? {}) as BuildLogEvent;
  const version = event.version ?? event.data?.version;
  const processId = event.process_id ?? event.data?.process_id;
  if (typeof event.message !== 'string' || typeof event.created !== 'number' || typeof version !== 'string' || typeof processId !== 'string') {
    return undefined;
  }
  return { created: event.created, message: event.message, version, process_id: processId };
}

const runKey = (run: { version: string; processId: string }): string => `${run.version}\u0000${run.processId}`;
const newestFirst = (runs: Run[]): Run[] => [...runs].sort((left, right) => right.created - left.created);

/**
 * The build logs of a package base: its runs (per version and process) to pick from, newest first, and the lines of
 * the chosen run, which grow live from the `build-log` event stream. Following the newest run switches to a run that
 * starts while the dialog is open.
 */
export function BuildLogs({ repository, base }: { repository: RepositoryId; base: string }) {
  const [runs, setRuns] = useState<Run[]>([]);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [records, setRecords] = useState<LogRecord[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const [reload, setReload] = useState(0);
  const following = useRef(true);
  // read by the event handler, which may run several times before the next render
  const knownRuns = useRef(new Map<string, Run>());
  const chosenRun = useRef<string | undefined>(undefined);
  /**
   * Adds runs to those known and returns them all, newest first. Runs are never dropped: a list loaded while the event
   * stream connected (or reconnected) may predate a run that an event has shown already.
   */
  const learnRuns = (learned: readonly Run[]): Run[] => {
    for (const item of learned) if (!knownRuns.current.has(runKey(item))) knownRuns.current.set(runKey(item), item);
    const all = newestFirst([...knownRuns.current.values()]);
    setRuns(all);
    return all;
  };
  const choose = (key: string | undefined): void => {
    chosenRun.current = key;
    setChosen(key);
  };
  const view = useRef<HTMLPreElement>(null);
  const stuckToBottom = useRef(true);

  useEffect(() => {
    knownRuns.current = new Map();
  }, [repository, base]);

  // the runs load once the stream is open: a run starting while it connected would otherwise be missed
  const streaming = useEventStream(
    eventStreamUrl(repository, ['build-log'], base),
    ['build-log'],
    (_type, data) => {
      const record = toLogRecord(data);
      if (!record) return;
      const key = runKey({ version: record.version, processId: record.process_id });
      if (!knownRuns.current.has(key)) {
        learnRuns([{ version: record.version, processId: record.process_id, created: record.created }]);
        if (following.current) choose(key);
      }
      if (key === chosenRun.current) setRecords((known) => [...known, record]);
    },
    () => setReload((value) => value + 1),
  );

  useEffect(() => {
    if (!streaming) return;
    api.logRuns(repository, base).then(
      (heads) => {
        const all = learnRuns(heads.map((head) => ({ version: head.version, processId: head.process_id, created: head.created })));
        const current = chosenRun.current;
        choose(current !== undefined && !following.current ? current : all[0] && runKey(all[0]));
      },
      (failure: Error) => setError(failure.message),
    );
  }, [repository, base, reload, streaming]);

  const run = runs.find((item) => runKey(item) === chosen);
  useEffect(() => {
    const ofRun = (record: LogRecord): boolean => runKey({ version: record.version, processId: record.process_id }) === chosen;
    setRecords((live) => live.filter(ofRun));
    if (!run) return;
    let current = true;
    api.logs(repository, base, run.version, run.processId).then(
      // lines streamed while the stored ones were loading follow them
      (loaded) => current && setRecords((live) => [
        ...loaded,
        ...live.filter((record) => ofRun(record) && record.created > (loaded.at(-1)?.created ?? 0)),
      ]),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [repository, base, chosen]);

  useLayoutEffect(() => {
    const element = view.current;
    if (element && stuckToBottom.current) element.scrollTop = element.scrollHeight;
  }, [records]);

  const text = records.map((record) => `[${formatTime(record.created)}] ${record.message}`).join('\n');
  return (
    <div class="build-logs">
      <div class="logs-toolbar">
        <label>
          Run{' '}
          <select
            aria-label="Build run"
            value={chosen}
            onChange={(event) => {
              following.current = event.currentTarget.selectedIndex === 0;
              choose(event.currentTarget.value);
            }}
          >
            {runs.map((item) => (
              <option value={runKey(item)}>{item.version} · {formatTime(item.created)} · {item.processId.slice(0, 8)}</option>
            ))}
          </select>
        </label>
        <button type="button" class="button" disabled={!text} onClick={() => void navigator.clipboard.writeText(text)}>Copy</button>
      </div>
      {error && <p class="notice notice-error" role="alert">{error}</p>}
      {runs.length === 0 && !error
        ? <p class="muted">No build logs yet.</p>
        : (
          <pre
            ref={view}
            class="code log"
            aria-label="Build log"
            data-lines={records.length}
            onScroll={(event) => {
              const element = event.currentTarget;
              stuckToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
            }}
          >{text}</pre>
        )}
    </div>
  );
}
