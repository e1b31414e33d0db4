import { BaseError, isBaseError } from "../core/errors.js";
import type { Database, Queryable } from "../db/database.js";
import { errorMessage } from "../db/sql.js";

/** Where a job is in its life: waiting (or waiting to retry), held by a worker, finished, given up. */
export type JobStatus = "queued" | "running" | "done" | "failed";

/** The job statuses, in the order `counts()` and the API list them. */
export const jobStatuses: readonly JobStatus[] = ["queued", "running", "done", "failed"];

/** One row of `jobs`. Ids are decimal strings (bigserial); times are the database's timestamps. */
export type Job = {
  id: string;
  kind: string;
  params: unknown;
  dedupeKey: string | null;
  status: JobStatus;
  /** Attempts started so far (a claim counts one). */
  attempts: number;
  maxAttempts: number;
  runAfter: Date;
  lockedBy: string | null;
  lockedUntil: Date | null;
  progress: number;
  progressMessage: string | null;
  result: unknown;
  lastError: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

/** How a job is enqueued. */
export type EnqueueOptions = {
  /** While a job with this key is queued or running, enqueueing another one with it does nothing. */
  dedupeKey?: string | undefined;
  /** Not claimed before this time (Unix seconds); default now. */
  runAfter?: number | undefined;
  /** Attempts before the job is given up as failed; default 5. */
  maxAttempts?: number | undefined;
};

/** Retry and lease settings of a queue. */
export type JobQueueOptions = {
  /** Delay before the first retry; each further retry waits twice as long. Default 5 s. */
  backoffBaseMs?: number;
  /** Longest delay between retries. Default 10 min. */
  backoffMaxMs?: number;
  /** Lease taken by `claim` and renewed by `progress`/`extend` when none is given. Default 60 s. */
  leaseMs?: number;
};

/** What became of a failed attempt: queued again after `retryInMs`, or given up. */
export type FailOutcome =
  | { status: "queued"; attempts: number; retryInMs: number }
  | { status: "failed"; attempts: number };

/** Number of jobs in each status. */
export type JobCounts = Record<JobStatus, number>;

/** Filters of {@link JobQueue.list}. */
export type JobFilter = {
  status?: JobStatus | undefined;
  kind?: string | undefined;
  limit?: number | undefined;
};

/**
 * The analysis job queue in the database, shared by the node and `gridledger worker` processes.
 *
 * A worker claims the oldest ready job with `FOR UPDATE SKIP LOCKED` (so concurrent workers never
 * claim the same one) and holds it under a lease (`locked_by`, `locked_until`). Completing, failing,
 * reporting progress or releasing a job is refused with JOB_LEASE_LOST unless the caller still
 * holds it, so a worker whose lease expired and was taken over cannot overwrite the new attempt.
 */
export type JobQueue = {
  /** Adds a job; answers its id, or null when a job with the same dedupe key is queued or running. */
  enqueue(kind: string, params: unknown, options?: EnqueueOptions): Promise<string | null>;
  /**
   * Takes the oldest ready job (by `run_after`, then id) for `workerId`, of one of `kinds` when
   * given, and records the attempt in `job_runs`; null when none is ready.
   */
  claim(workerId: string, leaseMs?: number, options?: { kinds?: readonly string[] }): Promise<Job | null>;
  /** Marks a held job done with its result (JSON; bigints become decimal strings). */
  complete(id: string, workerId: string, result: unknown): Promise<void>;
  /**
   * Records a failed attempt: queued again with exponential backoff (base · 2^(attempts−1), capped)
   * while attempts remain, else `failed` with the error as `last_error`.
   */
  fail(id: string, workerId: string, error: unknown): Promise<FailOutcome>;
  /** Records progress (0..1) and a message, and renews the lease. */
  progress(id: string, workerId: string, fraction: number, message?: string, leaseMs?: number): Promise<void>;
  /** Renews the lease of a held job (the worker's heartbeat). */
  extend(id: string, workerId: string, leaseMs?: number): Promise<void>;
  /** Gives a held job back unrun (a stopping worker): queued at once, the attempt not counted. */
  release(id: string, workerId: string): Promise<void>;
  /**
   * Puts running jobs whose lease has expired back in the queue (or `failed` when they used their
   * last attempt), their attempts marked `abandoned`. Answers the ids.
   */
  reclaimExpired(): Promise<string[]>;
  get(id: string): Promise<Job | null>;
  /** Jobs, newest first (default 100, at most 1000). */
  list(filter?: JobFilter): Promise<Job[]>;
  counts(): Promise<JobCounts>;
};

const defaults = { backoffBaseMs: 5_000, backoffMaxMs: 600_000, leaseMs: 60_000, maxAttempts: 5 };
const maxErrorLength = 2_000;

/** The delay before retrying after the `attempts`-th attempt failed: base · 2^(attempts−1), at most `maxMs`. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40), maxMs);
}

/** Creates the queue over `db` (see {@link JobQueue}). */
export function createJobQueue(db: Database, options: JobQueueOptions = {}): JobQueue {
  const backoffBaseMs = positive(options.backoffBaseMs ?? defaults.backoffBaseMs, "backoffBaseMs");
  const backoffMaxMs = positive(options.backoffMaxMs ?? defaults.backoffMaxMs, "backoffMaxMs");
  const defaultLeaseMs = positive(options.leaseMs ?? defaults.leaseMs, "leaseMs");
  const leaseOf = (leaseMs: number | undefined) => positive(leaseMs ?? defaultLeaseMs, "leaseMs");

  return {
    enqueue: (kind, params, enqueueOptions) => enqueueJob(db, kind, params, enqueueOptions),

    async claim(workerId, leaseMs, claimOptions = {}) {
      checkWorker(workerId);
      const { rows } = await db.query<Row>(
        `with next as (
           select id from jobs
            where status = 'queued' and run_after <= now() and ($3::text[] is null or kind = any($3::text[]))
            order by run_after, id
            limit 1
            for update skip locked
         ), claimed as (
           update jobs j
              set status = 'running', attempts = j.attempts + 1, locked_by = $1,
                  locked_until = now() + $2::float8 * interval '1 millisecond', started_at = now(),
                  progress = 0, progress_message = null
             from next where j.id = next.id
           returning j.*
         ), run as (
           insert into job_runs (job_id, worker) select id, $1 from claimed returning id
         )
         select claimed.* from claimed, run`,
        [workerId, leaseOf(leaseMs), claimOptions.kinds === undefined ? null : [...claimOptions.kinds]],
      );
      return rows[0] === undefined ? null : jobOf(rows[0]);
    },

    async complete(id, workerId, result) {
      await db.transaction(async (tx) => {
        await hold(tx, id, workerId, "complete");
        await tx.query(
          `update jobs set status = 'done', progress = 1, result = $2::text::jsonb, locked_until = null,
                  finished_at = now()
            where id = $1`,
          [id, toJson(result ?? null)],
        );
        await endRun(tx, id, workerId, "done", null);
      });
    },

    async fail(id, workerId, error) {
      const text = describeError(error);
      return db.transaction(async (tx) => {
        const job = await hold(tx, id, workerId, "fail");
        await endRun(tx, id, workerId, "failed", text);
        if (job.attempts >= job.maxAttempts) {
          await tx.query(
            `update jobs set status = 'failed', last_error = $2, locked_until = null, finished_at = now()
              where id = $1`,
            [id, text],
          );
          return { status: "failed", attempts: job.attempts };
        }
        const retryInMs = retryDelayMs(job.attempts, backoffBaseMs, backoffMaxMs);
        await tx.query(
          `update jobs set status = 'queued', last_error = $2, locked_by = null, locked_until = null,
                  run_after = now() + $3::float8 * interval '1 millisecond'
            where id = $1`,
          [id, text, retryInMs],
        );
        return { status: "queued", attempts: job.attempts, retryInMs };
      });
    },

    async progress(id, workerId, fraction, message, leaseMs) {
      if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
        throw new BaseError(
          "JOB_PROGRESS_INVALID",
          `job progress must be a number from 0 to 1, got ${fraction}`,
          {
            details: { id, progress: String(fraction) },
          },
        );
      }
      await renew(id, workerId, leaseOf(leaseMs), "progress", ", progress = $4, progress_message = $5", [
        fraction,
        message ?? null,
      ]);
    },

    async extend(id, workerId, leaseMs) {
      await renew(id, workerId, leaseOf(leaseMs), "extend", "", []);
    },

    async release(id, workerId) {
      await db.transaction(async (tx) => {
        await hold(tx, id, workerId, "release");
        await tx.query(
          `update jobs set status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = null,
                  locked_until = null, run_after = now()
            where id = $1`,
          [id],
        );
        await endRun(tx, id, workerId, "abandoned", "released by a stopping worker");
      });
    },

    async reclaimExpired() {
      const { rows } = await db.query<{ id: string }>(
        `with expired as (
           select id from jobs where status = 'running' and locked_until < now() for update skip locked
         ), moved as (
           update jobs j
              set status = case when j.attempts >= j.max_attempts then 'failed' else 'queued' end,
                  last_error = 'the lease of worker ' || coalesce(j.locked_by, '?') || ' expired',
                  finished_at = case when j.attempts >= j.max_attempts then now() end,
                  locked_by = null, locked_until = null, run_after = now()
             from expired where j.id = expired.id
           returning j.id
         ), runs as (
           update job_runs r set finished_at = now(), outcome = 'abandoned', error = 'lease expired'
             from moved where r.job_id = moved.id and r.finished_at is null
           returning r.id
         )
         select id from moved order by id`,
      );
      return rows.map((row) => String(row.id));
    },

    async get(id) {
      const { rows } = await db.query<Row>("select * from jobs where id = $1", [id]);
      return rows[0] === undefined ? null : jobOf(rows[0]);
    },

    async list(filter = {}) {
      if (filter.status !== undefined && !jobStatuses.includes(filter.status)) {
        throw new BaseError(
          "JOB_STATUS_INVALID",
          `job status must be one of ${jobStatuses.join(", ")}, got "${filter.status}"`,
          { details: { status: filter.status } },
        );
      }
      const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 100), 1), 1000);
      const { rows } = await db.query<Row>(
        `select * from jobs
          where ($1::text is null or status = $1) and ($2::text is null or kind = $2)
          order by id desc limit ${limit}`,
        [filter.status ?? null, filter.kind ?? null],
      );
      return rows.map(jobOf);
    },

    async counts() {
      const { rows } = await db.query<{ status: JobStatus; n: string }>(
        "select status, count(*) as n from jobs group by status",
      );
      const counts: JobCounts = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },
  };

  async function renew(
    id: string,
    workerId: string,
    leaseMs: number,
    action: string,
    extraSet: string,
    extraParams: unknown[],
  ): Promise<void> {
    const { rows } = await db.query(
      `update jobs set locked_until = now() + $3::float8 * interval '1 millisecond'${extraSet}
        where id = $1 and locked_by = $2 and status = 'running'
       returning id`,
      [id, workerId, leaseMs, ...extraParams],
    );
    if (rows.length === 0) throw await leaseLost(db, id, workerId, action);
  }
}

