import type { Database, Queryable } from "../db/database.js";
import type { StoredReading } from "../hooks/gridHooks.js";
import { deviceKinds } from "../registry/deviceTypes.js";

/** What a stored reading adds to the rollups: its region, device kind and source, interval and deltas. */
export type RollupReading = StoredReading;

/** Granularities maintained as readings arrive (months are summed from days). */
export type Granularity = "hour" | "day";

const feeder = deviceKinds.feeder;
/** Ingest holds this lock shared while it adds to the rollups; a rebuild holds it exclusively. */
const rollupLock = 0x67726964_726f6c6cn; // "gridroll"

/** Start of the hour, or of the day at `utcOffsetSeconds`, that Unix time `t` lies in. */
export function periodStart(t: bigint, granularity: Granularity, utcOffsetSeconds: number): bigint {
  if (granularity === "hour") return t - (((t % 3600n) + 3600n) % 3600n);
  const shifted = t + BigInt(utcOffsetSeconds);
  return shifted - (((shifted % 86400n) + 86400n) % 86400n) - BigInt(utcOffsetSeconds);
}

type Sums = { import: bigint; export: bigint; readings: number };

function add<K>(map: Map<string, { key: K; sums: Sums }>, id: string, key: K, r: RollupReading) {
  let entry = map.get(id);
  if (!entry) {
    entry = { key, sums: { import: 0n, export: 0n, readings: 0 } };
    map.set(id, entry);
  }
  entry.sums.import += r.importDelta;
  entry.sums.export += r.exportDelta;
  entry.sums.readings += 1;
}

const granularities: Granularity[] = ["hour", "day"];

/**
 * Adds stored readings to the rollups, inside the transaction that stored them (so the rollups are
 * exact and survive a crash with the readings). An interval counts in the hour and day its start
 * lies in. Four set-based upserts whatever the number of readings.
 */
