import { bytesToHex, type Hex, keccak256, parseEventLogs, stringToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { marketAbi } from "../../src/chain/artifacts/index.js";
import { type DeviceKey, generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { auditPath, leafHash, merkleRoot } from "../../src/metering/merkleTree.js";
import { encodeReading, leafInputOf, type SignedReading } from "../../src/metering/readingFormat.js";
import {
  admitMembers,
  type Deployment,
  govern,
  Role,
  registryCall,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";
import {
  commitProof,
  deviceLine,
  gridLine,
  type Line,
  lineLeaf,
  MARKET,
  openTestMarket,
  pastSlot,
  Who,
} from "./marketFixtures.js";

const chain = setupGridLedger();
const REGION_OPERATOR = 7;
const GD = keccak256(stringToBytes("CN-GD"));

/** A reading of `key` for `slot` with the given deltas. */
function reading(key: DeviceKey, slot: bigint, importDelta: bigint, exportDelta: bigint): SignedReading {
  return signReading(key, {
    seq: 1n,
    intervalStart: slot,
    duration: 900,
    commodity: 1,
    quality: 0,
    importRegister: 10_000n + importDelta,
    exportRegister: 20_000n + exportDelta,
    importDelta,
    exportDelta,
  });
}

/**
 * A settled slot: the seller's pv sold 1000 Wh to the buyer's heat pump at 50 fen/kWh; the meters
 * anchored by the region's operator say pv exported 1000 Wh and the heat pump imported 1200 Wh, but the
 * market's operator settled the pv line with 800 Wh metered. Returns what a dispute needs.
 */
async function settledSlot(d: Deployment) {
  await admitMembers(d, [
    { account: REGION_OPERATOR, name: "GD Data Centre", roles: Role.regionOperator, seat: false },
  ]);
  await govern(d, [
    registryCall(d, "approveRegion", ["CN-GD", "广东", "Guangdong", d.addresses[REGION_OPERATOR]!, 900]),
  ]);
  const h = await openTestMarket(d, [d.addresses[Who.buyer]!]);
  const slot = await pastSlot(d);
  const pv = generateDeviceKey();
  const heatPump = generateDeviceKey();
  const others = [generateDeviceKey(), generateDeviceKey(), generateDeviceKey()];
  const readings = [
    reading(others[0]!, slot, 5n, 0n),
    reading(pv, slot, 0n, 1000n),
    reading(others[1]!, slot, 7n, 0n),
    reading(heatPump, slot, 1200n, 0n),
    reading(others[2]!, slot, 9n, 3n),
  ];
  const leaves = readings.map((r) => leafHash(leafInputOf(encodeReading(r), r.signature)));
  await d.mined(
    d.meterAnchor(REGION_OPERATOR).write.anchor([
      [
        {
          regionId: GD,
          commodity: 1,
          intervalStart: slot,
          part: 0,
          root: bytesToHex(merkleRoot(leaves)),
          leafCount: leaves.length,
          importTotal: readings.reduce((s, r) => s + r.importDelta, 0n),
          exportTotal: readings.reduce((s, r) => s + r.exportDelta, 0n),
        },
      ],
    ]),
  );
  const proofOf = (index: number, override?: Partial<{ reading: Hex; index: number }>) => {
    const r = readings[index]!;
    return {
      reading: bytesToHex(encodeReading(r)),
      signature: bytesToHex(r.signature),
      regionId: GD,
      part: 0,
      index,
      path: auditPath(leaves, index).map((p) => bytesToHex(p)),
      ...override,
    };
  };
  const sell = deviceLine({
    account: d.addresses[Who.seller]!,
    device: pv.deviceId,
    side: 1,
    tradedWh: 1000n,
    meteredWh: 800n,
    tradeValue: 50n,
  });
  const buy = deviceLine({
    account: d.addresses[Who.buyer]!,
    device: heatPump.deviceId,
    side: 0,
    tradedWh: 1000n,
    meteredWh: 1200n,
    tradeValue: -50n,
  });
  const deviceLines = [sell, buy].sort((a, b) => (a.device < b.device ? -1 : 1));
  const lines = [...deviceLines, gridLine(d.addresses[Who.grid]!, deviceLines)];
  await d.mined(
    h
      .market(Who.operator)
      .write.commitClearing([
        MARKET,
        slot,
        keccak256("0x01"),
        2,
        keccak256("0x02"),
        1,
        50n,
        1000n,
        [{ account: d.addresses[Who.buyer]!, amount: 50n }],
      ]),
  );
  await d.mined(h.market(Who.operator).write.settle([MARKET, slot, lines]));
  const leafs = lines.map(lineLeaf);
  const lineProof = (line: Line) => commitProof(leafs, lines.indexOf(line));
  const dispute = (line: Line, proof: ReturnType<typeof proofOf>, caller: number = Who.stranger) =>
    h.market(caller).write.dispute([MARKET, slot, line, lineProof(line), proof]);
  return { ...h, slot, sell, buy, proofOf, dispute, lineProof, readingIndex: { pv: 1, heatPump: 3 } };
}

describe("Market dispute", () => {
  it("corrects a line whose metered energy differs from the anchored reading: the grid operator pays the account the difference", async () => {
    const d = chain();
    const { market, slot, sell, proofOf, dispute, readingIndex } = await settledSlot(d);
    const seller = d.addresses[Who.seller]!;
    const grid = d.addresses[Who.grid]!;
    // Settled: seller +50 − 16 (200 Wh short at retail 80); grid +16 +16.
    expect(await market().read.balanceOf([seller])).toBe(34n);
    expect(await market().read.balanceOf([grid])).toBe(32n);
    const receipt = await d.mined(dispute(sell, proofOf(readingIndex.pv)));
    expect(
      parseEventLogs({ abi: marketAbi, logs: receipt.logs, eventName: "SettlementCorrected" })[0]?.args,
    ).toEqual({
      market: MARKET,
      slot,
      account: seller,
      device: sell.device,
      meteredWh: 800n,
      correctedWh: 1000n,
      delta: 16n,
    });
    expect(await market().read.balanceOf([seller])).toBe(50n);
    expect(await market().read.balanceOf([grid])).toBe(16n);
  });

  it("refuses a second dispute of the same line", async () => {
    const d = chain();
    const { sell, proofOf, dispute, readingIndex } = await settledSlot(d);
    await d.mined(dispute(sell, proofOf(readingIndex.pv)));
    await expectRevert(dispute(sell, proofOf(readingIndex.pv)), "MarketDisputeAlreadyCorrected", [
      lineLeaf(sell),
    ]);
  });

  it("refuses a tampered reading, a wrong index and a batch never anchored as not proven", async () => {
    const d = chain();
    const { sell, proofOf, dispute, readingIndex } = await settledSlot(d);
    const honest = proofOf(readingIndex.pv);
    // The export delta is the last 8 bytes: claim 1001 Wh instead of 1000.
    const tampered = `${honest.reading.slice(0, -4)}03e9` as Hex;
    await expectRevert(dispute(sell, { ...honest, reading: tampered }), "MarketDisputeProofInvalid", [
      GD,
      0,
      1,
    ]);
    await expectRevert(dispute(sell, { ...honest, index: 2 }), "MarketDisputeProofInvalid", [GD, 0, 2]);
    await expectRevert(dispute(sell, { ...honest, part: 1 }), "MarketDisputeProofInvalid", [GD, 1, 1]);
  });

  it("refuses another device's reading, and a reading that already has the line's energy", async () => {
    const d = chain();
    const { sell, buy, proofOf, dispute, readingIndex } = await settledSlot(d);
    const heatPumpProof = proofOf(readingIndex.heatPump);
    await expectRevert(dispute(sell, heatPumpProof), "MarketDisputeReadingMismatch");
    await expectRevert(dispute(buy, heatPumpProof), "MarketDisputeNothingToCorrect", [1200n]);
  });

  it("refuses a line that is not in the slot's settlement", async () => {
    const d = chain();
    const { market, slot, sell, proofOf, lineProof, readingIndex } = await settledSlot(d);
    const forged = { ...sell, tradeValue: 60n };
    await expectRevert(
      market(Who.stranger).write.dispute([MARKET, slot, forged, lineProof(sell), proofOf(readingIndex.pv)]),
      "MarketDisputeLineUnknown",
      [lineLeaf(forged)],
    );
  });
});
