import { BaseError } from "../core/errors.js";
import { escapeLike } from "../core/text.js";
import type { Queryable } from "../db/database.js";
import { commodityName } from "../metering/readingFormat.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";
import {
  co2Micrograms,
  coalEquivalentMicrograms,
  kilogramsOf,
  ratio,
  type SourceSums,
  tonnesOf,
  totalsOf,
} from "./energyMeasures.js";
import { periodFloor, periodNext, periodsOf, type SeriesGranularity } from "./periods.js";

/** A region as the statistics name it. */
export type StatsRegion = {
  regionId: string;
  code: string;
  nameZh: string;
  nameEn: string;
  intervalSeconds: number;
};

/** One period of a region's series; energy in the commodity's unit as decimal strings. */
export type SeriesPoint = {
  start: number;
  consumption: string;
  generation: string;
  generationBySource: Record<string, string>;
  renewable: string;
  netExport: string;
  /** Largest interval import rate, base units per hour (W for electricity), feeders excluded. */
  peakDemandW: string;
  activeDevices: number;
  expectedReadings: number;
  receivedReadings: number;
  completeness: number | null;
  renewableShare: number | null;
  /** Standard coal equivalent of consumption, tonnes. */
  tce: string;
  co2Kg: string;
};

export type SeriesTotals = Omit<SeriesPoint, "start">;

export type Series = {
  region: { code: string; nameZh: string; nameEn: string };
  commodity: string;
  unit: string;
  granularity: SeriesGranularity;
  from: number;
  to: number;
  utcOffsetMinutes: number;
  points: SeriesPoint[];
  totals: SeriesTotals;
};

const units: Record<number, string> = { 1: "Wh", 2: "L", 3: "kJ", 4: "L" };

type RegionRow = {
  region_id: string;
  code: string;
  name_zh: string;
  name_en: string;
  interval_seconds: number;
};
const regionOf = (row: RegionRow): StatsRegion => ({
  regionId: row.region_id,
  code: row.code,
  nameZh: row.name_zh,
  nameEn: row.name_en,
  intervalSeconds: row.interval_seconds,
});

/**
 * A region by code, regionId or name in Chinese or English (partial, case-insensitive: `广东`,
 * `guang` and `cn-gd` find CN-GD; `%` and `_` match only themselves). `STATS_UNKNOWN_REGION` when nothing matches,
 * `STATS_AMBIGUOUS_REGION` (with the candidates) when several do and none exactly.
 */
export async function resolveRegion(db: Queryable, text: string): Promise<StatsRegion> {
  const q = text.trim();
  if (q === "") throw new BaseError("STATS_UNKNOWN_REGION", "a region (code or name) is required");
  const { rows } = await db.query<RegionRow>(
    `select region_id, code, name_zh, name_en, interval_seconds from regions
      where lower(code) like $1 escape '\\' or lower(name_en) like $1 escape '\\' or name_zh like $2 escape '\\'
         or region_id = lower($3)
      order by code`,
    [`%${escapeLike(q.toLowerCase())}%`, `%${escapeLike(q)}%`, q],
  );
  const exact = rows.filter(
    (r) =>
      r.code.toLowerCase() === q.toLowerCase() ||
      r.name_en.toLowerCase() === q.toLowerCase() ||
      r.name_zh === q ||
      r.region_id === q.toLowerCase(),
  );
  const found = exact.length === 1 ? exact : rows;
  if (found.length === 1) return regionOf(found[0]!);
  if (found.length === 0) {
    throw new BaseError("STATS_UNKNOWN_REGION", `no region's code or name matches "${q}"`, {
      details: { region: q },
    });
  }
  throw new BaseError(
    "STATS_AMBIGUOUS_REGION",
    `"${q}" matches ${found.length} regions (${found.map((r) => r.code).join(", ")}); give a code`,
    { details: { region: q, candidates: found.map((r) => r.code) } },
  );
}

/** Every approved region, by code. */
export async function allRegions(db: Queryable): Promise<StatsRegion[]> {
  const { rows } = await db.query<RegionRow>(
    "select region_id, code, name_zh, name_en, interval_seconds from regions order by code",
  );
  return rows.map(regionOf);
}

/**
 * Rows of `select <columns> from <from>` packed into one text value by the database and split here:
 * PGlite hands over one value far faster than thousands of rows. The columns must not be null nor
 * hold `,` or `;`.
 */
