import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { regionsAsked, regionsInReach } from "../auth/access.js";
import { BaseError } from "../core/errors.js";
import { nullable, oneOf } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { type Batch, type BatchStatus, batchKeyText, batchStatuses } from "./batchStore.js";
import type { Metering } from "./metering.js";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const nullableInt = nullable({ type: "integer" });
const nullableStr = nullable({ type: "string" });

const batchRow = sent({
  type: "object",
  properties: {
    key: { type: "string", description: "<region>/<commodity>/<intervalStart>/<part>" },
    region: str,
    commodity: int,
    intervalStart: str,
    part: int,
    status: oneOf(batchStatuses),
    leafCount: int,
    reason: nullableStr,
  },
} as const);

const regionStatus = sent({
  type: "object",
  properties: {
    region: str,
    regionId: str,
    pendingBatches: int,
    quarantinedBatches: int,
    unbatchedReadings: int,
    unanchoredReadings: int,
    oldestUnanchoredInterval: nullableInt,
    lastAnchor: nullable({ type: "object", properties: { at: int, block: int } }),
  },
} as const);

/** The response schema of `GET /v1/status` (docs/http-api.md "Status"). */
export const statusSchema = sent({
  type: "object",
  properties: {
    status: oneOf(["ok", "degraded"]),
    reasons: { type: "array", items: str },
    checkedAt: str,
    anchoring: {
      type: "object",
      properties: {
        regions: { type: "array", items: regionStatus },
        pendingBatches: int,
        quarantinedBatches: int,
        unanchoredReadings: int,
        consecutiveFailedRounds: int,
        lastRoundAt: nullableStr,
        lastSuccessAt: nullableStr,
        lastError: nullableStr,
      },
    },
    indexing: {
      type: "object",
      properties: {
        indexedBlock: nullableInt,
        chainHead: nullableInt,
        lag: nullableInt,
        consecutiveFailures: int,
        lastError: nullableStr,
      },
    },
    jobs: { type: "object", properties: { queued: int, running: int } },
  },
} as const);

const decisionBody = {
  type: "object",
  required: ["batch"],
  properties: {
    batch: { type: "string", maxLength: 200, description: "<region>/<commodity>/<intervalStart>/<part>" },
  },
} as const;

/**
 * The node's status (`GET /v1/status`) and the operator's handling of quarantined batches:
 * `GET /v1/batches` (public: keys, status, counts), `POST /v1/batches/release|drop` (API token).
 */
export function registerBatchRoutes(app: FastifyInstance, metering: Metering): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get(
    "/v1/status",
    {
      config: { permission: "status.read" },
      schema: {
        summary:
          "The node's health: anchoring backlog and last anchor per region, index lag, job queue depth, quarantined batches; degraded with reasons",
        tags: ["metering"],
        response: { 200: statusSchema },
      },
    },
    () => metering.status(),
  );

  api.get(
    "/v1/batches",
    {
      config: { permission: "audit.read" },
      schema: {
        summary: "Batches by status (e.g. quarantined), oldest first: keys, status, reading counts and why",
        tags: ["metering"],
        querystring: {
          type: "object",
          properties: {
            status: { type: "string", description: `comma-separated: ${batchStatuses.join(", ")}` },
            region: { type: "string", description: "region codes, comma-separated" },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            offset: { type: "integer", minimum: 0, maximum: 1_000_000_000, default: 0 },
          },
        },
        response: {
          200: sent({ type: "object", properties: { batches: { type: "array", items: batchRow } } }),
        },
      },
    },
    async (request) => {
      const { query } = request;
      const statuses = listOf(query.status);
      for (const status of statuses ?? []) {
        if (!(batchStatuses as readonly string[]).includes(status)) {
          throw new BaseError(
            "REQUEST_INVALID",
            `unknown batch status "${status.slice(0, 40)}"; expected ${batchStatuses.join(", ")}`,
            { details: { status: status.slice(0, 40) } },
          );
        }
      }
      // A region operator sees its own regions' batches only.
      const codes = regionsAsked(request.principal, "audit.read", listOf(query.region));
      if (codes?.length === 0) return { batches: [] };
      const regionIds = codes?.length ? await metering.regionIdsOf(codes) : undefined;
      const regionCodes = await metering.regionCodes();
      const batches = await metering.batches.list({
        regionIds,
        statuses: statuses as BatchStatus[] | undefined,
        limit: query.limit,
        offset: query.offset,
      });
      return {
        batches: batches.map((batch) => {
          const region = regionCodes.get(batch.regionId) ?? batch.regionId;
          return rowOf(batchKeyText(region, batch), region, batch);
        }),
      };
    },
  );

  for (const decision of ["release", "drop"] as const) {
    api.post(
      `/v1/batches/${decision}`,
      {
        config: { permission: "batches.write" },
        schema: {
          summary:
            decision === "release"
              ? "Put a quarantined batch back to pending: the next anchoring round tries it again"
              : "Drop a quarantined batch: never anchored; its readings stay stored and the audit reports it as dropped",
          tags: ["metering"],
          body: decisionBody,
          response: { 200: batchRow },
        },
      },
      async (request) => {
        const text = request.body.batch;
        const reach = regionsInReach(request.principal, "batches.write");
        if (reach !== undefined) {
          // Outside the operator's regions a batch is answered as missing.
          const region = (await metering.resolveBatch(text)).name.split("/")[0] ?? "";
          if (!reach.includes(region)) {
            throw new BaseError("BATCH_NOT_FOUND", `no batch ${text.slice(0, 100)} in your regions`, {
              details: { batch: text.slice(0, 100) },
            });
          }
        }
        const batch = await metering.decideBatch(text, decision);
        return rowOf(batch.key, batch.key.split("/")[0] ?? "", batch);
      },
    );
  }
}

function listOf(value: string | undefined): string[] | undefined {
  const list = value
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  return list?.length ? list : undefined;
}

/** A batch as the batch routes answer it. */
function rowOf(key: string, region: string, batch: Batch) {
  return {
    key,
    region,
    commodity: batch.commodity,
    intervalStart: batch.intervalStart.toString(),
    part: batch.part,
    status: batch.status,
    leafCount: batch.leafCount,
    reason: batch.statusReason,
  };
}
