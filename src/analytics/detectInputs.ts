import type { Queryable } from "../db/database.js";
import { toBigInt } from "../db/sql.js";
import { commodities } from "../metering/readingFormat.js";
import type { IntervalAnchorState } from "./detectors/anchorLate.js";
import type { SignatureFailures } from "./detectors/badSignatures.js";
import type { MeteredSeries } from "./detectors/dataGap.js";
import type { DetectorReading, ReadingRef } from "./detectors/detectorTypes.js";

/** Every commodity code: lets the readings index (region, commodity, interval_start, part) serve range scans. */
const allCommodities = Object.values(commodities);

/** A device of the region as the detectors need it. */
export type RegionDevice = {
  deviceId: string;
  kind: number;
  source: number;
  status: number;
  community: string | null;
};

/** Code and English name of a region, for messages. */
export async function regionName(db: Queryable, regionId: string): Promise<string> {
  const { rows } = await db.query<{ code: string; name_en: string }>(
    "select code, name_en from regions where region_id = $1",
    [regionId],
  );
  const row = rows[0];
  return row ? `${row.code} (${row.name_en})` : `region ${regionId.slice(0, 10)}…`;
}

/** The registered devices of a region. */
export async function regionDevices(db: Queryable, regionId: string): Promise<Map<string, RegionDevice>> {
  const { rows } = await db.query<{
    device_id: string;
    kind: number;
    source: number;
    status: number;
    community: string | null;
  }>("select device_id, kind, source, status, community from devices where region_id = $1", [regionId]);
  return new Map(
    rows.map((r) => [
      r.device_id,
      { deviceId: r.device_id, kind: r.kind, source: r.source, status: r.status, community: r.community },
    ]),
  );
}

/** Every device that has reported in the region before `until`, per commodity, with its first interval. */
export async function meteredSeries(
  db: Queryable,
  regionId: string,
  until: bigint,
): Promise<MeteredSeries[]> {
  const { rows } = await db.query<{
    device_id: string;
    commodity: number;
    first_interval: string;
    duration: number;
  }>(
    `select device_id, commodity, first_interval::text, duration from metered_devices
      where region_id = $1 and first_interval < $2`,
    [regionId, until.toString()],
  );
  return rows.map((row) => ({
    deviceId: row.device_id,
    commodity: row.commodity,
    firstInterval: toBigInt(row.first_interval),
    duration: row.duration,
  }));
}

/** The region's readings with interval start in [from, to), every commodity. */
export async function regionReadings(
  db: Queryable,
  regionId: string,
  from: bigint,
  to: bigint,
): Promise<DetectorReading[]> {
  const { rows } = await db.query<Record<string, string | number>>(
    `select device_id, seq::text as seq, commodity, interval_start::text as interval_start, duration,
            import_delta::text as import_delta, export_delta::text as export_delta
       from readings
      where region_id = $1 and commodity = any($2::smallint[]) and interval_start >= $3 and interval_start < $4`,
    [regionId, allCommodities, from.toString(), to.toString()],
  );
  return rows.map((r) => ({
    deviceId: r.device_id as string,
    seq: toBigInt(r.seq),
    commodity: r.commodity as number,
    intervalStart: toBigInt(r.interval_start),
    duration: r.duration as number,
    importDelta: toBigInt(r.import_delta),
    exportDelta: toBigInt(r.export_delta),
  }));
}

/**
 * Hourly imports of the given devices in [from, to), keyed `deviceId|commodity`, from the device
 * rollups (kept by ingest, rebuilt before detection starts on an upgraded data directory).
 */
export async function hourlyImports(
  db: Queryable,
  regionId: string,
  deviceIds: readonly string[],
  from: bigint,
  to: bigint,
): Promise<Map<string, bigint[]>> {
  const out = new Map<string, bigint[]>();
  if (deviceIds.length === 0) return out;
  const params = [regionId, allCommodities, from.toString(), to.toString(), deviceIds];
  const { rows } = await db.query<{ device_id: string; commodity: number; i: string }>(
    `select device_id, commodity, import_total::text as i from rollup_devices
      where region_id = $1 and commodity = any($2::smallint[]) and granularity = 'hour'
        and period_start >= $3 and period_start < $4 and device_id = any($5::text[])`,
    params,
  );
  for (const row of rows) {
    const key = `${row.device_id}|${row.commodity}`;
    const list = out.get(key) ?? [];
    list.push(toBigInt(row.i));
    out.set(key, list);
  }
  return out;
}