/**
 * Adds a job through `q` (the database or an open transaction, so a caller can enqueue atomically
 * with other writes); see {@link JobQueue.enqueue}. Refuses an empty kind with JOB_KIND_INVALID and
 * bad options with JOB_OPTIONS_INVALID.
 */
export async function enqueueJob(
  q: Queryable,
  kind: string,
  params: unknown,
  options: EnqueueOptions = {},
): Promise<string | null> {
  if (typeof kind !== "string" || kind.trim() === "") {
    throw new BaseError("JOB_KIND_INVALID", 'a job needs a kind, e.g. "detect"', { details: { kind } });
  }
  const maxAttempts = options.maxAttempts ?? defaults.maxAttempts;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new BaseError("JOB_OPTIONS_INVALID", `maxAttempts must be a positive integer, got ${maxAttempts}`, {
      details: { maxAttempts },
    });
  }
  if (options.runAfter !== undefined && !Number.isFinite(options.runAfter)) {
    throw new BaseError("JOB_OPTIONS_INVALID", `runAfter must be Unix seconds, got ${options.runAfter}`, {
      details: { runAfter: String(options.runAfter) },
    });
  }
  const { rows } = await q.query<{ id: string }>(
    `insert into jobs (kind, params, dedupe_key, max_attempts, run_after)
     values ($1, $2::text::jsonb, $3, $4, coalesce(to_timestamp($5::float8), now()))
     on conflict (dedupe_key) where status in ('queued', 'running') do nothing
     returning id`,
    [kind, toJson(params ?? {}), options.dedupeKey ?? null, maxAttempts, options.runAfter ?? null],
  );
  return rows[0] === undefined ? null : String(rows[0].id);
}