async function packedRows(
  db: Queryable,
  columns: string,
  from: string,
  params: unknown[],
): Promise<string[][]> {
  const { rows } = await db.query<{ t: string | null }>(
    `select string_agg(concat_ws(',', ${columns}), ';') as t from ${from}`,
    params,
  );
  const text = rows[0]?.t;
  return text ? text.split(";").map((row) => row.split(",")) : [];
}

type Accumulator = {
  sums: SourceSums[];
  active: number;
  peak: bigint;
  expected: number;
};

/** Intervals of `duration` starting in [lo, hi) that have ended by `now`. */
function intervalsIn(lo: number, hi: number, duration: number, now: number): number {
  const first = Math.ceil(lo / duration) * duration;
  const last = Math.min(hi, Math.floor(now / duration) * duration);
  return last > first ? Math.ceil((last - first) / duration) : 0;
}

/**
 * A region's series of one commodity from the rollups (never from raw readings): per period,
 * consumption, generation by source, net export, peak demand, active devices, completeness
 * (readings received ÷ expected: every active device that has reported the commodity, one reading
 * per interval since its first, up to the last interval that has ended), tce and CO2.
 */
export async function regionSeries(
  db: Queryable,
  config: AnalyticsConfig,
  region: StatsRegion,
  options: { commodity: number; granularity: SeriesGranularity; from: number; to: number; now: number },
): Promise<Series> {
  const { commodity, granularity } = options;
  const offset = config.utcOffsetMinutes * 60;
  const starts = periodsOf(options.from, options.to, granularity, offset);
  const from = starts[0] ?? options.from;
  const to = starts.length ? periodNext(starts[starts.length - 1]!, granularity, offset) : options.to;
  const stored = granularity === "month" ? "day" : granularity;
  const params = [region.regionId, commodity, stored, from, to];
  const range =
    "region_id = $1 and commodity = $2 and granularity = $3 and period_start >= $4 and period_start < $5";
  const [sums, periods, devices, monthly] = await Promise.all([
    packedRows(
      db,
      "period_start, kind, source, import_total, export_total, readings",
      `rollups where ${range}`,
      params,
    ),
    packedRows(db, "period_start, active_devices, peak_rate", `rollup_periods where ${range}`, params),
    db.query<{ first: string; duration: number; n: number }>(
      `select m.first_interval::text as first, m.duration, count(*)::int as n
         from metered_devices m join devices d on d.device_id = m.device_id
        where m.region_id = $1 and m.commodity = $2 and d.status = 1 and m.first_interval < $3
        group by m.first_interval, m.duration`,
      [region.regionId, commodity, to],
    ),
    granularity === "month"
      ? packedRows(db, "period_start, device_id", `rollup_devices where ${range}`, params)
      : Promise.resolve(undefined),
  ]);

  const byStart = new Map<number, Accumulator>(
    starts.map((s) => [s, { sums: [], active: 0, peak: 0n, expected: 0 }]),
  );
  const bucket = (p: string | number) => byStart.get(periodFloor(Number(p), granularity, offset));
  for (const [p, kind, source, i, e, n] of sums) {
    bucket(p!)?.sums.push({
      kind: Number(kind),
      source: Number(source),
      importTotal: BigInt(i!),
      exportTotal: BigInt(e!),
      readings: BigInt(n!),
    });
  }
  for (const [p, active, rate] of periods) {
    const acc = bucket(p!);
    if (!acc) continue;
    if (BigInt(rate!) > acc.peak) acc.peak = BigInt(rate!);
    if (granularity !== "month") acc.active = Number(active);
  }
  if (monthly) {
    const distinct = new Map<number, Set<string>>();
    for (const [p, deviceId] of monthly) {
      const start = periodFloor(Number(p), "month", offset);
      const set = distinct.get(start) ?? new Set<string>();
      set.add(deviceId!);
      distinct.set(start, set);
    }
    for (const [start, set] of distinct) {
      const acc = byStart.get(start);
      if (acc) acc.active = set.size;
    }
  }
  for (const [start, acc] of byStart) {
    const end = periodNext(start, granularity, offset);
    for (const group of devices.rows) {
      acc.expected +=
        group.n * intervalsIn(Math.max(start, Number(group.first)), end, group.duration, options.now);
    }
  }

  const points = starts.map((start) => ({
    start,
    ...measures(commodity, region.code, config, byStart.get(start)!),
  }));
  const all: Accumulator = {
    sums: [...byStart.values()].flatMap((acc) => acc.sums),
    active: 0,
    peak: [...byStart.values()].reduce((max, acc) => (acc.peak > max ? acc.peak : max), 0n),
    expected: [...byStart.values()].reduce((n, acc) => n + acc.expected, 0),
  };
  const totals = measures(commodity, region.code, config, all);
  totals.activeDevices = Math.max(0, ...points.map((p) => p.activeDevices));
  return {
    region: { code: region.code, nameZh: region.nameZh, nameEn: region.nameEn },
    commodity: commodityName(commodity),
    unit: units[commodity] ?? "unit",
    granularity,
    from,
    to,
    utcOffsetMinutes: config.utcOffsetMinutes,
    points,
    totals,
  };
}

