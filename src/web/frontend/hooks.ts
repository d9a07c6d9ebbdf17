import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/**
 * Loads data with `load` whenever one of `keys` changes (a revision counter among them makes it refetch); answers of
 * a superseded load are dropped, the last data stays visible while the next load runs. Nothing is loaded while
 * `ready` is false (it counts as loading).
 */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[], ready = true): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: true });
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    if (!ready) return undefined;
    load().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: Error) => current && setState((previous) => ({ data: previous.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [...keys, ready]);
  return state;
}

/** State kept in localStorage under `key` (JSON), so table settings and the theme survive a reload. */
export function useStored<T>(key: string, initial: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const stored = localStorage.getItem(key);
      return stored === null ? initial : (JSON.parse(stored) as T);
    } catch {
      return initial;
    }
  });
  const store = useCallback((next: T) => {
    setValue(next);
    localStorage.setItem(key, JSON.stringify(next));
  }, [key]);
  return [value, store];
}

/** How long a view waits for its event stream to open before it loads without it. */
const STREAM_WAIT_MS = 5_000;

/**
 * Subscribes to a server-sent event stream while `url` is set: `onEvent(type, data)` for each of `types`, and
 * `onReconnect()` when the stream comes back after an error (events may have been missed meanwhile). Returns whether
 * the stream has opened (or failed to) since `url` was set: what a view loads from then on misses no event, so it
 * waits for that before loading.
 */
export function useEventStream(
  url: string | undefined,
  types: readonly string[],
  onEvent: (type: string, data: unknown) => void,
  onReconnect: () => void,
): boolean {
  const handlers = useRef({ onEvent, onReconnect });
  handlers.current = { onEvent, onReconnect };
  const [settled, setSettled] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (url === undefined) return;
    const source = new EventSource(url);
    // events may have been sent that this stream did not get while it was broken, or held back past STREAM_WAIT_MS
    let mayHaveMissed = false;
    // a stream that cannot connect, or that a proxy holds back, holds nothing up: its opening later reloads
    const giveUp = (): void => {
      mayHaveMissed = true;
      setSettled(url);
    };
    const waiting = setTimeout(giveUp, STREAM_WAIT_MS);
    source.addEventListener('error', () => {
      clearTimeout(waiting);
      giveUp();
    });
    source.addEventListener('open', () => {
      clearTimeout(waiting);
      if (mayHaveMissed) handlers.current.onReconnect();
      mayHaveMissed = false;
      setSettled(url);
    });
    for (const type of types) {
      source.addEventListener(type, (event) => {
        let data: unknown;
        try {
          data = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          data = undefined;
        }
        handlers.current.onEvent(type, data);
      });
    }
    return () => {
      clearTimeout(waiting);
      source.close();
    };
  }, [url]);
  return url !== undefined && settled === url;
}