type Row = Record<string, unknown>;

function jobOf(row: Row): Job {
  return {
    id: String(row.id),
    kind: row.kind as string,
    params: row.params,
    dedupeKey: (row.dedupe_key as string | null) ?? null,
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAfter: row.run_after as Date,
    lockedBy: (row.locked_by as string | null) ?? null,
    lockedUntil: (row.locked_until as Date | null) ?? null,
    progress: Number(row.progress),
    progressMessage: (row.progress_message as string | null) ?? null,
    result: row.result ?? null,
    lastError: (row.last_error as string | null) ?? null,
    createdAt: row.created_at as Date,
    startedAt: (row.started_at as Date | null) ?? null,
    finishedAt: (row.finished_at as Date | null) ?? null,
  };
}

/** Locks the job row and checks that `workerId` holds it; answers its attempts. */
async function hold(
  tx: Queryable,
  id: string,
  workerId: string,
  action: string,
): Promise<{ attempts: number; maxAttempts: number }> {
  const { rows } = await tx.query<{ attempts: number; max_attempts: number }>(
    "select attempts, max_attempts from jobs where id = $1 and locked_by = $2 and status = 'running' for update",
    [id, workerId],
  );
  const row = rows[0];
  if (row === undefined) throw await leaseLost(tx, id, workerId, action);
  return { attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts) };
}

