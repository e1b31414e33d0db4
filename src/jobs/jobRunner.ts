import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { BaseError, isBaseError } from "../core/errors.js";
import type { Database } from "../db/database.js";
import {
  createJobQueue,
  type FailOutcome,
  type Job,
  type JobQueue,
  type JobQueueOptions,
} from "./jobQueue.js";
import type { JobContext, JobHandlers } from "./jobTypes.js";

/** What a worker reports about the jobs it runs (`durationMs` is wall time of the attempt). */
export type WorkerEvent =
  | { type: "start"; workerId: string; job: Job }
  | { type: "done"; workerId: string; job: Job; durationMs: number; result: unknown }
  | { type: "retry"; workerId: string; job: Job; durationMs: number; error: unknown; retryInMs: number }
  | { type: "failed"; workerId: string; job: Job; durationMs: number; error: unknown }
  /** The lease expired and another worker took the job over: this attempt's outcome was dropped. */
  | { type: "lost"; workerId: string; job: Job; durationMs: number; error: unknown }
  /** A stopping worker gave the job back to the queue unfinished. */
  | { type: "released"; workerId: string; job: Job; durationMs: number }
  | { type: "reclaimed"; workerId: string; jobIds: string[] };

/** Settings shared by {@link startWorker} and {@link runUntilIdle}. */
export type RunnerOptions = {
  db: Database;
  handlers: JobHandlers;
  /** Recorded in `jobs.locked_by`; must differ between workers. Default `<host>-<pid>-<random>`. */
  workerId?: string | undefined;
  /** Lease of a claimed job, renewed every third of it while the handler runs. Default 60 s. */
  leaseMs?: number | undefined;
  /** Retry backoff of failed attempts (see {@link createJobQueue}). */
  queueOptions?: Omit<JobQueueOptions, "leaseMs"> | undefined;
  onEvent?: ((event: WorkerEvent) => void) | undefined;
  /** Errors of the worker itself (a claim or heartbeat that failed), not of jobs. */
  onError?: ((error: unknown) => void) | undefined;
  /** Current time in Unix seconds handed to handlers; default the system clock. */
  now?: (() => number) | undefined;
};

/** Settings of a long-running worker. */
export type WorkerOptions = RunnerOptions & {
  /** Jobs run at once, each on its own slot (worker id `<id>/<n>` when more than one). Default 1. */
  concurrency?: number | undefined;
  /** Wait between looks at an empty queue. Default 1 s. */
  pollMs?: number | undefined;
  /** Aborting it stops the worker as `close()` does (the jobs in flight are finished). */
  signal?: AbortSignal | undefined;
};

/** A running worker. */
export type Worker = {
  /** The ids its slots claim jobs as. */
  workerIds: readonly string[];
  /**
   * Stops claiming and resolves once every slot stopped: a job in flight is finished (default) or,
   * with `abandon`, its handler is aborted and the job given back to the queue at once.
   */
  close(options?: { abandon?: boolean }): Promise<void>;
  /** Resolves when the worker has stopped. */
  closed: Promise<void>;
};

const defaultLeaseMs = 60_000;
const defaultPollMs = 1_000;

