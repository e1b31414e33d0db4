import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api } from "./api.js";

/** The state of one GET: the last answer (kept while refreshing), the last refusal, and a way to reload. */
export type ApiState<T> = {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  updatedAt: Date | undefined;
  reload(): void;
};

/**
 * GETs `path` (nothing when null) and again whenever it changes, every `refreshMs` when given, and on
 * `reload()`. An answer to an older path is dropped.
 */
export function useApi<T>(path: string | null, options: { refreshMs?: number } = {}): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date>();
  const [tick, setTick] = useState(0);
  const current = useRef(path);
  current.current = path;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the reload trigger
  useEffect(() => {
    if (path === null) {
      setData(undefined);
      setError(undefined);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    api<T>(path, { signal: controller.signal })
      .then((answer) => {
        if (current.current !== path) return;
        setData(answer);
        setError(undefined);
        setUpdatedAt(new Date());
      })
      .catch((caught: unknown) => {
        if (controller.signal.aborted) return;
        setError(caught instanceof ApiError ? caught : new ApiError(0, "CLIENT", String(caught)));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [path, tick]);

  // A new path starts from nothing, so figures of another region never show under this one's name.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the path changes
  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [path]);

  useEffect(() => {
    if (!options.refreshMs || path === null) return;
    const timer = setInterval(() => setTick((n) => n + 1), options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs, path]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, updatedAt, reload };
}