export async function addToRollups(
  tx: Queryable,
  readings: readonly RollupReading[],
  utcOffsetSeconds: number,
): Promise<void> {
  if (readings.length === 0) return;
  type SourceKey = {
    region: string;
    commodity: number;
    granularity: Granularity;
    period: bigint;
    kind: number;
    source: number;
  };
  type DeviceKey = {
    device: string;
    commodity: number;
    granularity: Granularity;
    period: bigint;
    region: string;
  };
  type IntervalKey = { region: string; commodity: number; start: bigint; duration: number };
  const sources = new Map<string, { key: SourceKey; sums: Sums }>();
  const devices = new Map<string, { key: DeviceKey; sums: Sums }>();
  const intervals = new Map<string, { key: IntervalKey; sums: Sums }>();
  const firsts = new Map<string, RollupReading>();
  for (const r of readings) {
    for (const granularity of granularities) {
      const period = periodStart(r.intervalStart, granularity, utcOffsetSeconds);
      add(
        sources,
        `${r.regionId}|${r.commodity}|${granularity}|${period}|${r.kind}|${r.source}`,
        {
          region: r.regionId,
          commodity: r.commodity,
          granularity,
          period,
          kind: r.kind,
          source: r.source,
        },
        r,
      );
      add(
        devices,
        `${r.deviceId}|${r.commodity}|${granularity}|${period}`,
        {
          device: r.deviceId,
          commodity: r.commodity,
          granularity,
          period,
          region: r.regionId,
        },
        r,
      );
    }
    if (r.kind !== feeder) {
      add(
        intervals,
        `${r.regionId}|${r.commodity}|${r.intervalStart}`,
        {
          region: r.regionId,
          commodity: r.commodity,
          start: r.intervalStart,
          duration: r.duration,
        },
        r,
      );
    }
    const first = firsts.get(`${r.deviceId}|${r.commodity}`);
    if (!first || r.intervalStart < first.intervalStart) firsts.set(`${r.deviceId}|${r.commodity}`, r);
  }
  await tx.query("select pg_advisory_xact_lock_shared($1)", [rollupLock.toString()]);

  const s = [...sources.values()];
  await tx.query(
    `insert into rollups as t (region_id, commodity, granularity, period_start, kind, source, import_total, export_total, readings)
     select * from unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[], $5::smallint[], $6::smallint[],
                          $7::numeric[], $8::numeric[], $9::bigint[])
     on conflict (region_id, commodity, granularity, period_start, kind, source) do update
       set import_total = t.import_total + excluded.import_total,
           export_total = t.export_total + excluded.export_total,
           readings = t.readings + excluded.readings`,
    [
      s.map((e) => e.key.region),
      s.map((e) => e.key.commodity),
      s.map((e) => e.key.granularity),
      s.map((e) => e.key.period.toString()),
      s.map((e) => e.key.kind),
      s.map((e) => e.key.source),
      s.map((e) => e.sums.import.toString()),
      s.map((e) => e.sums.export.toString()),
      s.map((e) => e.sums.readings),
    ],
  );

  // Device rows; a device's first row in a period counts it active there. Nothing comes back to JS:
  // PGlite hands rows over slowly, so the counting happens in the statement.
  const d = [...devices.values()];
  await tx.query(
    `with up as (
       insert into rollup_devices as t (device_id, commodity, granularity, period_start, region_id, import_total, export_total, readings)
       select * from unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[], $5::text[], $6::numeric[], $7::numeric[], $8::bigint[])
       on conflict (device_id, commodity, granularity, period_start) do update
         set import_total = t.import_total + excluded.import_total,
             export_total = t.export_total + excluded.export_total,
             readings = t.readings + excluded.readings
       returning region_id, commodity, granularity, period_start, (xmax = 0) as inserted)
     insert into rollup_periods as p (region_id, commodity, granularity, period_start, active_devices)
     select region_id, commodity, granularity, period_start, count(*) filter (where inserted)
       from up group by region_id, commodity, granularity, period_start
     having count(*) filter (where inserted) > 0
     on conflict (region_id, commodity, granularity, period_start) do update
       set active_devices = p.active_devices + excluded.active_devices`,
    [
      d.map((e) => e.key.device),
      d.map((e) => e.key.commodity),
      d.map((e) => e.key.granularity),
      d.map((e) => e.key.period.toString()),
      d.map((e) => e.key.region),
      d.map((e) => e.sums.import.toString()),
      d.map((e) => e.sums.export.toString()),
      d.map((e) => e.sums.readings),
    ],
  );

  // Interval totals, and each period's peak: interval totals only grow, so the running maximum of
  // the totals is the maximum of the final ones.
  const i = [...intervals.values()];
  if (i.length > 0) {
    await tx.query(
      `with up as (
         insert into rollup_intervals as t (region_id, commodity, interval_start, duration, import_total, export_total, readings)
         select * from unnest($1::text[], $2::smallint[], $3::bigint[], $4::integer[], $5::numeric[], $6::numeric[], $7::bigint[])
         on conflict (region_id, commodity, interval_start) do update
           set import_total = t.import_total + excluded.import_total,
               export_total = t.export_total + excluded.export_total,
               readings = t.readings + excluded.readings
         returning region_id, commodity, interval_start, trunc(import_total * 3600 / duration) as rate),
       candidates as (
         select region_id, commodity, 'hour' as granularity, interval_start - mod(interval_start, 3600) as period_start, rate, interval_start from up
         union all
         select region_id, commodity, 'day', interval_start + $8::bigint - mod(interval_start + $8::bigint, 86400) - $8::bigint, rate, interval_start from up),
       best as (
         select distinct on (region_id, commodity, granularity, period_start) *
           from candidates order by region_id, commodity, granularity, period_start, rate desc, interval_start)
       insert into rollup_periods as p (region_id, commodity, granularity, period_start, peak_rate, peak_interval_start)
       select region_id, commodity, granularity, period_start, rate, interval_start from best
       on conflict (region_id, commodity, granularity, period_start) do update
         set peak_interval_start = case when excluded.peak_rate > p.peak_rate or p.peak_interval_start is null
                                        then excluded.peak_interval_start else p.peak_interval_start end,
             peak_rate = greatest(p.peak_rate, excluded.peak_rate)`,
      [
        i.map((e) => e.key.region),
        i.map((e) => e.key.commodity),
        i.map((e) => e.key.start.toString()),
        i.map((e) => e.key.duration),
        i.map((e) => e.sums.import.toString()),
        i.map((e) => e.sums.export.toString()),
        i.map((e) => e.sums.readings),
        utcOffsetSeconds,
      ],
    );
  }

  await tx.query(
    `insert into region_activity as t (region_id, last_reading_at) select unnest($1::text[]), now()
     on conflict (region_id) do update set last_reading_at = excluded.last_reading_at`,
    [[...new Set(readings.map((r) => r.regionId))]],
  );

  // Only a reading older than the device's first one changes its row (most batches change none).
  const f = [...firsts.values()];
  await tx.query(
    `insert into metered_devices as t (device_id, commodity, region_id, first_interval, duration)
     select * from unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[], $5::integer[])
     on conflict (device_id, commodity) do update
       set first_interval = excluded.first_interval
       where excluded.first_interval < t.first_interval`,
    [
      f.map((r) => r.deviceId),
      f.map((r) => r.commodity),
      f.map((r) => r.regionId),
      f.map((r) => r.intervalStart.toString()),
      f.map((r) => r.duration),
    ],
  );
}

