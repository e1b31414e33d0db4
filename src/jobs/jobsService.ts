import type { Database } from "../db/database.js";
import { type AnyJobKind, jobHandlersOf } from "./jobKinds.js";
import { createJobQueue } from "./jobQueue.js";
import { startWorker, type Worker } from "./jobRunner.js";
import { type Schedule, type Scheduler, startScheduler } from "./scheduler.js";

/** The node's jobs: the scheduler of the modules' schedules and the in-process workers. */
export type JobsService = { scheduler: Scheduler; worker: Worker | undefined; close(): Promise<void> };

/**
 * Starts a node's jobs: a scheduler that runs every module's schedule every `intervalMs` (default
 * 30 s) and reclaims expired leases, and `workers` in-process job workers running every module's job
 * kinds (0 leaves the jobs to `gridledger worker` processes on PostgreSQL).
 */
export function startJobs(options: {
  db: Database;
  kinds: readonly AnyJobKind[];
  schedules: readonly Schedule[];
  workers: number;
  workerId: string;
  intervalMs?: number;
  onError: (error: unknown) => void;
}): JobsService {
  const { db } = options;
  const handlers = jobHandlersOf(options.kinds);
  const scheduler = startScheduler({
    queue: createJobQueue(db),
    schedules: options.schedules,
    intervalMs: options.intervalMs ?? 30_000,
    onError: options.onError,
  });
  const worker =
    options.workers > 0
      ? startWorker({
          db,
          handlers,
          workerId: options.workerId,
          concurrency: options.workers,
          onError: options.onError,
        })
      : undefined;
  return {
    scheduler,
    worker,
    async close() {
      await scheduler.close();
      await worker?.close({ abandon: true });
    },
  };
}
