import type { Database } from "../db/database.js";

/**
 * What a job handler gets besides its parameters: the database and how to report progress. What a
 * kind needs besides (its module's settings) it takes when the module builds its handler.
 */
export type JobContext = {
  db: Database;
  /** The worker (slot) holding the job's lease, as recorded in `jobs.locked_by`. */
  workerId: string;
  /**
   * Records progress (0..1) and an optional message, and extends the lease. Rejects with
   * JOB_LEASE_LOST when another worker has taken the job over; the handler should then stop.
   * Call it outside any `db.transaction` of the handler: on PGlite it would wait for that transaction.
   */
  report(progress: number, message?: string): Promise<void>;
  /** Aborted when the lease is lost or the worker abandons the job while stopping. */
  signal: AbortSignal;
  /** The current time in Unix seconds. */
  now(): number;
};

/**
 * Runs one job of a kind and answers its result (stored as JSON in `jobs.result`). A throw fails the
 * attempt; the queue retries it with backoff. Handlers must be idempotent: an attempt whose worker
 * lost its lease may have done part of the work before another worker runs it again.
 */
// biome-ignore lint/suspicious/noExplicitAny: each kind has its own parameter shape, checked by its handler.
export type JobHandler = (ctx: JobContext, params: any) => Promise<unknown>;

/** Handlers by job kind (`rollup-rebuild`, `detect`, `analysis-refresh`, …): what the runner dispatches on. */
export type JobHandlers = Record<string, JobHandler>;
