import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { alertVisible, deviceReach, deviceVisible } from "../auth/access.js";
import type { Action } from "../auth/permissions.js";
import { actorOf } from "../auth/principal.js";
import { BaseError, isBaseError } from "../core/errors.js";
import { parseTime } from "../core/parseTime.js";
import type { Queryable } from "../db/database.js";
import type { Metering } from "../metering/metering.js";
import { decimalId, nullable, oneOf, pageLimit, pageOffset, text, timeText } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { type Alert, alertSeverities, alertStatuses, createAlertStore } from "./alertStore.js";
import { maxEvidenceReadings } from "./detectors/detectorTypes.js";

const str = { type: "string" } as const;
const nullableStr = nullable({ type: "string" });
const int = { type: "integer" } as const;
const anyObject = { type: "object", additionalProperties: true } as const;

const alertSchema = sent({
  type: "object",
  properties: {
    id: str,
    kind: {
      ...str,
      description:
        "data_gap, region_data_gap, zero_run, spike, register_regression, reading_conflict, export_without_generation, community_imbalance, bad_signatures, anchor_late, sequence_gap, anchor_conflict, batch_quarantined",
    },
    severity: oneOf(alertSeverities),
    status: oneOf(alertStatuses),
    region: nullable({ type: "string", description: "region code" }),
    regionId: nullableStr,
    deviceId: nullableStr,
    message: str,
    periodStart: nullable({ type: "integer", description: "Unix start of the data the alert is about" }),
    createdAt: { ...str, description: "ISO 8601" },
    acknowledgedBy: nullableStr,
    acknowledgedAt: nullableStr,
    resolvedBy: nullableStr,
    resolvedAt: nullableStr,
    note: nullableStr,
    evidence: {
      ...anyObject,
      description: "the figures behind the alert and `readings: [{deviceId, seq}]`, the readings involved",
    },
  },
} as const);

const actionBody = nullable(
  Type.Object({ note: Type.Optional(text(10_000, "optional note, up to 2000 characters")) }),
);

const idParams = Type.Object({ id: decimalId(18) });

/** A readings reference of an alert's evidence, with the reading and its proof when they exist. */
type EvidenceReading = {
  deviceId: string;
  seq: string;
  reading: unknown;
  proof: unknown;
  proofStatus: "anchored" | "not-anchored" | "missing";
};

const listOf = (text: string | undefined) =>
  text
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** A `from`/`to` filter as a Date ({@link parseTime}); empty text is no filter. */
const dateOf = (text: string | undefined, name: string) =>
  text?.trim() ? new Date(parseTime(text, name) * 1000) : undefined;

/**
 * The readings an alert names: `evidence.readings` (detectors, register regressions), or for a
 * conflicting duplicate the stored reading with the refused one's seq.
 */
function evidenceRefs(alert: Alert): { deviceId: string; seq: string }[] {
  const listed = alert.evidence.readings;
  const refs: { deviceId: string; seq: string }[] = [];
  if (Array.isArray(listed)) {
    for (const item of listed) {
      const { deviceId, seq } = (item ?? {}) as { deviceId?: unknown; seq?: unknown };
      if (typeof deviceId === "string" && (typeof seq === "string" || typeof seq === "number")) {
        refs.push({ deviceId, seq: String(seq) });
      }
    }
  } else if (alert.deviceId && typeof alert.evidence.seq === "string") {
    refs.push({ deviceId: alert.deviceId, seq: alert.evidence.seq });
  }
  return refs.slice(0, maxEvidenceReadings);
}

async function withProof(metering: Metering | undefined, ref: { deviceId: string; seq: string }) {
  const missing: EvidenceReading = { ...ref, reading: null, proof: null, proofStatus: "missing" };
  if (!metering || !/^0x[0-9a-f]{64}$/.test(ref.deviceId) || !/^[1-9][0-9]{0,19}$/.test(ref.seq)) {
    return missing;
  }
  const deviceId = ref.deviceId as `0x${string}`;
  const seq = BigInt(ref.seq);
  let reading: unknown;
  try {
    reading = (await metering.reading(deviceId, seq)).reading;
  } catch (error) {
    if (isBaseError(error, "READING_NOT_FOUND")) return missing;
    throw error;
  }
  try {
    return { ...ref, reading, proof: await metering.proof(deviceId, seq), proofStatus: "anchored" as const };
  } catch (error) {
    if (isBaseError(error, "READING_NOT_ANCHORED")) {
      return { ...ref, reading, proof: null, proofStatus: "not-anchored" as const };
    }
    if (isBaseError(error, "READING_NOT_FOUND")) return missing;
    throw error;
  }
}

/**
 * Alerts: `GET /v1/alerts` (filters by region, kind, status, severity, device and creation time,
 * newest first, with the total), `GET /v1/alerts/:id` with the evidence readings and their Merkle
 * proofs, and the lifecycle `POST /v1/alerts/:id/acknowledge` and `/resolve` ({note}; who acts is
 * the signed-in principal). Every route is narrowed to the principal's reach (src/auth/access.ts).
 */
