import { keccak256, stringToBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meterAnchorAbi } from "../../src/chain/artifacts/index.js";
import { verifyInclusion } from "../../src/metering/merkleTree.js";
import { checkProof, type ReadingProof } from "../../src/metering/readingProof.js";
import { postgresAvailable } from "../helpers/database.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/^0x/, ""), "hex"));

const pgAvailable = await postgresAvailable();
// PostgreSQL runs on developer machines and in CI: there a missing server fails the suite, not skips it.
const engines = (["pglite", "postgres"] as const).filter(
  (e) => e === "pglite" || pgAvailable || process.env.CI,
);

describe.each(engines)("batches, anchors, proofs and audit on %s", (engine) => {
  let t: MeteringNode;
  const send = async (readings: unknown[]) => (await t.post("/v1/readings", { readings })).body.results;
  const anchorOf = (regionId: `0x${string}`, commodity: number, intervalStart: bigint, part: number) =>
    t.node.context.client.publicClient.readContract({
      address: t.node.context.contracts.MeterAnchor,
      abi: meterAnchorAbi,
      functionName: "anchorOf",
      args: [regionId, commodity, intervalStart, part],
    });

  beforeAll(async () => {
    t = await startMeteringNode({ engine });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("anchors a closed interval's root, count and totals, and proves each reading against it", async () => {
    const start = intervalAgo(20);
    const keys = await Promise.all([t.device(), t.device(), t.device()]);
    for (const [i, key] of keys.entries()) {
      await send(
        asJson(readingSeries(key, { start, count: 1, importDelta: BigInt(100 * (i + 1)), exportDelta: 5n })),
      );
    }
    const before = await t.get(`/v1/readings/${keys[0]!.deviceId.slice(2)}/1/proof`);
    expect(before.status).toBe(404);
    expect(before.body.error.code).toBe("READING_NOT_ANCHORED");

    const round = await t.post("/v1/anchors", { region: "CN-GD" });
    expect(round.status).toBe(200);
    expect(round.body.anchored).toBeGreaterThanOrEqual(1);

    const regionId = keccak256(stringToBytes("CN-GD"));
    const [root, leafCount, importTotal, exportTotal, anchoredAt] = await anchorOf(regionId, 1, start, 0);
    expect(leafCount).toBe(3);
    expect(importTotal).toBe(600n);
    expect(exportTotal).toBe(15n);
    expect(anchoredAt).toBeGreaterThan(0n);

    for (const key of keys) {
      const { status, body } = await t.get(`/v1/readings/${key.deviceId.slice(2)}/1/proof`);
      expect(status).toBe(200);
      const proof = body as ReadingProof;
      expect(proof.root).toBe(root.slice(2));
      expect(proof.treeSize).toBe(3);
      expect(proof.batch).toEqual({
        region: "CN-GD",
        regionId: regionId.slice(2),
        commodity: 1,
        intervalStart: Number(start),
        part: 0,
      });
      expect(proof.anchor.contract.toLowerCase()).toBe(t.node.context.contracts.MeterAnchor.toLowerCase());
      expect(proof.anchor.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(checkProof(proof).problems).toEqual([]);
      expect(
        verifyInclusion(
          fromHex(proof.leafHash),
          proof.leafIndex,
          proof.treeSize,
          proof.auditPath.map(fromHex),
          fromHex(root),
        ),
      ).toBe(true);
      // The leaf order is by deviceId bytes.
      const sorted = [...keys].map((k) => k.deviceId).sort();
      expect(proof.leafIndex).toBe(sorted.indexOf(key.deviceId));
    }
  });

  it("a proof with an altered reading or path does not verify", async () => {
    const key = await t.device();
    const start = intervalAgo(24);
    await send(asJson(readingSeries(key, { start, count: 1 })));
    await t.post("/v1/anchors", {});
    const proof = (await t.get(`/v1/readings/${key.deviceId.slice(2)}/1/proof`)).body as ReadingProof;
    expect(checkProof(proof).problems).toEqual([]);
    const altered = { ...proof, reading: { ...proof.reading, importDelta: "251" } };
    expect(checkProof(altered).problems.join(" ")).toMatch(/does not hash to leafHash/);
    const wrongRegion = { ...proof, batch: { ...proof.batch, region: "CN-ZJ" } };
    expect(checkProof(wrongRegion).problems.join(" ")).toMatch(/regionId/);
  });

  it("puts a reading that arrives after its interval was anchored into part 1, never into two batches", async () => {
    const start = intervalAgo(30);
    const [early, late] = await Promise.all([t.device(), t.device()]);
    await send(asJson(readingSeries(early, { start, count: 1 })));
    await t.post("/v1/anchors", {});
    expect((await send(asJson(readingSeries(late, { start, count: 1 }))))[0].status).toBe("accepted");
    await t.post("/v1/anchors", {});
    const regionId = keccak256(stringToBytes("CN-GD"));
    const part0 = await anchorOf(regionId, 1, start, 0);
    const part1 = await anchorOf(regionId, 1, start, 1);
    expect(part0[1]).toBe(1);
    expect(part1[1]).toBe(1);
    expect(part0[0]).not.toBe(part1[0]);
    const lateProof = (await t.get(`/v1/readings/${late.deviceId.slice(2)}/1/proof`)).body as ReadingProof;
    expect(lateProof.batch.part).toBe(1);
    const earlyProof = (await t.get(`/v1/readings/${early.deviceId.slice(2)}/1/proof`)).body as ReadingProof;
    expect(earlyProof.batch.part).toBe(0);
    const { body } = await t.get(`/v1/anchors?region=CN-GD&from=${start}&to=${start + 1n}`);
    expect(body.batches.map((b: { part: number; status: string }) => [b.part, b.status])).toEqual([
      [0, "anchored"],
      [1, "anchored"],
    ]);
  });

  it("waits while readings of an interval still arrive, but not for ever", async () => {
    const start = intervalAgo(200);
    const key = await t.device();
    await send(asJson(readingSeries(key, { start, count: 1 })));
    const now = BigInt(Math.floor(Date.now() / 1000));
    const { batches } = t.node.metering;
    // A reading came in just now: an interval that ended recently is not closed yet…
    const recent = await batches.closeBatches({
      closedBy: now,
      quietSince: new Date(Date.now() - 60_000),
      closedLongBy: start,
    });
    expect(recent.filter((b) => b.intervalStart === start)).toEqual([]);
    // …but one that ended long before is, though readings keep trickling in.
    const old = await batches.closeBatches({
      closedBy: now,
      quietSince: new Date(Date.now() - 60_000),
      closedLongBy: start + 900n,
    });
    expect(old.filter((b) => b.intervalStart === start)).toHaveLength(1);
  });

  it("names a reading altered in the database, and a removed one, in the audit", async () => {
    const start = intervalAgo(40);
    const [a, b, c] = await Promise.all([t.device(), t.device(), t.device()]);
    for (const key of [a, b, c]) await send(asJson(readingSeries(key!, { start, count: 1 })));
    await t.post("/v1/anchors", {});
    const range = `from=${start}&to=${start + 1n}`;
    const clean = await t.get(`/v1/audit?${range}`);
    expect(clean.body).toMatchObject({ ok: true, batches: 1, readings: 3, findings: [] });

    const { db } = t.node.context;
    // Analytics columns changed behind the meter's back: the signed message no longer matches them.
    await db.query("update readings set import_delta = import_delta + 1000 where device_id = $1", [
      a!.deviceId,
    ]);
    // The signed bytes themselves changed: the signature no longer verifies, and the root differs.
    await db.query(
      "update readings set message = overlay(message placing '\\x09'::bytea from 90) where device_id = $1",
      [b!.deviceId],
    );
    const tampered = await t.get(`/v1/audit?${range}`);
    expect(tampered.body.ok).toBe(false);
    const findings = tampered.body.findings as { kind: string; deviceId?: string; seq?: string }[];
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "tampered", deviceId: a!.deviceId, seq: "1" }),
        expect.objectContaining({ kind: "bad_signature", deviceId: b!.deviceId, seq: "1" }),
        expect.objectContaining({ kind: "chain_mismatch" }),
      ]),
    );

    await db.query("delete from readings where device_id = $1", [c!.deviceId]);
    const missing = await t.get(`/v1/audit?${range}`);
    expect(missing.body.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "missing" })]),
    );
  });
});
