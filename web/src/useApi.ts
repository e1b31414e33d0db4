import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, answer } from "./api.js";
import { useSessionEpoch } from "./session.js";

/** The state of one GET: the last answer (kept while refreshing), the last refusal, and a way to reload. */
export type ApiState<T> = {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  updatedAt: Date | undefined;
  reload(): void;
};

/**
 * Reads with `load` (a call of the typed `client`, given the request's abort signal) whenever `key`
 * changes (nothing when null), every `refreshMs` when given, on `reload()`, and after a sign-in, a
 * sign-out or a new stated purpose. `key` names what is read (the path with its query): an answer for
 * an older key is dropped. The answer's type is the one the OpenAPI document gives the call.
 *
 * ```ts
 * const regions = useApi("/v1/regions", (signal) => client.GET("/v1/regions", { signal }));
 * ```
 */
export function useApi<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<{ data?: T; response: Response }>,
  options: { refreshMs?: number } = {},
): ApiState<T> {
  const path = key;
  const loader = useRef(load);
  loader.current = load;
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date>();
  const [tick, setTick] = useState(0);
  const current = useRef(path);
  current.current = path;
  const epoch = useSessionEpoch();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` and `epoch` are reload triggers
  useEffect(() => {
    if (path === null) {
      setData(undefined);
      setError(undefined);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    loader
      .current(controller.signal)
      .then((result) => {
        if (current.current !== path) return;
        setData(answer(result));
        setError(undefined);
        setUpdatedAt(new Date());
      })
      .catch((caught: unknown) => {
        if (controller.signal.aborted) return;
        const error = caught instanceof ApiError ? caught : new ApiError(0, "CLIENT", String(caught));
        // Refused now (the session ended): what was shown before is no longer this viewer's to see.
        if (error.status === 401 || error.status === 403) setData(undefined);
        setError(error);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [path, tick, epoch]);

  // A new path starts from nothing, so figures of another region never show under this one's name;
  // so does a new session, so nothing fetched for the previous account stays after a sign-out.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the path or the session changes
  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [path, epoch]);

  useEffect(() => {
    if (!options.refreshMs || path === null) return;
    const timer = setInterval(() => setTick((n) => n + 1), options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs, path]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, updatedAt, reload };
}
