import Fastify from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isBaseError } from "../../src/core/errors.js";
import type { Database } from "../../src/db/database.js";
import { createJobQueue, type JobQueue, retryDelayMs } from "../../src/jobs/jobQueue.js";
import { registerJobRoutes } from "../../src/jobs/jobRoutes.js";
import { runUntilIdle, startWorker, type WorkerEvent } from "../../src/jobs/jobRunner.js";
import type { JobHandlers } from "../../src/jobs/jobTypes.js";
import { handleError } from "../../src/server/httpErrors.js";
import { postgresAvailable, setupDatabase, type TestDatabase } from "../helpers/database.js";

const pgAvailable = await postgresAvailable();
// PostgreSQL runs on developer machines and in CI: there a missing server fails the suite, not skips it.
const engines = (["pglite", "postgres"] as const).filter(
  (e) => e === "pglite" || pgAvailable || process.env.CI,
);

/** Expects `promise` to reject with a GridLedger error of `code`. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isBaseError(error, code)) throw new Error(`expected ${code}, got ${String(error)}`);
}

/** A promise and the function that resolves it. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const now = () => Math.floor(Date.now() / 1000);

async function runsOf(db: Database, jobId: string) {
  const { rows } = await db.query<{ worker: string; outcome: string | null; error: string | null }>(
    "select worker, outcome, error from job_runs where job_id = $1 order by id",
    [jobId],
  );
  return rows;
}

/** Makes every queued job due now (what waiting out its backoff would do). */
async function makeDue(db: Database): Promise<void> {
  await db.query("update jobs set run_after = now() where status = 'queued'");
}

/** Lets the lease of every running job expire (what a crashed or stalled worker leaves). */
async function expireLeases(db: Database): Promise<void> {
  await db.query("update jobs set locked_until = now() - interval '1 second' where status = 'running'");
}

describe("retryDelayMs", () => {
  it("doubles from the base with each attempt and stops at the cap", () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 1_000, 10_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000,
    ]);
    expect(retryDelayMs(500, 1_000, 600_000)).toBe(600_000);
  });
});

