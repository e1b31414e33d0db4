// How fast the statistics answer from the rollups on the embedded database (PGlite): a region-month of
// hourly figures (the target is under 50 ms), a year of daily figures and the one-day overview, over
// rollups of many regions and a year. Run: npm run bench:query [-- --regions N --devices N --runs N]
// Prints its figures, and a JSON line last.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { analyticsConfigOf } from "../src/analytics/analyticsConfig.js";
import { overview } from "../src/analytics/overview.js";
import type { SeriesGranularity } from "../src/analytics/periods.js";
import { regionSeries, type StatsRegion } from "../src/analytics/statsQuery.js";
import { openDatabase } from "../src/db/database.js";

const { values } = parseArgs({
  options: {
    regions: { type: "string", default: "31" },
    devices: { type: "string", default: "1000" },
    runs: { type: "string", default: "30" },
    "database-url": { type: "string" },
  },
});
const regionCount = Number(values.regions);
const deviceCount = Number(values.devices);
const runs = Number(values.runs);
const config = analyticsConfigOf();
const offset = config.utcOffsetMinutes * 60;
const dir = await mkdtemp(join(tmpdir(), "gridledger-bench-query-"));
const db = await openDatabase({ dataDir: dir, url: values["database-url"] });
const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, "0")}`;
const yearStart = Date.UTC(2026, 0, 1) / 1000 - offset;
const hours = 365 * 24;

try {
  const seeding = performance.now();
  const regions: StatsRegion[] = Array.from({ length: regionCount }, (_, i) => ({
    regionId: hex(i + 1, 64),
    code: `CN-${String(i).padStart(2, "0")}`,
    nameZh: `省${i}`,
    nameEn: `Province ${i}`,
    intervalSeconds: 900,
  }));
  for (const r of regions) {
    await db.query(
      `insert into regions (region_id, code, name_zh, name_en, operator, interval_seconds) values ($1, $2, $3, $4, $5, 900)`,
      [r.regionId, r.code, r.nameZh, r.nameEn, hex(1, 40)],
    );
  }
  const target = regions[0]!;
  // Devices of the measured region (for completeness); rollups of every region for a year:
  // consumption of households, enterprises and chargers, solar and wind generation, a feeder.
  await db.query(
    `insert into devices (device_id, scheme, public_key, owner, region_id, kind, source, capacity_w, status)
     select '0x' || lpad(to_hex(g), 64, '0'), 1, '0x00', $2, $1, 1, 0, 0, 1 from generate_series(1, $3::int) g`,
    [target.regionId, hex(1, 40), deviceCount],
  );
  await db.query(
    `insert into metered_devices (device_id, commodity, region_id, first_interval, duration)
     select '0x' || lpad(to_hex(g), 64, '0'), 1, $1, $2, 900 from generate_series(1, $3::int) g`,
    [target.regionId, yearStart, deviceCount],
  );
  for (const r of regions) {
    await db.query(
      `insert into rollups (region_id, commodity, granularity, period_start, kind, source, import_total, export_total, readings)
       select $1, 1, 'hour', $2 + h * 3600, k.kind, k.source,
              case when k.source = 0 then 1000 * (h % 24 + 10) * $4 else 0 end,
              case when k.source <> 0 then 300 * (h % 24) * $4 else 0 end, 4 * $4
         from generate_series(0, $3::int - 1) h,
              (values (1, 0), (3, 0), (4, 0), (2, 1), (2, 2), (6, 0)) as k(kind, source)`,
      [r.regionId, yearStart, hours, Math.ceil(deviceCount / 6)],
    );
    await db.query(
      `insert into rollups (region_id, commodity, granularity, period_start, kind, source, import_total, export_total, readings)
       select region_id, commodity, 'day', ((period_start + $2) / 86400) * 86400 - $2, kind, source,
              sum(import_total), sum(export_total), sum(readings)
         from rollups where region_id = $1 and granularity = 'hour' group by 1, 2, 3, 4, 5, 6`,
      [r.regionId, offset],
    );
    await db.query(
      `insert into rollup_periods (region_id, commodity, granularity, period_start, active_devices, peak_rate, peak_interval_start)
       select region_id, commodity, granularity, period_start, $2, max(import_total) * 4, period_start
         from rollups where region_id = $1 group by 1, 2, 3, 4`,
      [r.regionId, deviceCount],
    );
  }
  await db.query("analyze");
  const seeded = (performance.now() - seeding) / 1000;
  const { rows } = await db.query<{ n: string }>("select count(*)::text as n from rollups");
  console.log(`seeded ${rows[0]!.n} rollup rows (${regionCount} regions × a year) in ${seeded.toFixed(1)} s`);

  const now = yearStart + hours * 3600;
  const time = async (name: string, run: (i: number) => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      const started = performance.now();
      await run(i);
      if (i >= 3) samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    const p95 = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.95))]!;
    console.log(`${name}: median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (${runs} runs)`);
    return { median, p95 };
  };
  const series = (granularity: SeriesGranularity, days: number) => (i: number) => {
    const from = yearStart + ((i * 7) % 300) * 86400;
    return regionSeries(db, config, target, {
      commodity: 1,
      granularity,
      from,
      to: from + days * 86400,
      now,
    });
  };
  const month = await time("region-month of hourly figures", series("hour", 30));
  const year = await time("region-year of daily figures", series("day", 365));
  const months = await time("region-year of monthly figures", series("month", 365));
  const day = await time(`overview of ${regionCount} regions`, () =>
    overview(db, config, { date: "2026-06-01", now: now * 1000 }),
  );
  console.log(
    JSON.stringify({
      bench: "query",
      database: db.kind,
      regions: regionCount,
      devices: deviceCount,
      regionMonthHourlyMs: Number(month.median.toFixed(1)),
      regionMonthHourlyP95Ms: Number(month.p95.toFixed(1)),
      regionYearDailyMs: Number(year.median.toFixed(1)),
      regionYearMonthlyMs: Number(months.median.toFixed(1)),
      overviewMs: Number(day.median.toFixed(1)),
      targetMs: 50,
    }),
  );
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