async function endRun(
  tx: Queryable,
  id: string,
  workerId: string,
  outcome: "done" | "failed" | "abandoned",
  error: string | null,
): Promise<void> {
  await tx.query(
    `update job_runs set finished_at = now(), outcome = $3, error = $4
      where job_id = $1 and worker = $2 and finished_at is null`,
    [id, workerId, outcome, error],
  );
}

/** JOB_LEASE_LOST (or JOB_NOT_FOUND), saying who holds the job now. */
async function leaseLost(q: Queryable, id: string, workerId: string, action: string): Promise<BaseError> {
  const { rows } = await q.query<{ status: string; locked_by: string | null }>(
    "select status, locked_by from jobs where id = $1",
    [id],
  );
  const row = rows[0];
  if (row === undefined) {
    return new BaseError("JOB_NOT_FOUND", `job ${id} does not exist`, { details: { id } });
  }
  const state =
    row.status === "running"
      ? `running on worker ${row.locked_by}`
      : `${row.status}${row.locked_by ? ` (by ${row.locked_by})` : ""}`;
  return new BaseError(
    "JOB_LEASE_LOST",
    `worker ${workerId} cannot ${action} job ${id}: it does not hold the job (its lease expired or was taken over); the job is ${state}`,
    { details: { id, workerId, status: row.status, lockedBy: row.locked_by } },
  );
}

function describeError(error: unknown): string {
  const text = isBaseError(error) ? `${error.code}: ${error.message}` : errorMessage(error);
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength)}…` : text;
}

/** JSON text for a jsonb parameter; bigints become decimal strings. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new BaseError(
      "JOB_OPTIONS_INVALID",
      `${name} must be a positive number of milliseconds, got ${value}`,
      {
        details: { [name]: String(value) },
      },
    );
  }
  return value;
}

function checkWorker(workerId: string): void {
  if (typeof workerId !== "string" || workerId === "") {
    throw new BaseError("JOB_WORKER_INVALID", "a worker needs a non-empty id", { details: { workerId } });
  }
}
