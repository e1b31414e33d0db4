import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAlerts } from "../../src/analytics/alertStore.js";
import type { Binding } from "../../src/auth/roles.js";
import { type DeviceKey, generateDeviceKey } from "../../src/metering/deviceKey.js";
import { regionIdOf } from "../../src/registry/regionCode.js";
import { apiKeyHeaders } from "../helpers/auth.js";
import {
  asJson,
  intervalAgo,
  type Json,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

const alice = "0x00000000000000000000000000000000000a11ce" as const;
const bob = "0x0000000000000000000000000000000000000b0b" as const;
const carol = "0x00000000000000000000000000000000000ca201" as const;
const c1 = "0x00000000000000000000000000000000000c0111" as const;
const c2 = "0x00000000000000000000000000000000000c0222" as const;

describe("who sees what over HTTP", () => {
  let t: MeteringNode;
  const keys: Record<string, DeviceKey> = {};
  const id = (who: string) => keys[who]!.deviceId;
  const as: Record<string, Record<string, string>> = {};

  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const response = await fetch(`${t.node.apiUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: Json = text;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: response.status, body: json, text };
  };

  beforeAll(async () => {
    const owners: [string, string, string][] = [];
    t = await startMeteringNode();
    await t.device({ region: "CN-GD" });
    await t.device({ region: "CN-ZJ" });
    for (const [who, owner, community, region] of [
      ["alice", alice, c1, "CN-GD"],
      ["bob", bob, c1, "CN-GD"],
      ["carol", carol, c2, "CN-ZJ"],
    ] as const) {
      const key = generateDeviceKey("ed25519");
      const answer = await t.post("/v1/devices", {
        devices: [
          {
            region,
            kind: "bidirectional",
            scheme: key.scheme,
            publicKey: Buffer.from(key.publicKey).toString("hex"),
          },
        ],
      });
      expect(answer.status).toBe(200);
      keys[who] = key;
      owners.push([key.deviceId, owner, community]);
    }
    await t.node.context.indexer.sync();
    // The registry contract lets only consortium members own devices for now; a household's ownership
    // is set in the node's mirror, which is what scoping reads.
    for (const [deviceId, owner, community] of owners) {
      await t.node.context.db.query("update devices set owner = $2, community = $3 where device_id = $1", [
        deviceId,
        owner,
        community,
      ]);
    }
    for (const who of ["alice", "bob", "carol"]) {
      const readings = asJson(readingSeries(keys[who]!, { start: intervalAgo(8), count: 2 }));
      expect((await t.post("/v1/readings", { readings })).status).toBe(200);
    }
    await t.post("/v1/anchors", {});
    await recordAlerts(t.node.context.db, regionIdOf("CN-GD"), [
      {
        kind: "spike",
        severity: "warning",
        deviceId: id("alice"),
        periodStart: intervalAgo(8),
        dedupeKey: "spike:alice",
        message: "alice spike",
        evidence: { readings: [{ deviceId: id("alice"), seq: "1" }] },
      },
    ]);
    const db = t.node.context.db;
    const key = (bindings: Binding[], account?: `0x${string}`) => apiKeyHeaders(db, bindings, { account });
    as.alice = await key([{ role: "prosumer", scope: { kind: "community", community: c1 } }], alice);
    as.bob = await key([{ role: "prosumer", scope: { kind: "community", community: c1 } }], bob);
    as.c1 = await key([{ role: "community-operator", scope: { kind: "community", community: c1 } }]);
    as.zj = await key([{ role: "region-operator", scope: { kind: "region", region: "CN-ZJ" } }]);
    as.gd = await key([{ role: "region-operator", scope: { kind: "region", region: "CN-GD" } }]);
    as.regulator = await key([{ role: "regulator", scope: { kind: "all" } }]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  const alertId = async () =>
    (await t.node.context.db.query<{ id: string }>("select id::text as id from alerts where kind = 'spike'"))
      .rows[0]!.id;

  it("lets a prosumer read its own readings and no route shows it another prosumer's", async () => {
    expect((await call("GET", `/v1/readings/${id("alice")}/1`, as.alice)).status).toBe(200);
    expect((await call("GET", `/v1/readings/${id("alice")}/1/proof`, as.alice)).status).toBe(200);
    const refusals = [
      [`/v1/readings/${id("alice")}/1`, "READING_NOT_FOUND"],
      [`/v1/readings/${id("alice")}/1/proof`, "READING_NOT_FOUND"],
      [`/v1/devices/${id("alice")}/series`, "REGISTRY_DEVICE_NOT_FOUND"],
      [`/v1/devices/${id("alice")}/series?format=csv`, "REGISTRY_DEVICE_NOT_FOUND"],
      [`/v1/devices/${id("alice")}`, "REGISTRY_DEVICE_NOT_FOUND"],
      [`/v1/alerts/${await alertId()}`, "ALERT_NOT_FOUND"],
    ];
    for (const [path, code] of refusals) {
      const answer = await call("GET", path!, as.bob);
      expect([path, answer.status, answer.body.error?.code]).toEqual([path, 404, code]);
    }
    // Same answer as for a reading that does not exist.
    const missing = await call("GET", `/v1/readings/${id("bob")}/99`, as.bob);
    const hidden = await call("GET", `/v1/readings/${id("alice")}/99`, as.bob);
    expect(hidden.body.error.message.replace(id("alice").slice(2), "X")).toBe(
      missing.body.error.message.replace(id("bob").slice(2), "X"),
    );
    const list = await call("GET", "/v1/devices", as.bob);
    expect(list.body.devices.map((d: Json) => d.deviceId)).toEqual([id("bob")]);
    expect((await call("GET", "/v1/alerts", as.bob)).body.total).toBe(0);
    const own = await call("GET", `/v1/alerts/${await alertId()}`, as.alice);
    expect(own.body.readings.map((r: Json) => r.proofStatus)).toEqual(["anchored"]);
  });

  it("shows a community operator its members' devices and a region operator its regions'", async () => {
    const members = await call("GET", "/v1/devices", as.c1);
    expect(members.body.devices.map((d: Json) => d.deviceId).sort()).toEqual([id("alice"), id("bob")].sort());
    expect((await call("GET", `/v1/readings/${id("carol")}/1`, as.c1)).status).toBe(404);
    const zj = await call("GET", "/v1/devices", as.zj);
    expect(zj.body.devices.every((d: Json) => d.region === "CN-ZJ")).toBe(true);
    expect(zj.body.devices.map((d: Json) => d.deviceId)).toContain(id("carol"));
    expect((await call("GET", `/v1/readings/${id("carol")}/1`, as.zj)).status).toBe(200);
    expect((await call("GET", `/v1/readings/${id("alice")}/1`, as.zj)).status).toBe(404);
  });

  it("lets a region operator audit and list batches of its own regions only", async () => {
    const regionsOf = (batches: Json[]) => [...new Set(batches.map((b: Json) => b.region))].sort();
    expect(regionsOf((await call("GET", "/v1/batches?status=anchored", as.regulator)).body.batches)).toEqual([
      "CN-GD",
      "CN-ZJ",
    ]);
    expect(regionsOf((await call("GET", "/v1/batches?status=anchored", as.zj)).body.batches)).toEqual([
      "CN-ZJ",
    ]);
    expect((await call("GET", "/v1/batches?status=anchored&region=CN-GD", as.zj)).body.batches).toEqual([]);
    const own = await call("GET", "/v1/audit", as.zj);
    const all = await call("GET", "/v1/audit", as.regulator);
    expect(own.body.ok).toBe(true);
    expect(own.body.readings).toBeGreaterThan(0);
    expect(own.body.readings).toBeLessThan(all.body.readings);
    expect((await call("GET", "/v1/audit?region=CN-GD", as.zj)).body).toMatchObject({
      batches: 0,
      readings: 0,
    });
    const [gdBatch] = (await call("GET", "/v1/batches?status=anchored&region=CN-GD", as.gd)).body.batches;
    const release = await call("POST", "/v1/batches/release", as.zj, { batch: gdBatch.key });
    expect([release.status, release.body.error.code]).toEqual([404, "BATCH_NOT_FOUND"]);
  });

  it("refuses a regulator without a purpose and logs the purpose it states", async () => {
    const refused = await call("GET", `/v1/readings/${id("carol")}/1`, as.regulator!);
    expect([refused.status, refused.body.error.code]).toEqual([403, "AUTH_PURPOSE_REQUIRED"]);
    const allowed = await call("GET", `/v1/readings/${id("carol")}/1`, {
      ...as.regulator,
      "x-gridledger-purpose": "tariff review 2026",
    });
    expect(allowed.status).toBe(200);
    const log = await call("GET", "/v1/access-log?limit=1000", as.regulator);
    expect(log.body.entries).toContainEqual(
      expect.objectContaining({
        roles: ["regulator"],
        action: "readings.read",
        object: `/v1/readings/${id("carol")}/1`,
        purpose: "tariff review 2026",
      }),
    );
    expect((await call("GET", "/v1/access-log/verify", as.regulator)).body).toMatchObject({ ok: true });
  });

  it("serves a profile to its owner and its region operator, hides it from others, and erases it", async () => {
    const profile = {
      name: "Alice Wong",
      postalAddress: "1 Pearl Street",
      contact: "alice@example.org",
      meterLocation: "garage",
    };
    expect((await call("PUT", `/v1/profiles/${alice}`, as.alice, profile)).status).toBe(200);
    expect((await call("PUT", `/v1/profiles/${alice}`, as.bob, profile)).status).toBe(404);
    expect((await call("GET", `/v1/profiles/${alice}`, as.gd)).body).toMatchObject(profile);
    expect((await call("GET", `/v1/profiles/${alice}`, as.zj)).body.error.code).toBe("PROFILE_NOT_FOUND");
    expect((await call("GET", `/v1/profiles/${alice}`, as.bob)).body.error.code).toBe("PROFILE_NOT_FOUND");
    const proofBefore = await call("GET", `/v1/readings/${id("alice")}/1/proof`, as.alice);
    expect((await call("DELETE", `/v1/profiles/${alice}`, as.alice)).body).toMatchObject({ erased: true });
    const after = await call("GET", `/v1/profiles/${alice}`, as.alice);
    expect([after.status, after.body.error.code]).toEqual([404, "PROFILE_ERASED"]);
    // Readings and proofs do not depend on the profile.
    expect((await call("GET", `/v1/readings/${id("alice")}/1/proof`, as.alice)).body).toEqual(
      proofBefore.body,
    );
  });

  it("does not break down a region with fewer than k devices for the public", async () => {
    const open = await call("GET", "/v1/stats/series?region=CN-ZJ");
    expect(open.body).toMatchObject({ suppressed: true, totals: null, points: [] });
    expect(open.body.reason).toMatch(/fewer than 5 devices/);
    const operator = await call("GET", "/v1/stats/series?region=CN-ZJ", as.zj);
    expect(operator.body.suppressed).toBeUndefined();
    expect(operator.body.points.length).toBeGreaterThan(0);
    const overview = await call("GET", "/v1/stats/overview");
    expect(overview.body.regions.find((r: Json) => r.code === "CN-ZJ")).toMatchObject({
      suppressed: true,
      consumptionWh: null,
    });
  });
});
