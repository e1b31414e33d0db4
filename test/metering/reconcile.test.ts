import { keccak256, stringToBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meterAnchorAbi } from "../../src/chain/artifacts/index.js";
import { asJson, intervalAgo, readingSeries, startMeteringNode } from "../helpers/metering.js";

describe("anchoring after a crash", () => {
  let t: Awaited<ReturnType<typeof startMeteringNode>>;
  const regionId = keccak256(stringToBytes("CN-GD"));
  const anchoredEvents = async (intervalStart: bigint) =>
    t.node.context.client.publicClient.getContractEvents({
      address: t.node.context.contracts.MeterAnchor,
      abi: meterAnchorAbi,
      eventName: "Anchored",
      args: { regionId, intervalStart },
      fromBlock: 0n,
    });

  beforeAll(async () => {
    t = await startMeteringNode();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("records an anchor that reached the chain before the node crashed, without anchoring it again", async () => {
    const start = intervalAgo(50);
    const key = await t.device();
    await t.post("/v1/readings", { readings: asJson(readingSeries(key, { start, count: 1 })) });
    // The node built the batch and sent its anchor, then died before recording the receipt.
    const [batch] = await t.node.metering.batches.closeBatches({
      closedBy: BigInt(Math.floor(Date.now() / 1000)),
    });
    expect(batch).toMatchObject({ status: "pending", intervalStart: start, part: 0 });
    const receipt = await t.node.context.client.sender.write({
      address: t.node.context.contracts.MeterAnchor,
      abi: meterAnchorAbi,
      functionName: "anchor",
      args: [[{ ...batch!, root: batch!.root }]],
    });
    await t.restart();

    // The node reconciles in its first anchoring round after the start; this round waits for it.
    const round = await t.post("/v1/anchors", {});
    expect(round.body).toMatchObject({ anchored: 0, conflicts: 0 });
    const stored = await t.node.metering.batches.get(batch!);
    expect(stored).toMatchObject({
      status: "anchored",
      txHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
    });
    expect(await anchoredEvents(start)).toHaveLength(1);
    expect((await t.get(`/v1/readings/${key.deviceId.slice(2)}/1/proof`)).body.anchor.txHash).toBe(
      receipt.transactionHash,
    );
  });

  it("anchors a batch built before a crash once the node is back, and once only", async () => {
    const start = intervalAgo(52);
    const key = await t.device();
    await t.post("/v1/readings", { readings: asJson(readingSeries(key, { start, count: 1 })) });
    await t.node.metering.batches.closeBatches({ closedBy: BigInt(Math.floor(Date.now() / 1000)) });
    await t.restart();
    await t.post("/v1/anchors", {});
    expect((await t.post("/v1/anchors", {})).body).toMatchObject({ built: 0, anchored: 0, reconciled: 0 });
    expect(await anchoredEvents(start)).toHaveLength(1);
    expect((await t.get(`/v1/readings/${key.deviceId.slice(2)}/1/proof`)).status).toBe(200);
  });

  it("flags a batch whose key the chain holds with another root, and raises an alert", async () => {
    const start = intervalAgo(54);
    const key = await t.device();
    await t.post("/v1/readings", { readings: asJson(readingSeries(key, { start, count: 1 })) });
    const [batch] = await t.node.metering.batches.closeBatches({
      closedBy: BigInt(Math.floor(Date.now() / 1000)),
    });
    await t.node.context.client.sender.write({
      address: t.node.context.contracts.MeterAnchor,
      abi: meterAnchorAbi,
      functionName: "anchor",
      args: [[{ ...batch!, root: `0x${"11".repeat(32)}` }]],
    });
    expect((await t.post("/v1/anchors", {})).body).toMatchObject({ conflicts: 1, anchored: 0 });
    expect(await t.node.metering.batches.get(batch!)).toMatchObject({ status: "conflict" });
    const { rows } = await t.node.context.db.query<{ kind: string }>(
      "select kind from alerts where kind = 'anchor_conflict'",
    );
    expect(rows).toHaveLength(1);
    expect(await anchoredEvents(start)).toHaveLength(1);
  });
});
