import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { defaultAnalyticsConfig } from "../../src/analytics/analyticsConfig.js";
import { createJobHandlers } from "../../src/analytics/jobHandlers.js";
import { type Database, openDatabase } from "../../src/db/database.js";
import { createJobQueue } from "../../src/jobs/jobQueue.js";
import { runUntilIdle, startWorker } from "../../src/jobs/jobRunner.js";
import type { JobHandlers } from "../../src/jobs/jobTypes.js";
import { cliPath, runCli } from "../helpers/cli.js";
import { postgresAvailable, setupDatabase, type TestDatabase } from "../helpers/database.js";

const pgAvailable = await postgresAvailable();
// Two workers sharing a queue need PostgreSQL (PGlite serves one process). It runs on developer machines
// and in CI, where a missing server fails the suite; elsewhere these tests are skipped, saying why.
const skip = !pgAvailable && !process.env.CI;
if (skip) console.warn("workers.test.ts: skipped, no PostgreSQL at GRIDLEDGER_TEST_PG_URL or 127.0.0.1:5432");

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function database(): Promise<TestDatabase> {
  const t = await setupDatabase("postgres");
  cleanups.push(() => t.cleanup());
  return t;
}

/** Polls `check` until it answers true (a wait for a condition, not a timing assertion). */
async function until(what: string, check: () => Promise<boolean>, describe?: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what}${describe ? `\n${describe()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Per job: how many attempts ended done, and by which workers. */
async function doneRuns(db: Database) {
  const { rows } = await db.query<{ job_id: string; done: string; workers: string[] }>(
    `select j.id as job_id, count(r.id) filter (where r.outcome = 'done') as done,
            array_remove(array_agg(distinct r.worker) filter (where r.outcome = 'done'), null) as workers
       from jobs j left join job_runs r on r.job_id = j.id group by j.id order by j.id`,
  );
  return rows.map((r) => ({ jobId: String(r.job_id), done: Number(r.done), workers: r.workers }));
}

/** Results of the finished jobs keyed by their parameters, so two databases compare whatever the ids. */
async function resultsByParams(db: Database): Promise<Record<string, unknown>> {
  const { rows } = await db.query<{ params: unknown; status: string; result: unknown }>(
    "select params, status, result from jobs order by id",
  );
  return Object.fromEntries(
    rows.map((r) => [JSON.stringify(r.params), { status: r.status, result: r.result }]),
  );
}

// The in-process pair: a test kind whose handler records what it did in a table of its own.
const effectsTable = `create table if not exists test_effects (
  n integer not null, worker text not null, digest text not null)`;

function digestOf(n: number): string {
  let digest = String(n);
  for (let i = 0; i < 200; i += 1) digest = createHash("sha256").update(digest).digest("hex");
  return digest;
}

function recordHandlers(beforeWork?: (workerId: string) => Promise<void>): JobHandlers {
  return {
    async "test-record"(ctx, params: { n: number }) {
      await beforeWork?.(ctx.workerId);
      const digest = digestOf(params.n);
      await ctx.report(0.5, "digest computed");
      await ctx.db.query("insert into test_effects (n, worker, digest) values ($1, $2, $3)", [
        params.n,
        ctx.workerId,
        digest,
      ]);
      return { n: params.n, digest };
    },
  };
}

async function enqueueRecordJobs(db: Database, count: number): Promise<void> {
  await db.query(effectsTable);
  const queue = createJobQueue(db);
  for (let n = 1; n <= count; n += 1) await queue.enqueue("test-record", { n });
}

describe.skipIf(skip)("two workers sharing one PostgreSQL queue", () => {
  it("never hand one job to two workers claiming at the same moment", async () => {
    const shared = await database();
    const queue = createJobQueue(shared.db);
    const first = (await queue.enqueue("k", { n: 1 }))!;
    const second = (await queue.enqueue("k", { n: 2 }))!;
    const dbA = await openDatabase({ url: shared.url });
    const dbB = await openDatabase({ url: shared.url });
    cleanups.push(
      () => dbA.close(),
      () => dbB.close(),
    );
    // Another transaction holds the first job's row: a claim must skip it, not wait for it and
    // then take it along with the other claimant.
    const blocker = new pg.Client({ connectionString: shared.url });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query("begin");
    await blocker.query("select id from jobs where id = $1 for update", [first]);
    let settled = 0;
    const claims = [createJobQueue(dbA).claim("A"), createJobQueue(dbB).claim("B")].map((p) =>
      p.finally(() => {
        settled += 1;
      }),
    );
    await until("both claims to answer or wait on the held row", async () => {
      if (settled === 2) return true;
      const { rows } = await shared.db.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      return Number(rows[0]?.n) === 2;
    });
    await blocker.query("commit");
    const claimed = (await Promise.all(claims)).map((job) => job?.id ?? null);
    expect(claimed.filter((id) => id !== null).sort()).toEqual([second]);
    expect((await queue.get(first))?.status).toBe("queued");
    expect((await createJobQueue(dbA).claim("A"))?.id).toBe(first);
  });

  it("run every job exactly once between them, with the results of a single worker", async () => {
    const jobs = 40;
    const shared = await database();
    await enqueueRecordJobs(shared.db, jobs);
    // Each worker on its own pool of connections, as two processes would be.
    const dbA = await openDatabase({ url: shared.url });
    const dbB = await openDatabase({ url: shared.url });
    cleanups.push(
      () => dbA.close(),
      () => dbB.close(),
    );
    // Neither worker starts its first job's work until both hold a job: both take part, whatever the pace.
    const started = new Set<string>();
    let bothStarted!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothStarted = resolve;
    });
    const handlers = recordHandlers(async (workerId) => {
      started.add(workerId);
      if (started.size >= 2) bothStarted();
      await barrier;
    });
    const errors: unknown[] = [];
    const workers = [
      startWorker({ db: dbA, handlers, workerId: "A", pollMs: 20 }),
      startWorker({
        db: dbB,
        handlers,
        workerId: "B",
        pollMs: 20,
        onError: (e) => errors.push(e),
      }),
    ];
    cleanups.push(() => Promise.all(workers.map((w) => w.close({ abandon: true }))));
    const queue = createJobQueue(shared.db);
    await until("every job to be done", async () => (await queue.counts()).done === jobs);
    await Promise.all(workers.map((w) => w.close()));
    expect(errors).toEqual([]);

    const runs = await doneRuns(shared.db);
    expect(runs).toHaveLength(jobs);
    expect(runs.every((r) => r.done === 1)).toBe(true);
    const byWorker = (w: string) => runs.filter((r) => r.workers.includes(w)).length;
    expect(byWorker("A")).toBeGreaterThan(0);
    expect(byWorker("B")).toBeGreaterThan(0);
    expect(byWorker("A") + byWorker("B")).toBe(jobs);
    const { rows: effects } = await shared.db.query<{ n: number; times: string }>(
      "select n, count(*) as times from test_effects group by n order by n",
    );
    expect(effects.map((e) => [e.n, Number(e.times)])).toEqual(
      Array.from({ length: jobs }, (_, i) => [i + 1, 1]),
    );

    const single = await database();
    await enqueueRecordJobs(single.db, jobs);
    const summary = await runUntilIdle({
      db: single.db,
      handlers: recordHandlers(),
      workerId: "solo",
    });
    expect(summary).toEqual({ done: jobs, retried: 0, failed: 0, lost: 0 });
    expect(await resultsByParams(shared.db)).toEqual(await resultsByParams(single.db));
    const digests = (db: Database) =>
      db.query("select n, digest from test_effects order by n").then((r) => r.rows);
    expect(await digests(shared.db)).toEqual(await digests(single.db));
  });
});

// ---- Two `gridledger worker` processes running the node's own "rollup-rebuild" jobs ----

const day = 86_400;
const interval = 900;
const hex64 = (prefix: string, i: number) =>
  `0x${createHash("sha256").update(`${prefix}${i}`).digest("hex")}`;

/** Regions, devices and raw readings (no rollups: rebuilding makes them), the same in every database. */
async function seedReadings(db: Database, regions: number, days: number, from: number): Promise<bigint> {
  let total = 0n;
  for (let r = 0; r < regions; r += 1) {
    const regionId = hex64("region", r);
    await db.query(
      `insert into regions (region_id, code, name_zh, name_en, operator, interval_seconds, approved_block)
       values ($1, $2, $3, $4, $5, $6, 1)`,
      [regionId, `XX-${r}`, `区域${r}`, `Region ${r}`, `0x${"ab".repeat(20)}`, interval],
    );
    const devices = [
      { kind: 1, source: 0 },
      { kind: 2, source: 1 },
      { kind: 3, source: 2 },
    ].map((d, i) => ({ ...d, id: hex64(`device${r}-`, i) }));
    for (const d of devices) {
      await db.query(
        `insert into devices (device_id, scheme, public_key, owner, region_id, kind, source, capacity_w, status)
         values ($1, 1, '0x00', $2, $3, $4, $5, 10000, 1)`,
        [d.id, `0x${"cd".repeat(20)}`, regionId, d.kind, d.source],
      );
      const count = (days * day) / interval;
      const seqs: number[] = [];
      const starts: number[] = [];
      const imports: string[] = [];
      const exports: string[] = [];
      const registers: string[] = [];
      let register = 0n;
      for (let i = 0; i < count; i += 1) {
        const imp = BigInt(((i * 37 + r * 11 + d.kind * 5) % 97) + 1);
        const exp = d.kind === 1 ? 0n : BigInt((i * 13 + r) % 29);
        register += imp;
        total += imp;
        seqs.push(i + 1);
        starts.push(from + i * interval);
        imports.push(imp.toString());
        exports.push(exp.toString());
        registers.push(register.toString());
      }
      await db.query(
        `insert into readings (device_id, seq, region_id, commodity, interval_start, duration, quality,
                               import_register, export_register, import_delta, export_delta, message, signature)
         select $1, s, $2, 1, t, $3, 0, reg, 0, imp, exp, '\\x00'::bytea, '\\x00'::bytea
           from unnest($4::numeric[], $5::bigint[], $6::numeric[], $7::numeric[], $8::numeric[])
             as u(s, t, imp, exp, reg)`,
        [d.id, regionId, interval, seqs, starts, imports, exports, registers],
      );
    }
  }
  return total;
}

/** One `rollup-rebuild` job per region and day. */
async function enqueueRebuilds(db: Database, regions: number, days: number, from: number): Promise<void> {
  const queue = createJobQueue(db);
  for (let r = 0; r < regions; r += 1) {
    for (let d = 0; d < days; d += 1) {
      const start = from + d * day;
      await queue.enqueue("rollup-rebuild", { regionId: hex64("region", r), from: start, to: start + day });
    }
  }
}

/** Every rollup table, ordered, as text: what "identical results" compares. */
async function rollupTables(db: Database): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    rollups: "region_id, commodity, granularity, period_start, kind, source",
    rollup_periods: "region_id, commodity, granularity, period_start",
    rollup_intervals: "region_id, commodity, interval_start",
    rollup_devices: "device_id, commodity, granularity, period_start",
    metered_devices: "device_id, commodity",
  };
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) {
    out[table] = (await db.query(`select * from ${table} order by ${order}`)).rows;
  }
  return out;
}

type WorkerProcess = { child: ChildProcess; lines: () => Record<string, unknown>[]; output: () => string };

/** Starts `gridledger worker --json` and resolves once it printed that it is ready. */
function startWorkerProcess(url: string, id: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [cliPath, "worker", "--json", "--database-url", url, "--id", id], {
    env: { ...process.env, DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const lines = () =>
    stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const worker = { child, lines, output: () => `${stdout}\n${stderr}` };
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (lines().some((l) => l.event === "ready")) resolve(worker);
    });
    child.once("exit", (code) => reject(new Error(`worker ${id} exited with ${code}\n${stdout}\n${stderr}`)));
  });
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  return exited;
}

describe("gridledger worker", () => {
  it("refuses to run without a PostgreSQL database", async () => {
    const result = await runCli(["worker"], { DATABASE_URL: "" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("[WORKER_NEEDS_POSTGRES]");
    expect(result.stderr).toContain("--database-url");
    const json = await runCli(["worker", "--json", "--database-url", "/tmp/somewhere"], { DATABASE_URL: "" });
    expect(JSON.parse(json.stderr.trim()).error.code).toBe("WORKER_NEEDS_POSTGRES");
  });
});

describe.skipIf(skip)("gridledger worker processes", () => {
  it("two processes split the rollup rebuilds without running any twice, with one process's results", async () => {
    const regions = 4;
    const days = 10;
    const from = Math.floor(Date.now() / 1000 / day) * day - (days + 2) * day;
    const jobs = regions * days;
    const shared = await database();
    const summed = await seedReadings(shared.db, regions, days, from);
    await enqueueRebuilds(shared.db, regions, days, from);

    // Hold the rollups table so the first rebuild blocks: both workers then hold a job before any
    // finishes, so both take part whatever their pace.
    const blocker = new pg.Client({ connectionString: shared.url });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query("begin");
    await blocker.query("lock table rollups in exclusive mode");

    const a = await startWorkerProcess(shared.url!, "proc-a");
    const b = await startWorkerProcess(shared.url!, "proc-b");
    const describeAll = () => `${a.output()}\n${b.output()}`;
    await until(
      "both workers to hold a job",
      async () => {
        const { rows } = await shared.db.query<{ n: string }>(
          "select count(distinct locked_by) as n from jobs where status = 'running'",
        );
        return Number(rows[0]?.n) === 2;
      },
      describeAll,
    );
    await blocker.query("commit");
    const queue = createJobQueue(shared.db);
    await until("every job to be done", async () => (await queue.counts()).done === jobs, describeAll);
    expect(await Promise.all([stopProcess(a.child), stopProcess(b.child)])).toEqual([0, 0]);

    const runs = await doneRuns(shared.db);
    expect(runs).toHaveLength(jobs);
    expect(runs.filter((r) => r.done !== 1)).toEqual([]);
    const byWorker = (w: string) => runs.filter((r) => r.workers.includes(w)).length;
    expect(byWorker("proc-a")).toBeGreaterThan(0);
    expect(byWorker("proc-b")).toBeGreaterThan(0);
    expect(byWorker("proc-a") + byWorker("proc-b")).toBe(jobs);
    // Each process printed a start and a done line for each of its jobs.
    const printed = [...a.lines(), ...b.lines()].filter((l) => l.event === "done").map((l) => l.job);
    expect(printed.sort()).toEqual(runs.map((r) => r.jobId).sort());
    for (const line of [...a.lines(), ...b.lines()].filter((l) => l.event === "done")) {
      expect(line).toMatchObject({ kind: "rollup-rebuild", durationMs: expect.any(Number) });
    }

    // The rebuilds did real work: the hourly rollups hold every reading's import.
    const { rows } = await shared.db.query<{ total: string }>(
      "select sum(import_total)::text as total from rollups where granularity = 'hour'",
    );
    expect(BigInt(rows[0]?.total ?? "0")).toBe(summed);

    const single = await database();
    await seedReadings(single.db, regions, days, from);
    await enqueueRebuilds(single.db, regions, days, from);
    const summary = await runUntilIdle({
      db: single.db,
      handlers: createJobHandlers({ db: single.db, config: defaultAnalyticsConfig }),
      workerId: "solo",
    });
    expect(summary).toEqual({ done: jobs, retried: 0, failed: 0, lost: 0 });
    expect(await resultsByParams(shared.db)).toEqual(await resultsByParams(single.db));
    expect(await rollupTables(shared.db)).toEqual(await rollupTables(single.db));
  });
});
