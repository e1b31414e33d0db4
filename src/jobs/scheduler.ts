import { BaseError } from "../core/errors.js";
import type { JobQueue } from "./jobQueue.js";

/**
 * A module's periodic enqueuer: given the current Unix time, enqueues the jobs that are due (with
 * dedupe keys, so a repeated pass enqueues nothing twice) and answers how many it enqueued.
 */
export type Schedule = (now: number) => Promise<number>;

/** Settings of {@link startScheduler}. */
export type SchedulerOptions = {
  /** Used to reclaim expired leases each tick. */
  queue: JobQueue;
  /** The modules' enqueuers, run in order each tick (e.g. analytics' hourly detection). */
  schedules: readonly Schedule[];
  /** Time between ticks (the first runs at once). Default 60 s. */
  intervalMs?: number | undefined;
  /** Current Unix time in seconds; default the system clock. */
  now?: (() => number) | undefined;
  onError?: ((error: unknown) => void) | undefined;
  onTick?: ((summary: TickSummary) => void) | undefined;
};

/** What one tick did. */
export type TickSummary = { enqueued: number; reclaimed: string[] };

/** A running scheduler. */
export type Scheduler = {
  /** Runs one tick now (after the one in progress, if any). */
  tick(): Promise<TickSummary>;
  /** Stops the timer and waits for a tick in progress. */
  close(): Promise<void>;
};

/**
 * Each tick reclaims expired job leases, then runs every schedule; ticks every `intervalMs`, never two
 * at once. `SCHEDULER_OPTIONS_INVALID` for an interval that is not positive.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const intervalMs = options.intervalMs ?? 60_000;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new BaseError(
      "SCHEDULER_OPTIONS_INVALID",
      `the scheduler needs a positive interval, got ${intervalMs} ms`,
      { details: { intervalMs } },
    );
  }
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const tick = (): Promise<TickSummary> => {
    const run = chain.then(async () => {
      const reclaimed = await options.queue.reclaimExpired();
      let enqueued = 0;
      for (const schedule of options.schedules) enqueued += await schedule(now());
      const summary = { enqueued, reclaimed };
      options.onTick?.(summary);
      return summary;
    });
    chain = run.catch(() => undefined);
    return run;
  };
  const loop = () => {
    if (closed) return;
    tick()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (!closed) timer = setTimeout(loop, intervalMs);
      });
  };
  timer = setTimeout(loop, 0);
  return {
    tick,
    async close() {
      closed = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
