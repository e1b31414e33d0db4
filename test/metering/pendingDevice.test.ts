import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

describe("ingest of a device awaiting its region operator's approval", () => {
  let t: MeteringNode;
  const send = async (readings: unknown[]) => {
    const { status, body } = await t.post("/v1/readings", { readings });
    expect(status).toBe(200);
    return body.results as { status: string; code?: string; message?: string }[];
  };

  beforeAll(async () => {
    t = await startMeteringNode();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("refuses its readings with READING_DEVICE_PENDING, and accepts them once the operator approves it", async () => {
    const { registry, indexer } = t.node.context;
    // Registered by this node in a region another member operates, the device pends; the consortium then
    // hands the region to this node, which approves it.
    const other = "0x00000000000000000000000000000000000000cc";
    await registry.propose({
      kind: "admit-member",
      address: other,
      name: "Hubei DC",
      roles: "region-operator",
    });
    await registry.propose({
      kind: "approve-region",
      code: "CN-HB",
      nameZh: "湖北省",
      nameEn: "Hubei",
      operator: other,
    });
    const key = await t.device({ region: "CN-HB" });
    await registry.propose({ kind: "update-region", code: "CN-HB", operator: registry.operator });
    await indexer.sync();
    const [first, second] = readingSeries(key, { start: intervalAgo(8), count: 2 });
    const [refused] = await send(asJson([first!]));
    expect(refused).toMatchObject({ status: "rejected", code: "READING_DEVICE_PENDING" });
    expect(refused!.message).toMatch(/awaits its region operator's approval/);

    await registry.approveDevices([key.deviceId]);
    await indexer.sync();
    // The device directory caches for a few seconds; the approval shows once it is refreshed.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    expect((await send(asJson([first!, second!]))).map((r) => r.status)).toEqual(["accepted", "accepted"]);
  });
});
