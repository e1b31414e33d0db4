import type { FastifyInstance } from "fastify";
import { regionsAsked } from "../auth/access.js";
import { reachFor } from "../auth/authorize.js";
import type { Principal } from "../auth/principal.js";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { deviceIdParam } from "../registry/registryRoutes.js";
import { bodyLimits } from "../server/jsonBody.js";
import { decimalId, hex32, pageLimit, pageOffset, text, unixSeconds } from "../server/paramSchemas.js";
import { assertReadingVisible } from "../server/visibility.js";
import type { SubmitOptions } from "./ingest.js";
import { maxReadingsPerRequest } from "./ingest.js";
import type { Metering } from "./metering.js";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const result = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["accepted", "duplicate", "rejected"] },
    code: str,
    message: str,
    seq: str,
  },
} as const;
const batch = {
  type: "object",
  properties: {
    region: str,
    regionId: str,
    commodity: int,
    intervalStart: int,
    part: int,
    root: str,
    leafCount: int,
    importTotal: str,
    exportTotal: str,
    status: str,
    contract: { type: "string", nullable: true },
    txHash: { type: "string", nullable: true },
    blockNumber: { type: "integer", nullable: true },
    anchoredAt: { type: "integer", nullable: true },
  },
} as const;
const proofSchema = {
  type: "object",
  properties: {
    reading: { type: "object", additionalProperties: true },
    leafHash: str,
    leafIndex: int,
    treeSize: int,
    auditPath: { type: "array", items: str },
    root: str,
    batch: {
      type: "object",
      properties: { region: str, regionId: str, commodity: int, intervalStart: int, part: int },
    },
    anchor: { type: "object", properties: { contract: str, txHash: str, blockNumber: int } },
  },
} as const;
const rangeQuery = {
  type: "object",
  properties: {
    region: text(2000, "region codes, comma-separated"),
    from: { ...unixSeconds, description: "interval start ≥ from (Unix seconds)" },
    to: { ...unixSeconds, description: "interval start < to (Unix seconds)" },
  },
} as const;
const readingParams = {
  type: "object",
  required: ["deviceId", "seq"],
  properties: { deviceId: hex32, seq: decimalId(20) },
} as const;

type RangeQuery = { region?: string; from?: number; to?: number };

function parseSeq(raw: string): bigint {
  if (!/^[0-9]{1,20}$/.test(raw) || BigInt(raw) === 0n || BigInt(raw) >= 2n ** 64n) {
    throw new BaseError("REQUEST_INVALID", `seq must be a positive 64-bit integer, got "${raw}"`);
  }
  return BigInt(raw);
}

const codesOf = (region: string | undefined) =>
  region
    ?.split(",")
    .map((code) => code.trim())
    .filter(Boolean);

/**
 * What a principal may submit: a device its own readings; a collector's key the devices of its regions;
 * an admin anything (src/auth/permissions.ts, `readings.ingest`).
 */
function ingestScopeOf(principal: Principal): SubmitOptions {
  if (principal.kind === "device") return { deviceId: principal.deviceId };
  if (reachFor("readings.ingest", principal) === "all") return {};
  const bindings = principal.kind === "anonymous" ? [] : principal.bindings;
  return {
    regions: bindings.flatMap((binding) =>
      binding.role === "collector" && binding.scope.kind === "region" ? [binding.scope.region] : [],
    ),
  };
}

