import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/**
 * Loads data with `load` whenever one of `keys` changes (a revision counter among them makes it refetch); answers of
 * a superseded load are dropped, the last data stays visible while the next load runs.
 */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: true });
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: Error) => current && setState((previous) => ({ data: previous.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, keys);
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

/**
 * Subscribes to a server-sent event stream while `url` is set: `onEvent(type, data)` for each of `types`, and
 * `onReconnect()` when the stream comes back after an error (events may have been missed meanwhile). With
 * `resyncWhenOpened`, also when it first opens: what was loaded while it connected may miss events sent meanwhile.
 */
export function useEventStream(
  url: string | undefined,
  types: readonly string[],
  onEvent: (type: string, data: unknown) => void,
  onReconnect: () => void,
  { resyncWhenOpened = false }: { resyncWhenOpened?: boolean } = {},
): void {
  const handlers = useRef({ onEvent, onReconnect });
  handlers.current = { onEvent, onReconnect };
  useEffect(() => {
    if (url === undefined) return;
    const source = new EventSource(url);
    // events may have been sent that this stream did not get: before it first opened, or while it was broken
    let mayHaveMissed = resyncWhenOpened;
    source.addEventListener('error', () => {
      mayHaveMissed = true;
    });
    source.addEventListener('open', () => {
      if (mayHaveMissed) handlers.current.onReconnect();
      mayHaveMissed = false;
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
    return () => source.close();
  }, [url]);
}
