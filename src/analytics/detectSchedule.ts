import { BaseError } from "../core/errors.js";
import type { Database } from "../db/database.js";
import { getMeta, setMeta } from "../db/metaStore.js";
import { enqueueJob } from "../jobs/jobQueue.js";
import type { Schedule } from "../jobs/scheduler.js";

/** `node_meta` key of the scheduler's cursor: per region id, the next hour (Unix seconds) to schedule. */
export const detectCursorKey = "analytics.detectCursor";

const hour = 3600;
/** A region with no reading for this long is quiet: its hours are judged without waiting for data. */
const quietSeconds = 900;
// Serialises schedulers of one database (two nodes on one PostgreSQL): "gridsche".
const schedulerLock = "7453010386813314661";

/** Where the scheduler stands per region id: the start of the next hour to schedule. */
export type DetectCursor = Record<string, number>;

/** The hours of one region to schedule now, and where its cursor moves. */
export type HourPlan = { hours: number[]; next: number };

/** Start of the UTC hour that Unix time `t` lies in. */
export function hourOf(t: number): number {
  return Math.floor(t / hour) * hour;
}

/**
 * The hours (their starts, Unix seconds) to schedule detection for in one region: from the cursor
 * (or, on the first run, the hour of the region's earliest hourly rollup, else the current hour) up
 * to the last hour that ended at least `settleSeconds` before `now` and, when `dataUntil` is given,
 * no later than it (readings are still arriving for the region: an hour is judged once its data has
 * moved past it, so meters catching up after an outage do not raise gaps they are about to fill),
 * at most `maxHours` of them. `next` is the cursor after scheduling them. Pure: the scheduler's
 * bookkeeping, tested on its own.
 */
export function hoursToSchedule(input: {
  cursor: number | undefined;
  earliest: number | undefined;
  now: number;
  settleSeconds: number;
  maxHours: number;
  dataUntil?: number | undefined;
}): HourPlan {
  const start = hourOf(input.cursor ?? input.earliest ?? input.now);
  // An hour h qualifies when h + 1 h + settle ≤ now (and h + 1 h ≤ dataUntil).
  let last = hourOf(input.now - input.settleSeconds) - hour;
  if (input.dataUntil !== undefined) last = Math.min(last, hourOf(input.dataUntil) - hour);
  const hours: number[] = [];
  for (let h = start; h <= last && hours.length < input.maxHours; h += hour) hours.push(h);
  return { hours, next: hours.length === 0 ? start : hours[hours.length - 1]! + hour };
}

/** The dedupe key of the detection job of a region's hour. */
export function detectDedupeKey(regionId: string, hourStart: number): string {
  return `detect:${regionId}:${hourStart}`;
}

/**
 * Analytics' schedule for the jobs scheduler (src/jobs/scheduler.ts): a `detect` job {regionId,
 * hourStart} for every region and every hour that ended at least `settleSeconds` ago (default 600) and
 * was not scheduled yet, at most `maxHoursPerTick` hours per region and tick (default 744).
 */
export function detectionSchedule(
  db: Database,
  options: { settleSeconds?: number | undefined; maxHoursPerTick?: number | undefined } = {},
): Schedule {
  const settleSeconds = options.settleSeconds ?? 600;
  const maxHours = options.maxHoursPerTick ?? 744;
  if (!Number.isFinite(settleSeconds) || settleSeconds < 0) {
    throw new BaseError(
      "SCHEDULER_OPTIONS_INVALID",
      `detection needs a non-negative settle time, got ${settleSeconds} s`,
      { details: { settleSeconds } },
    );
  }
  return (now) => scheduleDetection(db, { now, settleSeconds, maxHours });
}

/**
 * One scheduling pass (see {@link detectionSchedule}): answers how many jobs it enqueued. Exported for
 * tests and one-off runs.
 */
export async function scheduleDetection(
  db: Database,
  options: { now: number; settleSeconds: number; maxHours: number },
): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(${schedulerLock})`);
    const cursor: DetectCursor = { ...((await getMeta<DetectCursor>(tx, detectCursorKey)) ?? {}) };
    const { rows: regions } = await tx.query<{ region_id: string }>(
      "select region_id from regions order by region_id",
    );
    const fresh = regions.map((r) => r.region_id).filter((id) => cursor[id] === undefined);
    // While rollups are being rebuilt (readings stored before they existed), a region's earliest
    // rollup is not known yet: its first cursor waits, so its past hours are judged once they are.
    const { rows: rebuilding } = await tx.query<{ region_id: string }>(
      `select distinct params->>'regionId' as region_id from jobs
        where kind = 'rollup-rebuild' and status in ('queued', 'running')`,
    );
    const waiting = new Set(rebuilding.map((row) => row.region_id));
    const earliest = new Map<string, number>();
    if (fresh.length > 0) {
      const { rows } = await tx.query<{ region_id: string; first: string }>(
        `select region_id, min(period_start) as first from rollups
          where granularity = 'hour' and region_id = any($1::text[]) group by region_id`,
        [fresh],
      );
      for (const row of rows) earliest.set(row.region_id, Number(row.first));
    }
    // Regions whose readings are still arriving (one in the last `quietSeconds`): the start of the
    // latest hour they have data of bounds what is judged.
    const { rows: arriving } = await tx.query<{ region_id: string; latest: string }>(
      `select p.region_id, max(p.period_start)::text as latest
         from region_activity a join rollup_periods p on p.region_id = a.region_id
        where a.last_reading_at > to_timestamp($1::bigint - $2::bigint)
          and p.granularity = 'hour' and p.period_start >= $1::bigint - 172800
        group by p.region_id`,
      [options.now, quietSeconds],
    );
    const dataUntil = new Map(arriving.map((row) => [row.region_id, Number(row.latest)]));
    let enqueued = 0;
    let moved = false;
    for (const { region_id: regionId } of regions) {
      if (cursor[regionId] === undefined && waiting.has(regionId)) continue;
      const plan = hoursToSchedule({
        cursor: cursor[regionId],
        earliest: earliest.get(regionId),
        now: options.now,
        settleSeconds: options.settleSeconds,
        maxHours: options.maxHours,
        dataUntil: dataUntil.get(regionId),
      });
      for (const hourStart of plan.hours) {
        const id = await enqueueJob(
          tx,
          "detect",
          { regionId, hourStart },
          { dedupeKey: detectDedupeKey(regionId, hourStart) },
        );
        if (id !== null) enqueued += 1;
      }
      if (cursor[regionId] !== plan.next) {
        cursor[regionId] = plan.next;
        moved = true;
      }
    }
    if (moved) await setMeta(tx, detectCursorKey, cursor);
    return enqueued;
  });
}
