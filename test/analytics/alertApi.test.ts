import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAlertCounts, recordAlerts } from "../../src/analytics/alertStore.js";
import { detectRegionHour } from "../../src/analytics/detect.js";
import type { DeviceKey } from "../../src/metering/deviceKey.js";
import { signReading } from "../../src/metering/deviceKey.js";
import { readingToJson } from "../../src/metering/readingFormat.js";
import { regionIdOf } from "../../src/registry/regionCode.js";
import { postgresAvailable } from "../helpers/database.js";
import { type Json, type MeteringNode, startMeteringNode } from "../helpers/metering.js";

const hour = BigInt(Math.floor(Date.now() / 3_600_000) * 3600 - 5 * 3600);

/** Readings of a device at the given quarters of `hour` (0–3), seqs from 1. */
function quarters(key: DeviceKey, which: number[], deltas: { imported?: bigint; exported?: bigint } = {}) {
  let importRegister = 1_000_000n;
  let exportRegister = 0n;
  return which.map((q, i) => {
    const importDelta = deltas.imported ?? 250n;
    const exportDelta = deltas.exported ?? 0n;
    importRegister += importDelta;
    exportRegister += exportDelta;
    return readingToJson(
      signReading(key, {
        seq: BigInt(i + 1),
        intervalStart: hour + BigInt(q * 900),
        duration: 900,
        commodity: 1,
        quality: 0,
        importRegister,
        exportRegister,
        importDelta,
        exportDelta,
      }),
    );
  });
}

/** Who acts on an alert: the principal of the bootstrap admin key the test client uses. */
const admin = "api-key:bootstrap";
const pgAvailable = await postgresAvailable();
// PostgreSQL runs on developer machines and in CI: there a missing server fails the suite, not skips it.
const engines = (["pglite", "postgres"] as const).filter(
  (e) => e === "pglite" || pgAvailable || process.env.CI,
);

