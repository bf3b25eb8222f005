/**
 * Data for a page: load it, keep the last good answer while reloading (a live page does not flash
 * empty every few seconds), refresh on a period while the tab is visible, and drop answers that
 * arrive after the page moved on.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Resource<T> {
  readonly data?: T;
  readonly error?: Error;
  readonly loading: boolean;
  /** When the current data arrived (epoch ms). */
  readonly updatedAt?: number;
  reload(): void;
}

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], options: { refreshMs?: number } = {}): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean; updatedAt?: number }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // A change of inputs starts afresh: the previous page's data is not this one's.
  useEffect(() => setState({ loading: true }), deps);

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, loading: false, updatedAt: Date.now() }),
      (error: unknown) => !controller.signal.aborted && setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)), loading: false })),
    );
    return () => controller.abort();
  }, [...deps, tick]);

  const { refreshMs } = options;
  useEffect(() => {
    if (!refreshMs) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