/** Readings in (`POST /v1/readings`: a collector's key or the device's own token), proofs, anchors, audit. */
export function registerMeteringRoutes(app: FastifyInstance, metering: Metering, db: Queryable): void {
  app.post(
    "/v1/readings",
    {
      // Readings are refused one by one (a NUL in one is that reading's READING_MALFORMED), so the
      // text guard leaves the body to the reading parser.
      config: { permission: "readings.ingest", cost: "ingest", textGuard: "query" },
      bodyLimit: bodyLimits.readings,
      schema: {
        summary: `Submit signed readings (JSON form, up to ${maxReadingsPerRequest}); one result per reading, in order, once stored`,
        tags: ["metering"],
        body: {
          type: "object",
          required: ["readings"],
          properties: { readings: { type: "array", items: {} } },
        },
        response: { 200: { type: "object", properties: { results: { type: "array", items: result } } } },
      },
    },
    async (request) => ({
      results: await metering.ingest.submit(
        (request.body as { readings: unknown[] }).readings,
        ingestScopeOf(request.principal),
      ),
    }),
  );

  app.get(
    "/v1/readings/:deviceId/:seq",
    {
      config: { permission: "readings.read" },
      schema: {
        summary: "A stored reading (JSON form, as the meter signed it), when it arrived and its batch",
        tags: ["metering"],
        params: readingParams,
        response: {
          200: {
            type: "object",
            properties: {
              reading: { type: "object", additionalProperties: true },
              receivedAt: str,
              batch: {
                type: "object",
                nullable: true,
                properties: { region: str, commodity: int, intervalStart: int, part: int, status: str },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const params = request.params as { deviceId: string; seq: string };
      const [deviceId, seq] = [deviceIdParam(params.deviceId), parseSeq(params.seq)];
      await assertReadingVisible(db, request, deviceId, seq);
      return metering.reading(deviceId, seq);
    },
  );

  app.get(
    "/v1/readings/:deviceId/:seq/proof",
    {
      config: { permission: "readings.proof", cost: "expensive" },
      schema: {
        summary:
          "Merkle inclusion proof of a reading and where its batch root is anchored (404 until anchored)",
        tags: ["metering"],
        params: readingParams,
        response: { 200: proofSchema },
      },
    },
    async (request) => {
      const params = request.params as { deviceId: string; seq: string };
      const [deviceId, seq] = [deviceIdParam(params.deviceId), parseSeq(params.seq)];
      await assertReadingVisible(db, request, deviceId, seq);
      return metering.proof(deviceId, seq);
    },
  );

  app.get(
    "/v1/anchors",
    {
      config: { permission: "anchors.read" },
      schema: {
        summary: "Batches (one Merkle root per region, commodity, interval and part) and their anchors",
        tags: ["metering"],
        querystring: {
          ...rangeQuery,
          properties: {
            ...rangeQuery.properties,
            limit: pageLimit(100),
            offset: pageOffset,
            order: { type: "string", enum: ["asc", "desc"], default: "asc" },
          },
        },
        response: { 200: { type: "object", properties: { batches: { type: "array", items: batch } } } },
      },
    },
    async (request) => {
      const query = request.query as RangeQuery & { limit: number; offset: number; order: "asc" | "desc" };
      const codes = codesOf(query.region);
      const regionIds = codes?.length ? await metering.regionIdsOf(codes) : undefined;
      const regionCodes = await metering.regionCodes();
      const batches = await metering.batches.list({
        regionIds,
        from: query.from === undefined ? undefined : BigInt(query.from),
        to: query.to === undefined ? undefined : BigInt(query.to),
        limit: query.limit,
        offset: query.offset,
        newestFirst: query.order === "desc",
      });
      return {
        batches: batches.map((b) => ({
          ...b,
          region: regionCodes.get(b.regionId) ?? null,
          intervalStart: Number(b.intervalStart),
          importTotal: b.importTotal.toString(),
          exportTotal: b.exportTotal.toString(),
          blockNumber: b.blockNumber === null ? null : Number(b.blockNumber),
          anchoredAt: b.anchoredAt === null ? null : Number(b.anchoredAt),
        })),
      };
    },
  );

  app.post(
    "/v1/anchors",
    {
      config: { permission: "batches.write" },
      schema: {
        summary: "Anchor every interval that has ended now, without waiting for the grace period",
        tags: ["metering"],
        body: { type: "object", nullable: true, properties: { region: text(2000) } },
        response: {
          200: {
            type: "object",
            properties: { built: int, anchored: int, reconciled: int, conflicts: int, quarantined: int },
          },
        },
      },
    },
    async (request) => {
      const codes = codesOf((request.body as { region?: string } | null)?.region);
      const regionIds = codes?.length ? await metering.regionIdsOf(codes) : undefined;
      return metering.anchorer.run({ all: true, regionIds });
    },
  );

  app.get(
    "/v1/audit",
    {
      config: { permission: "audit.read", cost: "expensive" },
      schema: {
        summary:
          "Recompute every batch root from the stored readings, check every signature and compare with the chain",
        tags: ["metering"],
        querystring: rangeQuery,
        response: {
          200: {
            type: "object",
            properties: {
              ok: { type: "boolean" },
              batches: int,
              readings: int,
              findings: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    kind: str,
                    region: str,
                    commodity: int,
                    intervalStart: str,
                    part: int,
                    deviceId: str,
                    seq: str,
                    message: str,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as RangeQuery;
      // A region operator audits its own regions only (the findings name devices).
      const regionCodes = regionsAsked(request.principal, "audit.read", codesOf(query.region));
      if (regionCodes?.length === 0) return { ok: true, batches: 0, readings: 0, findings: [] };
      const report = await metering.audit({
        regionCodes,
        from: query.from === undefined ? undefined : BigInt(query.from),
        to: query.to === undefined ? undefined : BigInt(query.to),
      });
      // A batch the operator dropped is reported, but it is a decision, not a mismatch.
      return { ok: report.findings.every((finding) => finding.kind === "dropped"), ...report };
    },
  );

  app.get(
    "/v1/metering/stats",
    {
      config: { permission: "stats.read" },
      schema: {
        summary: "Counts of readings, batches, anchors and alerts",
        tags: ["metering"],
        response: {
          200: {
            type: "object",
            properties: {
              readings: int,
              devices: int,
              unbatched: int,
              batches: int,
              anchored: int,
              pending: int,
              conflicts: int,
              quarantined: int,
              dropped: int,
              alerts: int,
              lastReadingAt: { type: "string", nullable: true },
            },
          },
        },
      },
    },
    () => metering.stats(),
  );
}
