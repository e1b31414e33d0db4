import { keccak256, stringToBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meterAnchorAbi } from "../../src/chain/artifacts/index.js";
import { type DeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { encodeReading } from "../../src/metering/readingFormat.js";
import { runCli } from "../helpers/cli.js";
import { asJson, intervalAgo, readingSeries, startMeteringNode } from "../helpers/metering.js";

const gd = keccak256(stringToBytes("CN-GD"));
const zj = keccak256(stringToBytes("CN-ZJ"));
const hostile = -9_000_000_000_000_000_000n;

describe("a batch the chain refuses is set aside and the others are still anchored", () => {
  let t: Awaited<ReturnType<typeof startMeteringNode>>;
  const start = intervalAgo(40);
  let gdKey: DeviceKey;
  let zjKey: DeviceKey;
  const cli = (...args: string[]) => runCli(["--node", t.node.apiUrl, "--data-dir", t.dataDir, ...args]);
  const anchorOf = (regionId: `0x${string}`, commodity: number, intervalStart: bigint, part = 0) =>
    t.node.context.client.publicClient.readContract({
      address: t.node.context.contracts.MeterAnchor,
      abi: meterAnchorAbi,
      functionName: "anchorOf",
      args: [regionId, commodity, intervalStart, part],
    });

  /**
   * Stores a reading straight into the database, as an older node that did not check the ranges did
   * (or a hand edit): `intervalStart` −9e18 signed by the device, or a commodity the contract refuses.
   */
  async function storeBypassingIngest(
    key: DeviceKey,
    regionId: string,
    fields: { intervalStart: bigint; commodity: number },
  ) {
    const reading = signReading(key, {
      seq: 1000n,
      intervalStart: fields.intervalStart,
      duration: 900,
      commodity: 1,
      quality: 0,
      importRegister: 5_000_000n,
      exportRegister: 0n,
      importDelta: 100n,
      exportDelta: 0n,
    });
    const message = encodeReading(reading);
    message[56] = fields.commodity;
    await t.node.context.db.query(
      `insert into readings (device_id, seq, region_id, commodity, interval_start, duration, quality,
         import_register, export_register, import_delta, export_delta, message, signature)
       values ($1, 1000, $2, $3, $4, 900, 0, 5000000, 0, 100, 0, $5, $6)`,
      [key.deviceId, regionId, fields.commodity, fields.intervalStart.toString(), message, reading.signature],
    );
  }

  beforeAll(async () => {
    t = await startMeteringNode();
    gdKey = await t.device({ region: "CN-GD" });
    zjKey = await t.device({ region: "CN-ZJ" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("quarantines the −9e18 batch and a batch the contract reverts, with alerts, and anchors the rest", async () => {
    for (const key of [gdKey, zjKey]) {
      const sent = await t.post("/v1/readings", {
        readings: asJson(readingSeries(key, { start, count: 2 })),
      });
      expect(sent.body.results.map((r: { status: string }) => r.status)).toEqual(["accepted", "accepted"]);
    }
    await storeBypassingIngest(gdKey, gd, { intervalStart: hostile, commodity: 1 });
    // Commodity 5 fits the ABI but the contract refuses it: the 5-batch transaction reverts as a whole.
    await storeBypassingIngest(zjKey, zj, { intervalStart: start, commodity: 5 });

    const round = await t.post("/v1/anchors", {});
    expect(round.status).toBe(200);
    expect(round.body).toMatchObject({ built: 6, anchored: 4, quarantined: 2, conflicts: 0 });
    for (const regionId of [gd, zj]) {
      for (const intervalStart of [start, start + 900n]) {
        const [root, leafCount] = await anchorOf(regionId, 1, intervalStart);
        expect(BigInt(root)).not.toBe(0n);
        expect(leafCount).toBe(1);
      }
    }
    expect(BigInt((await anchorOf(zj, 5, start))[0])).toBe(0n);

    const listed = await t.get("/v1/batches?status=quarantined");
    expect(listed.status).toBe(200);
    expect(listed.body.batches.map((b: { key: string }) => b.key)).toEqual([
      `CN-GD/1/${hostile}/0`,
      `CN-ZJ/5/${start}/0`,
    ]);
    expect(listed.body.batches[0].reason).toMatch(/BATCH_OUT_OF_CONTRACT_RANGE: intervalStart/);
    expect(listed.body.batches[1].reason).toMatch(/METER_ANCHOR_INVALID_COMMODITY/);

    const alerts = await t.get("/v1/alerts?kind=batch_quarantined");
    expect(alerts.body.alerts.map((a: { message: string }) => a.message.split(" ")[1]).sort()).toEqual([
      `CN-GD/1/${hostile}/0`,
      `CN-ZJ/5/${start}/0`,
    ]);
    expect(alerts.body.alerts.every((a: { severity: string }) => a.severity === "critical")).toBe(true);
  });

  it("audits the quarantined batches as such instead of answering 502, and reports degraded", async () => {
    const audit = await t.get("/v1/audit");
    expect(audit.status).toBe(200);
    expect(audit.body.ok).toBe(false);
    // The hand-made commodity-5 reading is also reported for what it is: not what its device signed.
    expect(
      audit.body.findings.map((f: { kind: string; intervalStart: string }) => [f.kind, f.intervalStart]),
    ).toEqual([
      ["quarantined", hostile.toString()],
      ["tampered", start.toString()],
      ["bad_signature", start.toString()],
      ["quarantined", start.toString()],
    ]);
    const status = await t.get("/v1/status");
    expect(status.status).toBe(200);
    expect(status.body.status).toBe("degraded");
    expect(status.body.reasons.join(" ")).toMatch(/2 batch\(es\) quarantined/);
    expect(status.body.anchoring.quarantinedBatches).toBe(2);
    const zjStatus = status.body.anchoring.regions.find((r: { region: string }) => r.region === "CN-ZJ");
    expect(zjStatus).toMatchObject({ quarantinedBatches: 1, pendingBatches: 0, unanchoredReadings: 1 });
    expect(zjStatus.lastAnchor.block).toBeGreaterThan(0);
  });

  it("keeps anchoring after a restart: new readings are anchored, the quarantined batches stay aside", async () => {
    await t.restart();
    const later = await t.post("/v1/readings", {
      readings: asJson(
        readingSeries(gdKey, {
          start: start + 1800n,
          count: 1,
          firstSeq: 3n,
          registersBefore: [1_000_500n, 0n],
        }),
      ),
    });
    expect(later.body.results[0].status).toBe("accepted");
    const round = await t.post("/v1/anchors", {});
    expect(round.status).toBe(200);
    expect(round.body).toMatchObject({ built: 1, anchored: 1, quarantined: 0 });
    expect(BigInt((await anchorOf(gd, 1, start + 1800n))[0])).not.toBe(0n);
    expect((await t.get("/v1/batches?status=quarantined")).body.batches).toHaveLength(2);
  });

  it("lets the operator release (retried, refused again) and drop batches from the CLI", async () => {
    const zjBatch = `CN-ZJ/5/${start}/0`;
    const gdBatch = `CN-GD/1/${hostile}/0`;
    const listed = await cli("batch", "list", "--status", "quarantined", "--json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((b: { key: string }) => b.key)).toEqual([gdBatch, zjBatch]);

    const released = await cli("batch", "release", zjBatch);
    expect(released.stderr).toBe("");
    expect(released.stdout).toMatch(/status:\s+pending/);
    // The next round (this one, or the node's periodic one if it came first) refuses it again.
    expect((await t.post("/v1/anchors", {})).body).toMatchObject({ anchored: 0, conflicts: 0 });
    const requarantined = await t.get("/v1/batches?status=quarantined,pending&region=CN-ZJ");
    expect(requarantined.body.batches).toMatchObject([{ key: zjBatch, status: "quarantined" }]);
    const zjAlerts = await t.get("/v1/alerts?kind=batch_quarantined&region=CN-ZJ");
    expect(zjAlerts.body.total).toBe(2);

    for (const key of [gdBatch, zjBatch]) {
      const dropped = await cli("batch", "drop", key, "--json");
      expect(dropped.code).toBe(0);
      expect(JSON.parse(dropped.stdout)).toMatchObject({ key, status: "dropped" });
    }
    const twice = await cli("batch", "drop", gdBatch);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/BATCH_NOT_QUARANTINED/);
    const unknown = await t.post("/v1/batches/release", { batch: `CN-GD/1/${start}/7` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("BATCH_NOT_FOUND");
    const garbled = await t.post("/v1/batches/release", { batch: "CN-GD/one/two" });
    expect(garbled.body.error.code).toBe("BATCH_KEY_INVALID");

    // Dropped batches are reported, not failed; their readings stay stored.
    const verify = await cli("verify", "--region", "CN-GD", "--json");
    expect(verify.stderr).toBe("");
    expect(verify.code).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.ok).toBe(true);
    expect(report.findings.map((f: { kind: string }) => f.kind)).toEqual(["dropped"]);
    const stored = await t.get(`/v1/readings/${gdKey.deviceId.slice(2)}/1000`);
    expect(stored.body.batch).toMatchObject({ region: "CN-GD", status: "dropped" });
    const status = await t.get("/v1/status");
    expect(status.body).toMatchObject({ status: "ok", reasons: [] });
  });

  it("puts the readings of an interval beyond a batch's capacity into the next parts", async () => {
    const interval = intervalAgo(60);
    const keys = [gdKey, await t.device(), await t.device(), await t.device(), await t.device()];
    for (const key of keys.slice(1)) {
      await t.post("/v1/readings", { readings: asJson(readingSeries(key, { start: interval, count: 1 })) });
    }
    await t.post("/v1/readings", {
      readings: asJson(
        readingSeries(gdKey, { start: interval, count: 1, firstSeq: 10n, registersBefore: [2_000_000n, 0n] }),
      ),
    });
    const built = await t.node.metering.batches.closeBatches({
      closedBy: interval + 900n,
      regionIds: [gd],
      maxLeaves: 2,
    });
    expect(built.map((b) => [b.intervalStart, b.part, b.leafCount])).toEqual([
      [interval, 0, 2],
      [interval, 1, 2],
      [interval, 2, 1],
    ]);
    const { rows } = await t.node.context.db.query<{ part: number; n: number }>(
      "select part, count(*)::int as n from readings where region_id = $1 and interval_start = $2 group by part order by part",
      [gd, interval.toString()],
    );
    expect(rows).toEqual([
      { part: 0, n: 2 },
      { part: 1, n: 2 },
      { part: 2, n: 1 },
    ]);
  });

  it("needs the API token to release or drop a batch", async () => {
    const response = await fetch(`${t.node.apiUrl}/v1/batches/drop`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ batch: `CN-GD/1/${start}/0` }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("AUTH_REQUIRED");
  });
});
