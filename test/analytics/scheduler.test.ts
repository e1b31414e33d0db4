import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectCursorKey, detectionSchedule, scheduleDetection } from "../../src/analytics/detectSchedule.js";
import type { Database } from "../../src/db/database.js";
import { getMeta } from "../../src/db/metaStore.js";
import { createJobQueue } from "../../src/jobs/jobQueue.js";
import { startScheduler } from "../../src/jobs/scheduler.js";
import { postgresAvailable, setupDatabase, type TestDatabase } from "../helpers/database.js";

const pgAvailable = await postgresAvailable();
// PostgreSQL runs on developer machines and in CI: there a missing server fails the suite, not skips it.
const engines = (["pglite", "postgres"] as const).filter(
  (e) => e === "pglite" || pgAvailable || process.env.CI,
);

const H = 3600;
// 2025-03-01T10:00:00Z
const t0 = 1_740_823_200;
const gd = `0x${"1".repeat(64)}`;
const zj = `0x${"2".repeat(64)}`;

async function addRegion(db: Database, regionId: string, code: string): Promise<void> {
  await db.query(
    `insert into regions (region_id, code, name_zh, name_en, operator, interval_seconds, approved_block)
     values ($1, $2, $2, $2, $3, 900, 1)`,
    [regionId, code, `0x${"ab".repeat(20)}`],
  );
}

async function addHourlyRollup(db: Database, regionId: string, periodStart: number): Promise<void> {
  await db.query(
    `insert into rollups (region_id, commodity, granularity, period_start, kind, source, import_total, readings)
     values ($1, 1, 'hour', $2, 1, 0, 100, 4)`,
    [regionId, periodStart],
  );
}

async function detectJobs(db: Database): Promise<[string, number, string][]> {
  const { rows } = await db.query<{ params: { regionId: string; hourStart: number }; dedupe_key: string }>(
    "select params, dedupe_key from jobs where kind = 'detect' order by params->>'regionId', (params->>'hourStart')::bigint",
  );
  return rows.map((r) => [r.params.regionId, r.params.hourStart, r.dedupe_key]);
}

describe.each(engines)("detection scheduling on %s", (engine) => {
  let t: TestDatabase;
  let db: Database;
  beforeEach(async () => {
    t = await setupDatabase(engine);
    db = t.db;
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("waits, while a region's readings still arrive, until its data has moved past an hour", async () => {
    await addRegion(db, gd, "CN-GD");
    await addHourlyRollup(db, gd, t0);
    await db.query(
      `insert into rollup_periods (region_id, commodity, granularity, period_start, active_devices) values ($1, 1, 'hour', $2, 1)`,
      [gd, t0],
    );
    const now = t0 + 5 * H;
    const settle = { settleSeconds: 600, maxHours: 100 };
    // Meters catching up: a reading stored a minute ago, their newest data of hour t0.
    await db.query("insert into region_activity values ($1, to_timestamp($2))", [gd, now - 60]);
    expect(await scheduleDetection(db, { now, ...settle })).toBe(0);
    // Their data reaches hour t0 + 2 h: hours t0 and t0 + 1 h are judged, the later ones wait.
    await db.query(
      `insert into rollup_periods (region_id, commodity, granularity, period_start, active_devices) values ($1, 1, 'hour', $2, 1)`,
      [gd, t0 + 2 * H],
    );
    expect(await scheduleDetection(db, { now, ...settle })).toBe(2);
    // Quiet for a quarter of an hour (a region-wide outage): every settled hour is judged.
    await db.query("update region_activity set last_reading_at = to_timestamp($1)", [now - 1000]);
    expect(await scheduleDetection(db, { now, ...settle })).toBe(2);
    expect((await detectJobs(db)).map(([, hour]) => hour)).toEqual([t0, t0 + H, t0 + 2 * H, t0 + 3 * H]);
  });

  it("enqueues each settled hour of each region once, from its earliest hourly rollup", async () => {
    await addRegion(db, gd, "CN-GD");
    await addRegion(db, zj, "CN-ZJ");
    await addHourlyRollup(db, gd, t0 - 2 * H);
    await addHourlyRollup(db, gd, t0);
    const settle = { settleSeconds: 600, maxHours: 100 };

    // GD from its first rollup hour; ZJ has none and starts at the current hour.
    expect(await scheduleDetection(db, { now: t0 + H + 600, ...settle })).toBe(3);
    expect(await detectJobs(db)).toEqual([
      [gd, t0 - 2 * H, `detect:${gd}:${t0 - 2 * H}`],
      [gd, t0 - H, `detect:${gd}:${t0 - H}`],
      [gd, t0, `detect:${gd}:${t0}`],
    ]);
    expect(await getMeta(db, detectCursorKey)).toEqual({ [gd]: t0 + H, [zj]: t0 + H });

    // Nothing new has settled: nothing enqueued, even though the jobs are still queued.
    expect(await scheduleDetection(db, { now: t0 + H + 700, ...settle })).toBe(0);
    // The next hour settles for both regions.
    expect(await scheduleDetection(db, { now: t0 + 2 * H + 600, ...settle })).toBe(2);
    expect((await detectJobs(db)).map(([region, hour]) => [region, hour])).toEqual([
      [gd, t0 - 2 * H],
      [gd, t0 - H],
      [gd, t0],
      [gd, t0 + H],
      [zj, t0 + H],
    ]);
  });

  it("does not enqueue an hour again after its job ran, and starts a region approved later at its hour", async () => {
    await addRegion(db, gd, "CN-GD");
    const queue = createJobQueue(db);
    expect(await scheduleDetection(db, { now: t0 + 30, settleSeconds: 0, maxHours: 10 })).toBe(0);
    expect(await scheduleDetection(db, { now: t0 + H, settleSeconds: 0, maxHours: 10 })).toBe(1);
    const job = (await queue.claim("w1"))!;
    await queue.complete(job.id, "w1", {});
    await addRegion(db, zj, "CN-ZJ");
    expect(await scheduleDetection(db, { now: t0 + H + 10, settleSeconds: 0, maxHours: 10 })).toBe(0);
    expect(await scheduleDetection(db, { now: t0 + 2 * H, settleSeconds: 0, maxHours: 10 })).toBe(2);
    expect((await detectJobs(db)).map(([region, hour]) => [region, hour])).toEqual([
      [gd, t0],
      [gd, t0 + H],
      [zj, t0 + H],
    ]);
  });

  it("ticks at once when started, and reclaims expired leases on each tick", async () => {
    await addRegion(db, gd, "CN-GD");
    await addHourlyRollup(db, gd, t0);
    const queue = createJobQueue(db);
    const stale = (await queue.enqueue("other", {}))!;
    await queue.claim("gone");
    await db.query("update jobs set locked_until = now() - interval '1 second' where id = $1", [stale]);
    const ticks: { enqueued: number; reclaimed: string[] }[] = [];
    let firstTick!: () => void;
    const ticked = new Promise<void>((resolve) => {
      firstTick = resolve;
    });
    const scheduler = startScheduler({
      queue,
      schedules: [detectionSchedule(db, { settleSeconds: 0 })],
      intervalMs: 3_600_000,
      now: () => t0 + 2 * H,
      onTick: (summary) => {
        ticks.push(summary);
        firstTick();
      },
    });
    await ticked;
    await scheduler.close();
    expect(ticks).toEqual([{ enqueued: 2, reclaimed: [stale] }]);
    expect(await queue.get(stale)).toMatchObject({ status: "queued" });
  });
});