describe.each(engines)("the job queue on %s", (engine) => {
  let t: TestDatabase;
  let db: Database;
  let queue: JobQueue;
  beforeEach(async () => {
    t = await setupDatabase(engine);
    db = t.db;
    queue = createJobQueue(db, { backoffBaseMs: 60_000, backoffMaxMs: 600_000 });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("claims the job due first (then the oldest id), and none that is not due yet", async () => {
    const b = await queue.enqueue("k", { n: "b" });
    const a = await queue.enqueue("k", { n: "a" }, { runAfter: now() - 100 });
    const c = await queue.enqueue("k", { n: "c" }, { runAfter: now() - 200 });
    const b2 = await queue.enqueue("k", { n: "b2" });
    await queue.enqueue("k", { n: "later" }, { runAfter: now() + 3600 });
    const claimed = [];
    for (;;) {
      const job = await queue.claim("w1");
      if (job === null) break;
      claimed.push(job);
    }
    expect(claimed.map((j) => j.id)).toEqual([c, a, b, b2]);
    expect(claimed[0]).toMatchObject({ kind: "k", params: { n: "c" }, status: "running", attempts: 1 });
    expect(claimed[0]!.lockedBy).toBe("w1");
    expect(await queue.counts()).toEqual({ queued: 1, running: 4, done: 0, failed: 0 });
  });

  it("claims only the kinds a worker has handlers for", async () => {
    await queue.enqueue("other", {});
    const mine = await queue.enqueue("mine", {});
    expect((await queue.claim("w1", undefined, { kinds: ["mine"] }))?.id).toBe(mine);
    expect(await queue.claim("w1", undefined, { kinds: ["mine"] })).toBeNull();
    expect(await queue.claim("w1", undefined, { kinds: [] })).toBeNull();
  });

  it("enqueues a dedupe key once while its job is queued or running, and again once it is done", async () => {
    const first = await queue.enqueue("detect", { h: 1 }, { dedupeKey: "detect:r:1" });
    expect(first).not.toBeNull();
    expect(await queue.enqueue("detect", { h: 1 }, { dedupeKey: "detect:r:1" })).toBeNull();
    const job = await queue.claim("w1");
    expect(job?.id).toBe(first);
    expect(await queue.enqueue("detect", { h: 1 }, { dedupeKey: "detect:r:1" })).toBeNull();
    await queue.complete(first!, "w1", { ok: true });
    const again = await queue.enqueue("detect", { h: 1 }, { dedupeKey: "detect:r:1" });
    expect(again).not.toBeNull();
    expect(again).not.toBe(first);
    // Jobs without a key are never deduplicated.
    expect(await queue.enqueue("detect", { h: 1 })).not.toBeNull();
    expect(await queue.enqueue("detect", { h: 1 })).not.toBeNull();
  });

  it("retries a failed job with exponential backoff, then fails it for good after its last attempt", async () => {
    const id = (await queue.enqueue("flaky", { x: 1 }, { maxAttempts: 3 }))!;
    const outcomes = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const job = await queue.claim("w1");
      expect(job?.id).toBe(id);
      expect(job?.attempts).toBe(attempt);
      outcomes.push(await queue.fail(id, "w1", new Error(`boom ${attempt}`)));
      if (attempt < 3) {
        // Backing off: not claimable until its run_after.
        const waiting = await queue.get(id);
        expect(waiting).toMatchObject({ status: "queued", lockedBy: null, lastError: `boom ${attempt}` });
        expect(waiting!.runAfter.getTime()).toBeGreaterThan(Date.now() + 30_000);
        expect(await queue.claim("w1")).toBeNull();
        await makeDue(db);
      }
    }
    expect(outcomes).toEqual([
      { status: "queued", attempts: 1, retryInMs: 60_000 },
      { status: "queued", attempts: 2, retryInMs: 120_000 },
      { status: "failed", attempts: 3 },
    ]);
    const job = await queue.get(id);
    expect(job).toMatchObject({ status: "failed", attempts: 3, lastError: "boom 3" });
    expect(job!.finishedAt).not.toBeNull();
    expect(await queue.claim("w1")).toBeNull();
    expect((await runsOf(db, id)).map((r) => [r.outcome, r.error])).toEqual([
      ["failed", "boom 1"],
      ["failed", "boom 2"],
      ["failed", "boom 3"],
    ]);
  });

  it("puts a job whose worker's lease expired back in the queue, the attempt marked abandoned", async () => {
    const id = (await queue.enqueue("slow", {}))!;
    await queue.claim("w1", 60_000);
    expect(await queue.reclaimExpired()).toEqual([]);
    await expireLeases(db);
    expect(await queue.reclaimExpired()).toEqual([id]);
    const job = await queue.get(id);
    expect(job).toMatchObject({ status: "queued", lockedBy: null, attempts: 1 });
    expect(job!.lastError).toContain("w1");
    const retaken = await queue.claim("w2");
    expect(retaken).toMatchObject({ id, lockedBy: "w2", attempts: 2 });
    expect((await runsOf(db, id)).map((r) => [r.worker, r.outcome])).toEqual([
      ["w1", "abandoned"],
      ["w2", null],
    ]);
  });

  it("fails a job whose lease expired on its last attempt instead of queueing it again", async () => {
    const id = (await queue.enqueue("crashes", {}, { maxAttempts: 1 }))!;
    await queue.claim("w1");
    await expireLeases(db);
    expect(await queue.reclaimExpired()).toEqual([id]);
    expect(await queue.get(id)).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("refuses a stale worker's outcome for a job another worker took over", async () => {
    const id = (await queue.enqueue("slow", {}))!;
    await queue.claim("w1");
    await expireLeases(db);
    await queue.reclaimExpired();
    await queue.claim("w2");
    await rejectsWith(queue.complete(id, "w1", { by: "w1" }), "JOB_LEASE_LOST");
    await rejectsWith(queue.fail(id, "w1", new Error("late")), "JOB_LEASE_LOST");
    await rejectsWith(queue.progress(id, "w1", 0.9, "late"), "JOB_LEASE_LOST");
    await rejectsWith(queue.extend(id, "w1"), "JOB_LEASE_LOST");
    expect(await queue.get(id)).toMatchObject({ status: "running", lockedBy: "w2", progress: 0 });
    await queue.complete(id, "w2", { by: "w2" });
    expect(await queue.get(id)).toMatchObject({ status: "done", result: { by: "w2" }, lockedBy: "w2" });
    expect((await runsOf(db, id)).map((r) => [r.worker, r.outcome])).toEqual([
      ["w1", "abandoned"],
      ["w2", "done"],
    ]);
    // Finished jobs cannot be completed again, by anyone.
    await rejectsWith(queue.complete(id, "w2", {}), "JOB_LEASE_LOST");
    await rejectsWith(queue.complete("999999", "w2", {}), "JOB_NOT_FOUND");
  });

  it("records progress and renews the lease with it", async () => {
    const id = (await queue.enqueue("long", {}))!;
    const claimed = (await queue.claim("w1", 1_000))!;
    await queue.progress(id, "w1", 0.5, "half way", 600_000);
    const job = (await queue.get(id))!;
    expect(job).toMatchObject({ progress: 0.5, progressMessage: "half way" });
    expect(job.lockedUntil!.getTime()).toBeGreaterThan(claimed.lockedUntil!.getTime() + 500_000);
    await rejectsWith(queue.progress(id, "w1", 1.5), "JOB_PROGRESS_INVALID");
    await rejectsWith(queue.progress(id, "w1", Number.NaN), "JOB_PROGRESS_INVALID");
  });

  it("lists jobs newest first by status and kind, and counts them", async () => {
    const a = (await queue.enqueue("detect", { a: 1 }))!;
    const b = (await queue.enqueue("rollup-rebuild", { b: 1 }))!;
    const c = (await queue.enqueue("detect", { c: 1 }))!;
    await queue.claim("w1");
    await queue.complete(a, "w1", null);
    expect((await queue.list()).map((j) => j.id)).toEqual([c, b, a]);
    expect((await queue.list({ kind: "detect" })).map((j) => j.id)).toEqual([c, a]);
    expect((await queue.list({ status: "done" })).map((j) => j.id)).toEqual([a]);
    expect((await queue.list({ limit: 1 })).map((j) => j.id)).toEqual([c]);
    expect(await queue.counts()).toEqual({ queued: 2, running: 0, done: 1, failed: 0 });
    await rejectsWith(queue.list({ status: "paused" as "done" }), "JOB_STATUS_INVALID");
  });

  it("serves the queue at GET /v1/jobs with counts, filters and Unix-second times", async () => {
    const a = (await queue.enqueue("detect", { regionId: "0xab", hourStart: 3600 }))!;
    await queue.enqueue("rollup-rebuild", { regionId: "0xab", from: 0, to: 86400 });
    await queue.claim("w1");
    await queue.progress(a, "w1", 0.25, "a quarter");
    const app = Fastify();
    app.setErrorHandler(handleError);
    registerJobRoutes(app, { db });
    try {
      const all = await app.inject({ method: "GET", url: "/v1/jobs" });
      expect(all.statusCode).toBe(200);
      const body = all.json();
      expect(body.counts).toEqual({ queued: 1, running: 1, done: 0, failed: 0 });
      expect(body.jobs.map((j: { kind: string }) => j.kind)).toEqual(["rollup-rebuild", "detect"]);
      expect(body.jobs[1]).toMatchObject({
        id: a,
        kind: "detect",
        params: { regionId: "0xab", hourStart: 3600 },
        status: "running",
        attempts: 1,
        progress: 0.25,
        progressMessage: "a quarter",
        lockedBy: "w1",
        lastError: null,
        finishedAt: null,
      });
      expect(Math.abs(body.jobs[1].createdAt - now())).toBeLessThan(3600);
      const running = await app.inject({ method: "GET", url: "/v1/jobs?status=running&limit=5" });
      expect(running.json().jobs.map((j: { id: string }) => j.id)).toEqual([a]);
      const kind = await app.inject({ method: "GET", url: "/v1/jobs?kind=rollup-rebuild" });
      expect(kind.json().jobs).toHaveLength(1);
      const bad = await app.inject({ method: "GET", url: "/v1/jobs?status=paused" });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe("REQUEST_INVALID");
    } finally {
      await app.close();
    }
  });

  it("runs every ready job once with runUntilIdle, recording results, progress and failures", async () => {
    const handlers: JobHandlers = {
      async square(ctx, params: { n: number }) {
        await ctx.report(0.5, `squaring ${params.n}`);
        const { rows } = await ctx.db.query<{ progress: number; progress_message: string }>(
          "select progress, progress_message from jobs where locked_by = $1 and status = 'running'",
          [ctx.workerId],
        );
        return { square: params.n * params.n, seen: rows[0] };
      },
      async broken() {
        throw new Error("broken on purpose");
      },
    };
    const ids = [];
    for (const n of [2, 3, 4]) ids.push((await queue.enqueue("square", { n }))!);
    const broken = (await queue.enqueue("broken", {}, { maxAttempts: 2 }))!;
    const summary = await runUntilIdle({
      db,
      handlers,
      workerId: "solo",
      queueOptions: { backoffBaseMs: 60_000 },
    });
    expect(summary).toEqual({ done: 3, retried: 1, failed: 0, lost: 0 });
    const jobs = await Promise.all(ids.map((id) => queue.get(id)));
    expect(jobs.map((j) => j?.result)).toEqual(
      [2, 3, 4].map((n) => ({ square: n * n, seen: { progress: 0.5, progress_message: `squaring ${n}` } })),
    );
    expect(jobs.every((j) => j?.status === "done" && j.progress === 1)).toBe(true);
    expect(await queue.get(broken)).toMatchObject({ status: "queued", attempts: 1 });
    await makeDue(db);
    expect(await runUntilIdle({ db, handlers, workerId: "solo" })).toEqual({
      done: 0,
      retried: 0,
      failed: 1,
      lost: 0,
    });
    expect(await queue.get(broken)).toMatchObject({ status: "failed", lastError: "broken on purpose" });
  });

  it("finishes the job in hand when closed", async () => {
    const started = gate();
    const proceed = gate();
    let handlerDone = false;
    const handlers: JobHandlers = {
      async hold() {
        started.open();
        await proceed.promise;
        handlerDone = true;
        return "finished";
      },
    };
    const id = (await queue.enqueue("hold", {}))!;
    const events: WorkerEvent["type"][] = [];
    const worker = startWorker({
      db,
      handlers,
      workerId: "w1",
      pollMs: 20,
      onEvent: (e) => events.push(e.type),
    });
    await started.promise;
    const closing = worker.close();
    proceed.open();
    await closing;
    expect(handlerDone).toBe(true);
    expect(await queue.get(id)).toMatchObject({ status: "done", result: "finished" });
    expect(events).toEqual(["start", "done"]);
  });

  it("gives the job in hand back to the queue when closed with abandon, aborting its handler", async () => {
    const started = gate<AbortSignal>();
    const handlers: JobHandlers = {
      async hold(ctx) {
        started.open(ctx.signal);
        await new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
        );
      },
    };
    const id = (await queue.enqueue("hold", {}))!;
    const worker = startWorker({ db, handlers, workerId: "w1", pollMs: 20 });
    const signal = await started.promise;
    await worker.close({ abandon: true });
    expect(signal.aborted).toBe(true);
    expect(await queue.get(id)).toMatchObject({ status: "queued", attempts: 0, lockedBy: null });
    expect((await runsOf(db, id)).map((r) => r.outcome)).toEqual(["abandoned"]);
  });
});
