import { useCallback, useEffect, useState, type DependencyList } from 'react';
import { isAbort } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  /** True from a change of `deps` (or a reload) until its answer: `data` is still the previous one's. */
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (aborting the previous run) and keeps its result or its error. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // A change of `deps` starts a load: it is marked during the render that sees the change (React's way
  // to adjust state to new props), so the page never shows the last answer as the new one's.
  const key = [...deps, round];
  const [loadingFor, setLoadingFor] = useState(key);
  if (key.length !== loadingFor.length || key.some((d, i) => !Object.is(d, loadingFor[i]))) {
    setLoadingFor(key);
    setState((s) => ({ ...s, loading: true }));
  }
  useEffect(() => {
    const controller = new AbortController();
    // An answer that arrives after its load was replaced is dropped: aborting does not stop a response
    // already read, and a slow earlier load (an unfiltered list) would otherwise overwrite the newer one.
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbort(error)) setState({ error, loading: false });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names what `load` depends on
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** The current time, ticking every `everyMs`: for countdowns. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/**
 * Runs `load` now and again `everyMs` after each answer (never two at once), until `deps` change, the
 * page goes, or `done` says an answer is final: the last answer stays through a failed round, which
 * only sets `error`.
 */
export function usePolled<T>(
  load: (signal: AbortSignal) => Promise<T>,
  everyMs: number,
  deps: DependencyList,
  done?: (data: T) => boolean,
): { data: T | undefined; error: unknown } {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({});
    const round = async () => {
      let final = false;
      try {
        const data = await load(controller.signal);
        if (controller.signal.aborted) return;
        setState({ data });
        final = done?.(data) ?? false;
      } catch (error) {
        if (isAbort(error) || controller.signal.aborted) return;
        setState((s) => ({ data: s.data, error }));
      }
      if (!controller.signal.aborted && !final) timer = setTimeout(() => void round(), everyMs);
    };
    void round();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names what `load` depends on
  }, [...deps, everyMs]);
  return { data: state.data, error: state.error };
}