export function registerAlertRoutes(
  app: FastifyInstance,
  context: { db: Queryable; metering?: Metering | undefined },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const store = createAlertStore(context.db);

  /** The alert of the path, or `ALERT_NOT_FOUND` (as for a missing one) when it is outside the principal's reach. */
  async function visibleAlert(id: string, request: FastifyRequest, action: Action): Promise<Alert> {
    const alert = await store.get(id);
    if (await alertVisible(context.db, request.principal, action, alert)) return alert;
    throw new BaseError("ALERT_NOT_FOUND", `no alert has id ${alert.id}`, { details: { id: alert.id } });
  }

  api.get(
    "/v1/alerts",
    {
      config: { permission: "alerts.read" },
      schema: {
        summary: "Alerts, newest first: filter by region, kind, status, severity, device and time",
        tags: ["alerts"],
        querystring: Type.Partial(
          Type.Object({
            region: text(200, "region code, regionId or name (partial)"),
            kind: text(1000, "alert kinds, comma-separated"),
            status: text(200, "open, acknowledged, resolved (comma-separated)"),
            severity: text(200, "info, warning, critical (comma-separated)"),
            device: text(66, "deviceId"),
            from: timeText("created at or after (Unix seconds or ISO 8601)"),
            to: timeText("created before (Unix seconds or ISO 8601)"),
            limit: pageLimit(50),
            offset: pageOffset,
          }),
        ),
        response: {
          200: sent({
            type: "object",
            properties: { alerts: { type: "array", items: alertSchema }, total: int },
          }),
        },
      },
    },
    async (request) => {
      const { query } = request;
      return store.list({
        // Narrowed to the alerts the principal reaches (its devices' alerts; its regions').
        reach: deviceReach(request.principal, "alerts.read"),
        region: query.region,
        deviceId: query.device,
        kinds: listOf(query.kind),
        statuses: listOf(query.status),
        severities: listOf(query.severity),
        from: dateOf(query.from, "from"),
        to: dateOf(query.to, "to"),
        limit: query.limit,
        offset: query.offset,
      });
    },
  );

  api.get(
    "/v1/alerts/:id",
    {
      // Reads up to 20 readings and their Merkle proofs.
      config: { permission: "alerts.read", cost: "expensive" },
      schema: {
        summary:
          "One alert with its evidence: the readings involved, each with its Merkle proof once anchored",
        tags: ["alerts"],
        params: idParams,
        response: {
          200: sent({
            type: "object",
            properties: {
              alert: alertSchema,
              readings: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    deviceId: str,
                    seq: str,
                    reading: nullable({ ...anyObject, description: "JSON form, as the meter signed it" }),
                    proof: nullable({
                      ...anyObject,
                      description: "as GET /v1/readings/:deviceId/:seq/proof",
                    }),
                    proofStatus: oneOf(["anchored", "not-anchored", "missing"]),
                  },
                },
              },
            },
          }),
        },
      },
    },
    async (request) => {
      const alert = await visibleAlert(request.params.id, request, "alerts.read");
      // Evidence may name other devices (a community's imbalance): only those in reach are shown.
      const refs = [];
      for (const ref of evidenceRefs(alert)) {
        if (await deviceVisible(context.db, request.principal, "alerts.read", ref.deviceId)) refs.push(ref);
      }
      if (Array.isArray(alert.evidence.readings)) {
        const shown = new Set(refs.map((ref) => `${ref.deviceId}/${ref.seq}`));
        alert.evidence.readings = alert.evidence.readings.filter((item) => {
          const { deviceId, seq } = (item ?? {}) as { deviceId?: unknown; seq?: unknown };
          return shown.has(`${String(deviceId)}/${String(seq)}`);
        });
      }
      const readings = await Promise.all(refs.map((ref) => withProof(context.metering, ref)));
      return { alert, readings };
    },
  );

  for (const action of ["acknowledge", "resolve"] as const) {
    api.post(
      `/v1/alerts/:id/${action}`,
      {
        config: { permission: "alerts.write" },
        schema: {
          summary:
            action === "acknowledge"
              ? "Acknowledge an open alert: someone is on it (who and when are recorded)"
              : "Resolve an open or acknowledged alert (who and when are recorded)",
          tags: ["alerts"],
          params: idParams,
          body: actionBody,
          response: { 200: sent({ type: "object", properties: { alert: alertSchema } }) },
        },
      },
      async (request) => {
        const alert = await visibleAlert(request.params.id, request, "alerts.write");
        // Who acts is the signed-in principal (an address or api-key:<id>), never a name in the body.
        return { alert: await store[action](alert.id, actorOf(request.principal), request.body?.note) };
      },
    );
  }
}
