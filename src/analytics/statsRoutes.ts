import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import { type Static, Type } from "typebox";
import { suppressedRegions } from "../auth/groupSize.js";
import { defaults } from "../core/config.js";
import { BaseError } from "../core/errors.js";
import { parseTime } from "../core/parseTime.js";
import type { Database } from "../db/database.js";
import { commodities } from "../metering/readingFormat.js";
import {
  deviceIdParam,
  deviceIdParams,
  keysOf,
  nullable,
  oneOf,
  text,
  timeText,
} from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { assertDeviceVisible } from "../server/visibility.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";
import { overview } from "./overview.js";
import type { SeriesGranularity } from "./periods.js";
import { deviceSeries, regionSeries, resolveRegion, toCsv } from "./statsQuery.js";

const str = { type: "string" } as const;
const num = nullable({ type: "number" });
const int = { type: "integer" } as const;
const totalsProperties = {
  consumption: str,
  generation: str,
  generationBySource: { type: "object", additionalProperties: str },
  renewable: str,
  netExport: str,
  peakDemandW: str,
  activeDevices: int,
  expectedReadings: int,
  receivedReadings: int,
  completeness: num,
  renewableShare: num,
  tce: { type: "string", description: "standard coal equivalent of consumption, tonnes (GB/T 2589)" },
  co2Kg: str,
} as const;
const seriesSchema = sent(
  {
    type: "object",
    properties: {
      region: { type: "object", properties: { code: str, nameZh: str, nameEn: str } },
      commodity: str,
      unit: str,
      granularity: str,
      from: int,
      to: int,
      utcOffsetMinutes: int,
      points: {
        type: "array",
        items: { type: "object", properties: { start: int, ...totalsProperties } },
      },
      totals: nullable({ type: "object", properties: totalsProperties }),
      suppressed: {
        type: "boolean",
        description: "true when the region has fewer devices than the minimum group size",
      },
      reason: str,
    },
  } as const,
  ["suppressed", "reason"],
);
const nullableStr = nullable({ type: "string" });
const overviewSchema = sent(
  {
    type: "object",
    properties: {
      date: { type: "string", description: "YYYY-MM-DD at the UTC offset" },
      from: int,
      to: int,
      utcOffsetMinutes: int,
      regions: {
        type: "array",
        items: {
          type: "object",
          description: "a suppressed region (minimum group size) has its figures null",
          properties: {
            code: str,
            nameZh: str,
            nameEn: str,
            consumptionWh: nullableStr,
            generationWh: nullableStr,
            renewableWh: nullableStr,
            renewableShare: num,
            gasLitres: { ...nullableStr, description: "natural gas consumed, litres" },
            tce: nullableStr,
            co2Kg: nullableStr,
            completeness: num,
            activeDevices: nullable({ type: "integer" }),
            openAlerts: nullable({ type: "integer" }),
            suppressed: {
              type: "boolean",
              description: "true when the region has fewer devices than the minimum group size",
            },
            reason: str,
          },
        },
      },
    },
  } as const,
  ["suppressed", "reason"],
);
const deviceSeriesSchema = sent({
  type: "object",
  properties: {
    deviceId: str,
    commodity: str,
    unit: str,
    granularity: str,
    from: int,
    to: int,
    utcOffsetMinutes: int,
    points: {
      type: "array",
      items: {
        type: "object",
        properties: { start: int, import: str, export: str, net: str, readings: int },
      },
    },
  },
} as const);
const rangeProperties = {
  commodity: Type.Optional(oneOf(keysOf(commodities), { default: "electricity" })),
  granularity: Type.Optional(oneOf(["hour", "day", "month"], { default: "hour" })),
  from: Type.Optional(timeText("Unix seconds or ISO 8601; default: a day, 30 days or a year before `to`")),
  to: Type.Optional(timeText("Unix seconds or ISO 8601 (exclusive); default: now")),
  format: Type.Optional(oneOf(["json", "csv"], { default: "json" })),
};

/** The range query of the series routes, as validated (defaults filled in by the schema). */
type RangeQuery = Static<typeof rangeQuery>;
const rangeQuery = Type.Object(rangeProperties);

const defaultSpan: Record<SeriesGranularity, number> = { hour: 86400, day: 30 * 86400, month: 365 * 86400 };

function rangeOf(query: RangeQuery, now: number) {
  // The schema fills in the defaults; the fallbacks only satisfy the optional types.
  const granularity = query.granularity ?? "hour";
  const to = query.to === undefined ? now + 1 : parseTime(query.to, "to", "STATS_INVALID_TIME");
  const from =
    query.from === undefined
      ? to - defaultSpan[granularity]
      : parseTime(query.from, "from", "STATS_INVALID_TIME");
  if (from >= to) {
    throw new BaseError("STATS_INVALID_RANGE", `from (${from}) must be before to (${to})`, {
      details: { from, to },
    });
  }
  return { commodity: commodities[query.commodity ?? "electricity"], granularity, from, to };
}