/** A worker id unique to this process: `<host>-<pid>-<4 hex>`. */
export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(2).toString("hex")}`;
}

/**
 * Runs jobs from the queue until closed: each slot claims a ready job of a kind it has a handler
 * for, runs the handler with a {@link JobContext} (its `report` records progress and renews the
 * lease; a heartbeat renews it too), then completes or fails the job. Expired leases of other
 * workers are reclaimed as it goes. Errors of the worker itself go to `onError`; it keeps polling.
 */
export function startWorker(options: WorkerOptions): Worker {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new BaseError(
      "WORKER_OPTIONS_INVALID",
      `concurrency must be a positive integer, got ${concurrency}`,
      {
        details: { concurrency },
      },
    );
  }
  const pollMs = options.pollMs ?? defaultPollMs;
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const baseId = options.workerId ?? defaultWorkerId();
  const workerIds = Array.from({ length: concurrency }, (_, i) =>
    concurrency === 1 ? baseId : `${baseId}/${i + 1}`,
  );
  const queue = createJobQueue(options.db, { ...options.queueOptions, leaseMs });
  const kinds = Object.keys(options.handlers);
  const onError = options.onError ?? (() => {});

  let stopping = false;
  const abandon = new AbortController();
  const wakers = new Set<() => void>();
  let lastReclaim = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });

  const slot = async (workerId: string) => {
    while (!stopping) {
      let job: Job | null;
      try {
        // Reclaiming is cheap (an index on running jobs' lease) but needs doing only about once a lease.
        if (Date.now() - lastReclaim >= Math.min(leaseMs, 30_000)) {
          lastReclaim = Date.now();
          const jobIds = await queue.reclaimExpired();
          if (jobIds.length > 0) options.onEvent?.({ type: "reclaimed", workerId, jobIds });
        }
        job = kinds.length === 0 ? null : await queue.claim(workerId, leaseMs, { kinds });
      } catch (error) {
        if (stopping) break;
        onError(error);
        await sleep(pollMs);
        continue;
      }
      if (job === null) {
        await sleep(pollMs);
        continue;
      }
      await runJob(queue, job, workerId, options, leaseMs, abandon.signal);
    }
  };

  const closed = Promise.all(workerIds.map(slot)).then(() => undefined);
  const close = async (closeOptions: { abandon?: boolean } = {}) => {
    stopping = true;
    if (closeOptions.abandon) abandon.abort();
    for (const wake of [...wakers]) wake();
    await closed;
  };
  if (options.signal?.aborted) void close();
  else options.signal?.addEventListener("abort", () => void close(), { once: true });
  return { workerIds, close, closed };
}

/** What {@link runUntilIdle} did. */
export type IdleRunSummary = { done: number; retried: number; failed: number; lost: number };

/**
 * Runs ready jobs one after another until none is ready (jobs waiting for a retry's backoff are
 * not ready), then resolves: for tests and one-off catch-up runs.
 */
export async function runUntilIdle(options: RunnerOptions): Promise<IdleRunSummary> {
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const workerId = options.workerId ?? defaultWorkerId();
  const queue = createJobQueue(options.db, { ...options.queueOptions, leaseMs });
  const kinds = Object.keys(options.handlers);
  const summary: IdleRunSummary = { done: 0, retried: 0, failed: 0, lost: 0 };
  if (kinds.length === 0) return summary;
  for (;;) {
    const job = await queue.claim(workerId, leaseMs, { kinds });
    if (job === null) return summary;
    const outcome = await runJob(queue, job, workerId, options, leaseMs, undefined);
    if (outcome === "done") summary.done += 1;
    else if (outcome === "retry") summary.retried += 1;
    else if (outcome === "failed") summary.failed += 1;
    else if (outcome === "lost") summary.lost += 1;
  }
}

type Outcome = "done" | "retry" | "failed" | "lost" | "released";

/** One attempt: handler with heartbeat, then complete, fail or release. Never throws. */
async function runJob(
  queue: JobQueue,
  job: Job,
  workerId: string,
  options: RunnerOptions,
  leaseMs: number,
  abandon: AbortSignal | undefined,
): Promise<Outcome> {
  const emit = options.onEvent ?? (() => {});
  const onError = options.onError ?? (() => {});
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  let lost: unknown;
  const loseLease = (error: unknown) => {
    lost ??= error;
    controller.abort(error);
  };
  emit({ type: "start", workerId, job });

  const heartbeat = setInterval(
    () => {
      queue.extend(job.id, workerId, leaseMs).catch((error: unknown) => {
        if (isBaseError(error, "JOB_LEASE_LOST")) loseLease(error);
        else onError(error);
      });
    },
    Math.max(Math.floor(leaseMs / 3), 10),
  );
  heartbeat.unref();

  const context: JobContext = {
    db: options.db,
    workerId,
    signal: controller.signal,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    async report(progress, message) {
      try {
        await queue.progress(job.id, workerId, progress, message, leaseMs);
      } catch (error) {
        if (isBaseError(error, "JOB_LEASE_LOST")) loseLease(error);
        throw error;
      }
    },
  };

  let attempt: { ok: true; result: unknown } | { ok: false; error: unknown } | "abandon";
  let stopWaiting = () => {};
  const abandoned = new Promise<"abandon">((resolve) => {
    if (abandon === undefined) return;
    const onAbort = () => resolve("abandon");
    if (abandon.aborted) onAbort();
    abandon.addEventListener("abort", onAbort, { once: true });
    stopWaiting = () => abandon.removeEventListener("abort", onAbort);
  });
  try {
    const handler = options.handlers[job.kind];
    if (handler === undefined) {
      throw new BaseError("JOB_KIND_UNKNOWN", `this worker has no handler for jobs of kind "${job.kind}"`, {
        details: { kind: job.kind, known: Object.keys(options.handlers) },
      });
    }
    const running = handler(context, job.params).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    attempt = await Promise.race([running, abandoned]);
  } catch (error) {
    attempt = { ok: false, error };
  } finally {
    clearInterval(heartbeat);
    stopWaiting();
  }

  try {
    if (attempt === "abandon") {
      controller.abort(new BaseError("WORKER_STOPPING", "the worker is stopping"));
      await queue.release(job.id, workerId);
      emit({ type: "released", workerId, job, durationMs: elapsed() });
      return "released";
    }
    if (lost !== undefined) throw lost;
    if (attempt.ok) {
      await queue.complete(job.id, workerId, attempt.result);
      emit({ type: "done", workerId, job, durationMs: elapsed(), result: attempt.result });
      return "done";
    }
    const failed: FailOutcome = await queue.fail(job.id, workerId, attempt.error);
    if (failed.status === "queued") {
      emit({
        type: "retry",
        workerId,
        job,
        durationMs: elapsed(),
        error: attempt.error,
        retryInMs: failed.retryInMs,
      });
      return "retry";
    }
    emit({ type: "failed", workerId, job, durationMs: elapsed(), error: attempt.error });
    return "failed";
  } catch (error) {
    if (isBaseError(error, "JOB_LEASE_LOST")) {
      emit({ type: "lost", workerId, job, durationMs: elapsed(), error });
      return "lost";
    }
    onError(error);
    return "lost";
  }
}