describe.each(engines)("alerts over HTTP on %s", (engine) => {
  let t: MeteringNode;
  let gd: DeviceKey;
  const ids: Record<string, string> = {};

  const alertIdOf = async (kind: string) => {
    const { rows } = await t.node.context.db.query<{ id: string }>(
      "select id::text as id from alerts where kind = $1",
      [kind],
    );
    return rows[0]!.id;
  };

  beforeAll(async () => {
    t = await startMeteringNode({ engine });
    await t.node.context.indexer.sync();
    for (const [code, nameZh, nameEn] of [
      ["CN-GD", "广东省", "Guangdong"],
      ["CN-ZJ", "浙江省", "Zhejiang"],
    ] as const) {
      await t.node.context.registry.propose({ kind: "approve-region", code, nameZh, nameEn });
    }
    await t.node.context.indexer.sync();
    gd = await t.device({ region: "CN-GD", kind: "consumption" });
    const zj = await t.device({ region: "CN-ZJ", kind: "consumption" });
    for (const readings of [quarters(gd, [0, 3]), quarters(zj, [0, 1, 2, 3], { exported: 500n })]) {
      const answer = await t.post("/v1/readings", { readings });
      expect(answer.body.results.map((r: Json) => r.status)).toEqual(readings.map(() => "accepted"));
    }
    for (const code of ["CN-GD", "CN-ZJ"]) {
      await detectRegionHour(t.node.context.db, t.node.analytics, {
        regionId: regionIdOf(code),
        hourStart: hour,
        anchorGraceSeconds: 300,
        now: hour + 3660n,
      });
    }
    // An alert naming a stored reading and one that was never stored.
    await recordAlerts(t.node.context.db, regionIdOf("CN-GD"), [
      {
        kind: "spike",
        severity: "warning",
        deviceId: gd.deviceId,
        periodStart: hour,
        dedupeKey: `spike:test:${hour}`,
        message: "test spike",
        evidence: {
          readings: [
            { deviceId: gd.deviceId, seq: "1" },
            { deviceId: gd.deviceId, seq: "77" },
          ],
        },
      },
    ]);
    for (const kind of ["data_gap", "region_data_gap", "export_without_generation", "spike"]) {
      ids[kind] = await alertIdOf(kind);
    }
    // Creation times a day apart, oldest first, for the time filters.
    const times = [
      "2026-01-01T00:00:00Z",
      "2026-01-02T00:00:00Z",
      "2026-01-03T00:00:00Z",
      "2026-01-04T00:00:00Z",
    ];
    for (const [i, kind] of ["data_gap", "region_data_gap", "export_without_generation", "spike"].entries()) {
      await t.node.context.db.query("update alerts set created_at = $2 where id = $1", [ids[kind], times[i]]);
    }
  });
  afterAll(async () => {
    await t?.stop();
  });

  const kinds = (body: Json) => body.alerts.map((a: Json) => a.kind);

  it("lists alerts newest first with the total, filtered by region (code or name), kind, severity and time", async () => {
    const all = await t.get("/v1/alerts");
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(kinds(all.body)).toEqual(["spike", "export_without_generation", "region_data_gap", "data_gap"]);
    expect(all.body.alerts[1]).toMatchObject({
      id: ids.export_without_generation,
      status: "open",
      severity: "warning",
      region: "CN-ZJ",
      regionId: regionIdOf("CN-ZJ"),
      periodStart: Number(hour),
      createdAt: "2026-01-03T00:00:00.000Z",
      acknowledgedBy: null,
      resolvedBy: null,
      evidence: { exported: "2000" },
    });
    for (const region of ["CN-GD", "广东", "guang", regionIdOf("CN-GD")]) {
      const answer = await t.get(`/v1/alerts?region=${encodeURIComponent(region)}`);
      expect(kinds(answer.body)).toEqual(["spike", "region_data_gap", "data_gap"]);
    }
    expect(kinds((await t.get("/v1/alerts?kind=data_gap,export_without_generation")).body)).toEqual([
      "export_without_generation",
      "data_gap",
    ]);
    expect((await t.get("/v1/alerts?severity=critical")).body).toEqual({ alerts: [], total: 0 });
    const range = await t.get(
      `/v1/alerts?from=2026-01-02T00:00:00Z&to=${Date.parse("2026-01-04T00:00:00Z") / 1000}`,
    );
    expect(kinds(range.body)).toEqual(["export_without_generation", "region_data_gap"]);
    const page = await t.get("/v1/alerts?limit=1&offset=1");
    expect(page.body.total).toBe(4);
    expect(kinds(page.body)).toEqual(["export_without_generation"]);
  });

  it("refuses bad filters with a stable code", async () => {
    const status = await t.get("/v1/alerts?status=closed");
    expect(status.status).toBe(400);
    expect(status.body.error.code).toBe("REQUEST_INVALID");
    expect(status.body.error.message).toContain("open, acknowledged, resolved");
    const time = await t.get("/v1/alerts?from=yesterday");
    expect(time.status).toBe(400);
    expect(time.body.error.code).toBe("REQUEST_INVALID");
    const region = await t.get("/v1/alerts?region=Atlantis");
    expect(region.status).toBe(404);
    expect(region.body.error.code).toBe("STATS_UNKNOWN_REGION");
  });

  it("shows an alert's evidence readings, with their proofs once anchored", async () => {
    const before = await t.get(`/v1/alerts/${ids.data_gap}`);
    expect(before.status).toBe(200);
    expect(before.body.alert).toMatchObject({ id: ids.data_gap, kind: "data_gap", deviceId: gd.deviceId });
    expect(before.body.readings.map((r: Json) => [r.seq, r.proofStatus])).toEqual([
      ["1", "not-anchored"],
      ["2", "not-anchored"],
    ]);
    expect(before.body.readings[0].reading).toMatchObject({ seq: "1", intervalStart: Number(hour) });
    expect(before.body.readings[0].proof).toBeNull();

    expect((await t.post("/v1/anchors", { region: "CN-GD" })).status).toBe(200);
    const after = await t.get(`/v1/alerts/${ids.data_gap}`);
    expect(after.body.readings.map((r: Json) => r.proofStatus)).toEqual(["anchored", "anchored"]);
    const proof = after.body.readings[1].proof;
    expect(proof).toMatchObject({
      treeSize: 1,
      batch: { region: "CN-GD", intervalStart: Number(hour) + 2700 },
    });
    expect(proof.root).toMatch(/^[0-9a-f]{64}$/);

    const spike = await t.get(`/v1/alerts/${ids.spike}`);
    expect(spike.body.readings.map((r: Json) => [r.seq, r.proofStatus])).toEqual([
      ["1", "anchored"],
      ["77", "missing"],
    ]);
    expect(spike.body.readings[1].reading).toBeNull();
  });

  it("answers ALERT_NOT_FOUND for an unknown alert and REQUEST_INVALID for a malformed id", async () => {
    const missing = await t.get("/v1/alerts/999999");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("ALERT_NOT_FOUND");
    const malformed = await t.get("/v1/alerts/abc");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("REQUEST_INVALID");
    const acknowledge = await t.post("/v1/alerts/999999/acknowledge", { by: "Li Wei" });
    expect(acknowledge.status).toBe(404);
    expect(acknowledge.body.error.code).toBe("ALERT_NOT_FOUND");
  });

  it("acknowledges and resolves as the signed-in principal (a `by` in the body is ignored), with when and notes, and refuses a repeated transition", async () => {
    const id = ids.data_gap;
    const url = `${t.node.apiUrl}/v1/alerts/${id}/acknowledge`;
    const anonymous = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by: "someone" }),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as Json).error.code).toBe("AUTH_REQUIRED");

    const startedAt = Date.now();
    const acknowledged = await t.post(`/v1/alerts/${id}/acknowledge`, {
      by: "Li Wei (Guangdong Energy Bureau)",
      note: "meter crew sent",
    });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.alert).toMatchObject({
      id,
      status: "acknowledged",
      acknowledgedBy: admin,
      note: "meter crew sent",
      resolvedBy: null,
      resolvedAt: null,
    });
    const at = Date.parse(acknowledged.body.alert.acknowledgedAt);
    expect(at).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);

    const twice = await t.post(`/v1/alerts/${id}/acknowledge`, { by: "Zhang Min" });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({
      code: "ALERT_ALREADY_ACKNOWLEDGED",
      details: { id, acknowledgedBy: admin },
    });

    const resolved = await t.post(`/v1/alerts/${id}/resolve`, { by: "Zhang Min", note: "meter replaced" });
    expect(resolved.status).toBe(200);
    expect(resolved.body.alert).toMatchObject({
      status: "resolved",
      acknowledgedBy: admin,
      resolvedBy: admin,
      note: "meter crew sent\nmeter replaced",
    });
    expect(Date.parse(resolved.body.alert.resolvedAt)).toBeGreaterThanOrEqual(at);

    for (const action of ["resolve", "acknowledge"]) {
      const again = await t.post(`/v1/alerts/${id}/${action}`, { by: "Zhang Min" });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe("ALERT_ALREADY_RESOLVED");
    }
    expect((await t.get(`/v1/alerts/${id}`)).body.alert.status).toBe("resolved");
  });

  it("resolves an open alert directly, and lets only one of two simultaneous acknowledgements through", async () => {
    const direct = await t.post(`/v1/alerts/${ids.region_data_gap}/resolve`, { by: "Zhang Min" });
    expect(direct.body.alert).toMatchObject({
      status: "resolved",
      acknowledgedBy: null,
      resolvedBy: admin,
    });

    const race = await Promise.all(
      ["Li Wei", "Zhang Min"].map((by) =>
        t.post(`/v1/alerts/${ids.export_without_generation}/acknowledge`, { by }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(race.find((r) => r.status === 409)!.body.error.code).toBe("ALERT_ALREADY_ACKNOWLEDGED");
  });

  it("filters by status and counts per region the open alerts the list shows (not acknowledged ones)", async () => {
    expect(kinds((await t.get("/v1/alerts?status=resolved")).body).sort()).toEqual([
      "data_gap",
      "region_data_gap",
    ]);
    expect(kinds((await t.get("/v1/alerts?status=open,acknowledged")).body)).toEqual([
      "spike",
      "export_without_generation",
    ]);
    const counts = await openAlertCounts(t.node.context.db);
    // CN-ZJ's export_without_generation alert was acknowledged above: the tile links to status=open.
    for (const code of ["CN-GD", "CN-ZJ"]) {
      const listed = (await t.get(`/v1/alerts?region=${code}&status=open`)).body.alerts.length;
      expect(counts.get(regionIdOf(code)) ?? 0).toBe(listed);
    }
    expect(counts.get(regionIdOf("CN-GD"))).toBe(1);
    expect(counts.get(regionIdOf("CN-ZJ"))).toBeUndefined();
    const overview = (await t.get("/v1/stats/overview")).body.regions;
    expect(overview.find((r: Json) => r.code === "CN-ZJ").openAlerts).toBe(0);
  });

  it("documents the alert routes in the OpenAPI file", async () => {
    const { body } = await t.get("/openapi.json");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        "/v1/alerts",
        "/v1/alerts/{id}",
        "/v1/alerts/{id}/acknowledge",
        "/v1/alerts/{id}/resolve",
      ]),
    );
  });
});
