import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Anvil, startAnvil } from "../helpers/anvil.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

describe("GET /v1/status on a healthy node", () => {
  let t: MeteringNode;
  beforeAll(async () => {
    t = await startMeteringNode();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("is ok, with the anchoring backlog, the last anchor per region, the index lag and the job queue", async () => {
    const key = await t.device();
    const start = intervalAgo(30);
    await t.post("/v1/readings", { readings: asJson(readingSeries(key, { start, count: 2 })) });
    const before = await t.get("/v1/status");
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ status: "ok", reasons: [] });
    expect(before.body.anchoring.regions).toEqual([
      expect.objectContaining({
        region: "CN-GD",
        unbatchedReadings: 2,
        unanchoredReadings: 2,
        pendingBatches: 0,
        oldestUnanchoredInterval: Number(start),
        lastAnchor: null,
      }),
    ]);
    expect(before.body.indexing.lag).toBeGreaterThanOrEqual(0);
    expect(before.body.indexing.chainHead).toBeGreaterThan(0);
    expect(before.body.jobs).toEqual({ queued: expect.any(Number), running: expect.any(Number) });

    expect((await t.post("/v1/anchors", {})).body).toMatchObject({ anchored: 2 });
    const after = await t.get("/v1/status");
    expect(after.body.status).toBe("ok");
    const [region] = after.body.anchoring.regions;
    expect(region).toMatchObject({
      unbatchedReadings: 0,
      unanchoredReadings: 0,
      oldestUnanchoredInterval: null,
    });
    expect(region.lastAnchor.block).toBeGreaterThan(0);
    expect(region.lastAnchor.at).toBeGreaterThan(Number(start));
    expect(after.body.anchoring.lastSuccessAt).not.toBeNull();
  });

  it("is in the OpenAPI document", async () => {
    const { body } = await t.get("/openapi.json");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(["/v1/status", "/v1/batches", "/v1/batches/release", "/v1/batches/drop"]),
    );
  });
});

describe("when the chain stops answering", () => {
  let anvil: Anvil;
  let t: MeteringNode;

  beforeAll(async () => {
    anvil = await startAnvil();
    t = await startMeteringNode({
      flags: { rpcUrl: anvil.rpcUrl },
      init: { privateKey: anvil.accounts[0]!.privateKey },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await anvil?.stop();
  });

  it("reports degraded, and keeps its batches pending for later instead of quarantining them", async () => {
    const key = await t.device();
    await t.post("/v1/readings", {
      readings: asJson(readingSeries(key, { start: intervalAgo(20), count: 1 })),
    });
    expect((await t.get("/v1/status")).body.status).toBe("ok");

    await anvil.stop();
    for (let round = 0; round < 3; round++) {
      const failed = await t.post("/v1/anchors", {});
      expect(failed.status).toBe(502);
      expect(failed.body.error.code).toMatch(/^CHAIN_/);
    }
    const status = await t.get("/v1/status");
    expect(status.status).toBe(200);
    expect(status.body.status).toBe("degraded");
    expect(status.body.reasons.join(" | ")).toMatch(/the chain does not answer/);
    expect(status.body.reasons.join(" | ")).toMatch(/anchoring rounds failed/);
    expect(status.body.indexing).toMatchObject({ chainHead: null, lag: null });
    expect(status.body.anchoring).toMatchObject({ pendingBatches: 1, quarantinedBatches: 0 });
    expect((await t.get("/v1/batches?status=quarantined")).body.batches).toEqual([]);
    expect((await t.get("/v1/alerts?kind=batch_quarantined")).body.total).toBe(0);
  });
});