function sendCsv(reply: FastifyReply, name: string, csv: string) {
  return reply
    .header("content-type", "text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${name}.csv"`)
    .send(csv);
}

/** Statistics from the rollups: overview, region series, comparison, device series; JSON or CSV. */
export function registerStatsRoutes(
  app: FastifyInstance,
  context: {
    db: Database;
    analytics: AnalyticsConfig;
    now?: () => number;
    minGroupSize?: number | undefined;
  },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db, analytics: config } = context;
  const k = context.minGroupSize ?? defaults.minGroupSize;
  /** A series as the principal may see it: a small region it does not reach comes back without figures. */
  function shown<T extends { region: { code: string } }>(series: T, suppressed: Map<string, string>) {
    const reason = suppressed.get(series.region.code);
    return reason === undefined ? series : { ...series, points: [], totals: null, suppressed: true, reason };
  }
  const now = context.now ?? Date.now;

  api.get(
    "/v1/stats/overview",
    {
      config: { permission: "stats.read", cost: "expensive" },
      schema: {
        summary: "One day of every region: electricity, renewable share, tce, CO2, completeness, open alerts",
        tags: ["stats"],
        querystring: Type.Object({
          date: Type.Optional(text(10, "YYYY-MM-DD at the UTC offset; default today")),
        }),
        response: { 200: overviewSchema },
      },
    },
    async (request) => {
      const day = await overview(db, config, { date: request.query.date, now: now() });
      const suppressed = await suppressedRegions(db, request.principal, k);
      return {
        ...day,
        regions: day.regions.map((region) => {
          const reason = suppressed.get(region.code);
          if (reason === undefined) return region;
          const { code, nameZh, nameEn } = region;
          const hidden = Object.fromEntries(Object.keys(region).map((key) => [key, null]));
          return { ...hidden, code, nameZh, nameEn, suppressed: true, reason };
        }),
      };
    },
  );

  api.get(
    "/v1/stats/series",
    {
      config: { permission: "stats.read", cost: "expensive" },
      schema: {
        summary:
          "A region's series: consumption, generation by source, net export, peak demand, active devices, completeness, tce, CO2",
        tags: ["stats"],
        querystring: Type.Object({
          region: text(200, "code, regionId or name (partial)"),
          ...rangeProperties,
        }),
        response: { 200: seriesSchema },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const region = await resolveRegion(db, query.region);
      const series = shown(
        await regionSeries(db, config, region, {
          ...rangeOf(query, Math.floor(now() / 1000)),
          now: Math.floor(now() / 1000),
        }),
        await suppressedRegions(db, request.principal, k),
      );
      if (query.format === "csv") {
        return sendCsv(
          reply,
          `${region.code}-${series.commodity}-${series.granularity}`,
          toCsv(series.points, { region: region.code }),
        );
      }
      return series;
    },
  );

  api.get(
    "/v1/stats/compare",
    {
      config: { permission: "stats.read", cost: "expensive" },
      schema: {
        summary: "Several regions side by side: the series of each over the same range",
        tags: ["stats"],
        querystring: Type.Object({
          regions: text(4000, "codes or names, comma-separated"),
          ...rangeProperties,
        }),
        response: {
          200: sent({ type: "object", properties: { regions: { type: "array", items: seriesSchema } } }),
        },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const names = query.regions
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (names.length < 1 || names.length > 50) {
        throw new BaseError(
          "STATS_INVALID_REGIONS",
          `regions must name 1 to 50 regions, got ${names.length}`,
        );
      }
      const t = Math.floor(now() / 1000);
      const range = rangeOf(query, t);
      const suppressed = await suppressedRegions(db, request.principal, k);
      const regions = [];
      for (const name of names) {
        const series = await regionSeries(db, config, await resolveRegion(db, name), { ...range, now: t });
        regions.push(shown(series, suppressed));
      }
      if (query.format === "csv") {
        return sendCsv(
          reply,
          `compare-${regions.map((r) => r.region.code).join("-")}`,
          toCsv(regions.flatMap((s) => s.points.map((p) => ({ region: s.region.code, ...p })))),
        );
      }
      return { regions };
    },
  );

  api.get(
    "/v1/devices/:deviceId/series",
    {
      config: { permission: "readings.read", cost: "expensive" },
      schema: {
        summary:
          "A device's import, export and readings per period (personal data: the owner, its community or region operator, a regulator with a purpose)",
        tags: ["stats"],
        params: deviceIdParams,
        querystring: rangeQuery,
        response: { 200: deviceSeriesSchema },
      },
    },
    async (request, reply) => {
      const deviceId = deviceIdParam(request.params.deviceId);
      // Outside the principal's reach (or unknown to a scoped principal): 404, as an unknown device.
      await assertDeviceVisible(db, request, deviceId);
      const query = request.query;
      const series = await deviceSeries(db, config, deviceId, rangeOf(query, Math.floor(now() / 1000)));
      if (query.format === "csv") {
        return sendCsv(
          reply,
          `${deviceId.slice(2, 14)}-${series.commodity}-${series.granularity}`,
          toCsv(series.points),
        );
      }
      return series;
    },
  );
}