/** Refused signatures of the region's devices per minute in [from, to). */
export async function signatureFailures(
  db: Queryable,
  regionId: string,
  from: bigint,
  to: bigint,
): Promise<SignatureFailures[]> {
  const { rows } = await db.query<{ device_id: string; minute: string; failures: number }>(
    `select device_id, minute::text, failures from signature_failures
      where region_id = $1 and minute >= $2 and minute < $3`,
    [regionId, from.toString(), to.toString()],
  );
  return rows.map((r) => ({ deviceId: r.device_id, minute: toBigInt(r.minute), failures: r.failures }));
}

/** Intervals of the region in [from, to) with readings not batched or batches not anchored. */
export async function unanchoredIntervals(
  db: Queryable,
  regionId: string,
  from: bigint,
  to: bigint,
): Promise<IntervalAnchorState[]> {
  const params = [regionId, allCommodities, from.toString(), to.toString()];
  const [unbatched, batches] = await Promise.all([
    db.query<{ commodity: number; interval_start: string; duration: number; n: number; last: string }>(
      `select commodity, interval_start::text, max(duration) as duration, count(*)::int as n,
              floor(extract(epoch from max(received_at)))::bigint::text as last
         from readings
        where region_id = $1 and commodity = any($2::smallint[]) and interval_start >= $3 and interval_start < $4
          and part is null
        group by commodity, interval_start`,
      params,
    ),
    db.query<{
      commodity: number;
      interval_start: string;
      part: number;
      status: string;
      created: string;
      duration: number | null;
    }>(
      `select b.commodity, b.interval_start::text, b.part, b.status,
              floor(extract(epoch from b.created_at))::bigint::text as created,
              (select max(r.duration) from readings r
                where r.region_id = b.region_id and r.commodity = b.commodity
                  and r.interval_start = b.interval_start and r.part = b.part) as duration
         from reading_batches b
        where b.region_id = $1 and b.commodity = any($2::smallint[]) and b.interval_start >= $3 and b.interval_start < $4
          and b.status <> 'anchored'`,
      params,
    ),
  ]);
  const byKey = new Map<
    string,
    IntervalAnchorState & { batches: IntervalAnchorState["batches"][number][] }
  >();
  const entry = (commodity: number, start: string, duration: number) => {
    const key = `${commodity}|${start}`;
    let state = byKey.get(key);
    if (!state) {
      state = {
        commodity,
        intervalStart: toBigInt(start),
        duration,
        unbatched: 0,
        lastReceivedAt: null,
        batches: [],
        readings: [],
      };
      byKey.set(key, state);
    }
    return state;
  };
  for (const row of unbatched.rows) {
    const state = entry(row.commodity, row.interval_start, row.duration);
    state.unbatched = row.n;
    state.lastReceivedAt = toBigInt(row.last);
  }
  for (const row of batches.rows) {
    const state = entry(row.commodity, row.interval_start, row.duration ?? 0);
    if (state.duration === 0 && row.duration) state.duration = row.duration;
    state.batches.push({
      part: row.part,
      status: row.status === "conflict" ? "conflict" : "pending",
      createdAt: toBigInt(row.created),
    });
  }
  return [...byKey.values()];
}

/**
 * Up to `perInterval` readings of each given interval that are not anchored (not batched, or in a
 * batch that is not anchored), keyed `commodity|intervalStart`: the evidence of late anchors.
 */
export async function unanchoredReadings(
  db: Queryable,
  regionId: string,
  intervals: readonly { commodity: number; intervalStart: bigint }[],
  perInterval: number,
): Promise<Map<string, ReadingRef[]>> {
  const out = new Map<string, ReadingRef[]>();
  if (intervals.length === 0) return out;
  const { rows } = await db.query<{
    device_id: string;
    seq: string;
    commodity: number;
    interval_start: string;
  }>(
    `select device_id, seq, commodity, interval_start from (
       select r.device_id, r.seq::text as seq, r.commodity, r.interval_start::text as interval_start,
              row_number() over (partition by r.commodity, r.interval_start order by r.device_id, r.seq) as k
         from unnest($2::smallint[], $3::bigint[]) as i(c, s)
         join readings r on r.region_id = $1 and r.commodity = i.c and r.interval_start = i.s
        where r.part is null
           or exists (select 1 from reading_batches b
                       where b.region_id = r.region_id and b.commodity = r.commodity
                         and b.interval_start = r.interval_start and b.part = r.part and b.status <> 'anchored')
     ) x where k <= $4`,
    [
      regionId,
      intervals.map((i) => i.commodity),
      intervals.map((i) => i.intervalStart.toString()),
      perInterval,
    ],
  );
  for (const row of rows) {
    const key = `${row.commodity}|${row.interval_start}`;
    out.set(key, [...(out.get(key) ?? []), { deviceId: row.device_id, seq: row.seq }]);
  }
  return out;
}
