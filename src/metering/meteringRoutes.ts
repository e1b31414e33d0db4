import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { regionsAsked } from "../auth/access.js";
import { reachFor } from "../auth/authorize.js";
import type { Principal } from "../auth/principal.js";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { bodyLimits } from "../server/jsonBody.js";
import {
  decimalId,
  deviceIdParam,
  hex32,
  nullable,
  oneOf,
  pageLimit,
  pageOffset,
  text,
  unixSeconds,
} from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { assertReadingVisible } from "../server/visibility.js";
import type { SubmitOptions } from "./ingest.js";
import { maxReadingsPerRequest } from "./ingest.js";
import type { Metering } from "./metering.js";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const result = sent(
  {
    type: "object",
    properties: {
      status: oneOf(["accepted", "duplicate", "rejected"]),
      code: str,
      message: str,
      seq: str,
    },
  } as const,
  ["code", "message", "seq"],
);
const batch = sent({
  type: "object",
  properties: {
    region: nullable({
      type: "string",
      description: "region code; null when the region is not in the index",
    }),
    regionId: str,
    commodity: int,
    intervalStart: int,
    part: int,
    root: str,
    leafCount: int,
    importTotal: str,
    exportTotal: str,
    status: str,
    contract: nullable({ type: "string" }),
    txHash: nullable({ type: "string" }),
    blockNumber: nullable({ type: "integer" }),
    anchoredAt: nullable({ type: "integer" }),
  },
} as const);
const proofSchema = sent({
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
} as const);
const rangeProperties = {
  region: Type.Optional(text(2000, "region codes, comma-separated")),
  from: Type.Optional(Type.Integer({ ...unixSeconds, description: "interval start ≥ from (Unix seconds)" })),
  to: Type.Optional(Type.Integer({ ...unixSeconds, description: "interval start < to (Unix seconds)" })),
};
const rangeQuery = Type.Object(rangeProperties);
const readingParams = Type.Object({ deviceId: hex32, seq: decimalId(20) });

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
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.post(
    "/v1/readings",
    {
      // Readings are refused one by one (a NUL in one is that reading's READING_MALFORMED), so the
      // text guard leaves the body to the reading parser.
      config: { permission: "readings.ingest", cost: "ingest", textGuard: "query" },
      bodyLimit: bodyLimits.readings,
      schema: {
        summary: `Submit signed readings (JSON form, up to ${maxReadingsPerRequest}); one result per reading, in order, once stored`,
        tags: ["metering"],
        body: Type.Object({ readings: Type.Array(Type.Unknown()) }),
        response: {
          200: sent({ type: "object", properties: { results: { type: "array", items: result } } }),
        },
      },
    },
    async (request) => ({
      results: await metering.ingest.submit(request.body.readings, ingestScopeOf(request.principal)),
    }),
  );

  api.get(
    "/v1/readings/:deviceId/:seq",
    {
      config: { permission: "readings.read" },
      schema: {
        summary: "A stored reading (JSON form, as the meter signed it), when it arrived and its batch",
        tags: ["metering"],
        params: readingParams,
        response: {
          200: sent({
            type: "object",
            properties: {
              reading: { type: "object", additionalProperties: true },
              receivedAt: str,
              batch: nullable({
                type: "object",
                properties: { region: str, commodity: int, intervalStart: int, part: int, status: str },
              }),
            },
          }),
        },
      },
    },
    async (request) => {
      const { params } = request;
      const [deviceId, seq] = [deviceIdParam(params.deviceId), parseSeq(params.seq)];
      await assertReadingVisible(db, request, deviceId, seq);
      return metering.reading(deviceId, seq);
    },
  );

  api.get(
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
      const { params } = request;
      const [deviceId, seq] = [deviceIdParam(params.deviceId), parseSeq(params.seq)];
      await assertReadingVisible(db, request, deviceId, seq);
      return metering.proof(deviceId, seq);
    },
  );

  api.get(
    "/v1/anchors",
    {
      config: { permission: "anchors.read" },
      schema: {
        summary: "Batches (one Merkle root per region, commodity, interval and part) and their anchors",
        tags: ["metering"],
        querystring: Type.Object({
          ...rangeProperties,
          limit: Type.Optional(pageLimit(100)),
          offset: Type.Optional(pageOffset),
          order: Type.Optional(oneOf(["asc", "desc"], { default: "asc" })),
        }),
        response: { 200: sent({ type: "object", properties: { batches: { type: "array", items: batch } } }) },
      },
    },
    async (request) => {
      const { query } = request;
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

  api.post(
    "/v1/anchors",
    {
      config: { permission: "batches.write" },
      schema: {
        summary: "Anchor every interval that has ended now, without waiting for the grace period",
        tags: ["metering"],
        body: nullable(Type.Object({ region: Type.Optional(text(2000)) })),
        response: {
          200: {
            type: "object",
            required: ["built", "anchored", "reconciled", "conflicts", "quarantined"],
            properties: { built: int, anchored: int, reconciled: int, conflicts: int, quarantined: int },
          },
        },
      },
    },
    async (request) => {
      const codes = codesOf(request.body?.region);
      const regionIds = codes?.length ? await metering.regionIdsOf(codes) : undefined;
      return metering.anchorer.run({ all: true, regionIds });
    },
  );

  api.get(
    "/v1/audit",
    {
      config: { permission: "audit.read", cost: "expensive" },
      schema: {
        summary:
          "Recompute every batch root from the stored readings, check every signature and compare with the chain",
        tags: ["metering"],
        querystring: rangeQuery,
        response: {
          200: sent(
            {
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
            ["deviceId", "seq"],
          ),
        },
      },
    },
    async (request) => {
      const { query } = request;
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

  api.get(
    "/v1/metering/stats",
    {
      config: { permission: "stats.read" },
      schema: {
        summary: "Counts of readings, batches, anchors and alerts",
        tags: ["metering"],
        response: {
          200: sent({
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
              lastReadingAt: nullable({ type: "string" }),
            },
          }),
        },
      },
    },
    () => metering.stats(),
  );
}