/**
 * Recomputes the rollups of one region over whole days [from, to) (Unix seconds, widened to day
 * boundaries at the UTC offset) from the stored readings, replacing what is there: the catch-up for
 * readings stored before rollups existed or after the UTC offset changed, and the check that the
 * incremental rollups are exact. Holds the rollup lock exclusively, so no ingest adds meanwhile.
 * Answers how many readings it summed.
 */
export async function rebuildRollups(
  db: Database,
  options: { regionId: string; from: bigint; to: bigint; utcOffsetSeconds: number },
): Promise<{ readings: number; from: bigint; to: bigint }> {
  const offset = options.utcOffsetSeconds;
  const from = periodStart(options.from, "day", offset);
  const lastDay = periodStart(options.to - 1n, "day", offset);
  const to = lastDay + 86400n > from ? lastDay + 86400n : from + 86400n;
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [rollupLock.toString()]);
    const range = [options.regionId, from.toString(), to.toString()];
    for (const table of ["rollups", "rollup_devices", "rollup_periods"]) {
      await tx.query(
        `delete from ${table} where region_id = $1 and period_start >= $2 and period_start < $3`,
        range,
      );
    }
    await tx.query(
      "delete from rollup_intervals where region_id = $1 and interval_start >= $2 and interval_start < $3",
      range,
    );
    let readings = 0;
    const pageSize = 20_000;
    let after: { start: string; device: string; seq: string } | undefined;
    for (;;) {
      const { rows } = await tx.query<Record<string, unknown>>(
        `select r.device_id, r.seq::text as seq, r.commodity, r.interval_start::text as interval_start, r.duration,
                r.import_delta::text as import_delta, r.export_delta::text as export_delta, d.kind, d.source
           from readings r join devices d on d.device_id = r.device_id
          where r.region_id = $1 and r.interval_start >= $2 and r.interval_start < $3
            and ($4::bigint is null or (r.interval_start, r.device_id, r.seq) > ($4::bigint, $5::text, $6::numeric))
          order by r.interval_start, r.device_id, r.seq
          limit ${pageSize}`,
        [...range, after?.start ?? null, after?.device ?? null, after?.seq ?? null],
      );
      if (rows.length === 0) break;
      await addToRollups(
        tx,
        rows.map((row) => ({
          deviceId: row.device_id as string,
          regionId: options.regionId,
          commodity: row.commodity as number,
          intervalStart: BigInt(row.interval_start as string),
          duration: row.duration as number,
          importDelta: BigInt(row.import_delta as string),
          exportDelta: BigInt(row.export_delta as string),
          kind: row.kind as number,
          source: row.source as number,
        })),
        offset,
      );
      readings += rows.length;
      const last = rows[rows.length - 1]!;
      after = {
        start: last.interval_start as string,
        device: last.device_id as string,
        seq: last.seq as string,
      };
      if (rows.length < pageSize) break;
    }
    return { readings, from, to };
  });
}