function measures(
  commodity: number,
  regionCode: string,
  config: AnalyticsConfig,
  acc: Accumulator,
): SeriesTotals {
  const t = totalsOf(acc.sums);
  const received = Number(t.readings);
  return {
    consumption: t.consumption.toString(),
    generation: t.generation.toString(),
    generationBySource: Object.fromEntries(
      Object.entries(t.generationBySource).map(([source, value]) => [source, value.toString()]),
    ),
    renewable: t.renewable.toString(),
    netExport: (t.generation - t.consumption).toString(),
    peakDemandW: acc.peak.toString(),
    activeDevices: acc.active,
    expectedReadings: acc.expected,
    receivedReadings: received,
    completeness: acc.expected > 0 ? Math.min(1, ratio(BigInt(received), BigInt(acc.expected))!) : null,
    renewableShare: ratio(t.renewable, t.generation),
    tce: tonnesOf(coalEquivalentMicrograms(commodity, t.consumption, config)),
    co2Kg: kilogramsOf(co2Micrograms(commodity, t.consumption, regionCode, config)),
  };
}

/** A device's series: import, export and readings per period, from the device rollups. */
export async function deviceSeries(
  db: Queryable,
  config: AnalyticsConfig,
  deviceId: string,
  options: { commodity: number; granularity: SeriesGranularity; from: number; to: number },
) {
  const offset = config.utcOffsetMinutes * 60;
  const { granularity } = options;
  const starts = periodsOf(options.from, options.to, granularity, offset);
  const from = starts[0] ?? options.from;
  const to = starts.length ? periodNext(starts[starts.length - 1]!, granularity, offset) : options.to;
  const { rows } = await db.query<{ p: string; i: string; e: string; n: string }>(
    `select period_start::text as p, import_total::text as i, export_total::text as e, readings::text as n
       from rollup_devices where device_id = $1 and commodity = $2 and granularity = $3
        and period_start >= $4 and period_start < $5`,
    [deviceId, options.commodity, granularity === "month" ? "day" : granularity, from, to],
  );
  const byStart = new Map(starts.map((s) => [s, { imported: 0n, exported: 0n, readings: 0 }]));
  for (const row of rows) {
    const acc = byStart.get(periodFloor(Number(row.p), granularity, offset));
    if (!acc) continue;
    acc.imported += BigInt(row.i);
    acc.exported += BigInt(row.e);
    acc.readings += Number(row.n);
  }
  return {
    deviceId,
    commodity: commodityName(options.commodity),
    unit: units[options.commodity] ?? "unit",
    granularity,
    from,
    to,
    utcOffsetMinutes: config.utcOffsetMinutes,
    points: starts.map((start) => {
      const acc = byStart.get(start)!;
      return {
        start,
        import: acc.imported.toString(),
        export: acc.exported.toString(),
        net: (acc.imported - acc.exported).toString(),
        readings: acc.readings,
      };
    }),
  };
}

/** Rows of points as CSV (RFC 4180): `start` as ISO 8601 UTC, nested objects flattened as `a.b`. */
export function toCsv(
  rows: readonly Record<string, unknown>[],
  leading: Record<string, string> = {},
): string {
  const flat = rows.map((row) => {
    const out: Record<string, unknown> = { ...leading };
    for (const [key, value] of Object.entries(row)) {
      if (key === "start") out.start = new Date(Number(value) * 1000).toISOString();
      else if (value !== null && typeof value === "object") {
        for (const [inner, v] of Object.entries(value)) out[`${key}.${inner}`] = v;
      } else out[key] = value;
    }
    return out;
  });
  const columns = [...new Set(flat.flatMap((row) => Object.keys(row)))];
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${[columns.join(","), ...flat.map((row) => columns.map((c) => cell(row[c] ?? (c.includes(".") ? "0" : ""))).join(","))].join("\r\n")}\r\n`;
}
