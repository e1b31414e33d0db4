import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type Hex,
  keccak256,
  maxUint32,
  maxUint64,
  parseEventLogs,
  stringToBytes,
  toHex,
  zeroHash,
} from "viem";
import { describe, expect, it } from "vitest";
import { meterAnchorAbi, meterAnchorBytecode } from "../../src/chain/artifacts/index.js";
import {
  admitMembers,
  consortiumCall,
  type Deployment,
  govern,
  Role,
  registryCall,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();
const cast = fileURLToPath(new URL("../../node_modules/.bin/cast", import.meta.url));
const run = promisify(execFile);

const OPERATOR = 1;
const OTHER_OPERATOR = 2;
const PLAIN_MEMBER = 3;
const STRANGER = 9;
const Commodity = { electricity: 1, gas: 2, heat: 3, water: 4 } as const;
const regionId = (code: string) => keccak256(stringToBytes(code));
const GD = regionId("CN-GD");
const SZ = regionId("CN-GD-SZ");
const ZJ = regionId("CN-ZJ");
/** 2025-01-01T00:00:00Z, a 15-minute boundary. */
const T0 = 1_735_689_600n;
const INTERVAL = 900n;

type AnchorInput = {
  regionId: Hex;
  commodity: number;
  intervalStart: bigint;
  part: number;
  root: Hex;
  leafCount: number;
  importTotal: bigint;
  exportTotal: bigint;
};

/** A batch of CN-GD electricity at T0, part 0, with a root derived from `seed`. */
function batch(seed: number, overrides: Partial<AnchorInput> = {}): AnchorInput {
  return {
    regionId: GD,
    commodity: Commodity.electricity,
    intervalStart: T0,
    part: 0,
    root: keccak256(toHex(`batch-${seed}`)),
    leafCount: 1_000 + seed,
    importTotal: 250_000n + BigInt(seed),
    exportTotal: 40_000n + BigInt(seed),
    ...overrides,
  };
}

/** OPERATOR runs CN-GD and CN-GD-SZ, OTHER_OPERATOR runs CN-ZJ; PLAIN_MEMBER is a member without the role. */
async function withRegions(d: Deployment) {
  await admitMembers(d, [
    { account: OPERATOR, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
    { account: OTHER_OPERATOR, name: "Zhejiang Data Centre", roles: Role.regionOperator, seat: false },
    { account: PLAIN_MEMBER, name: "Factory", roles: Role.enterprise, seat: false },
  ]);
  const op = d.addresses[OPERATOR]!;
  await govern(d, [registryCall(d, "approveRegion", ["CN-GD", "广东", "Guangdong", op, 900])]);
  await govern(d, [registryCall(d, "approveRegion", ["CN-GD-SZ", "深圳", "Shenzhen", op, 900])]);
  await govern(d, [
    registryCall(d, "approveRegion", ["CN-ZJ", "浙江", "Zhejiang", d.addresses[OTHER_OPERATOR]!, 900]),
  ]);
}

const anchor = (d: Deployment, caller: number, batches: AnchorInput[]) =>
  d.meterAnchor(caller).write.anchor([batches]);

const anchorOf = (d: Deployment, b: Pick<AnchorInput, "regionId" | "commodity" | "intervalStart" | "part">) =>
  d.meterAnchor().read.anchorOf([b.regionId, b.commodity, b.intervalStart, b.part]);

const notAnchored = [zeroHash, 0, 0n, 0n, 0n];

describe("MeterAnchor", () => {
  it("anchors a batch and reads back exactly its root, count, totals and block time", async () => {
    const d = chain();
    await withRegions(d);
    const b = batch(1, {
      commodity: Commodity.heat,
      part: 65_535,
      leafCount: Number(maxUint32),
      importTotal: maxUint64,
      exportTotal: maxUint64 - 1n,
    });
    const receipt = await d.mined(anchor(d, OPERATOR, [b]));
    const block = await d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await anchorOf(d, b)).toEqual([
      b.root,
      b.leafCount,
      b.importTotal,
      b.exportTotal,
      block.timestamp,
    ]);
  });

  it("emits Anchored with every field of the batch", async () => {
    const d = chain();
    await withRegions(d);
    const b = batch(2, { commodity: Commodity.water, part: 3 });
    const receipt = await d.mined(anchor(d, OPERATOR, [b]));
    const events = parseEventLogs({ abi: meterAnchorAbi, logs: receipt.logs, eventName: "Anchored" });
    expect(events.map((e) => [e.address, e.args])).toEqual([[d.meterAnchorAddress.toLowerCase(), b]]);
  });

  it("reads all zeros for a batch that was never anchored", async () => {
    const d = chain();
    await withRegions(d);
    expect(await anchorOf(d, batch(1))).toEqual(notAnchored);
    expect(await anchorOf(d, batch(1, { regionId: regionId("CN-XX"), commodity: 9 }))).toEqual(notAnchored);
  });

  it("knows the registry it follows", async () => {
    const d = chain();
    expect(await d.meterAnchor().read.registry()).toBe(d.registryAddress);
  });

  it("refuses anyone but the region's operator: another region's operator, a member, a non-member", async () => {
    const d = chain();
    await withRegions(d);
    for (const caller of [OTHER_OPERATOR, PLAIN_MEMBER, STRANGER, 0]) {
      await expectRevert(anchor(d, caller, [batch(1)]), "MeterAnchorNotRegionOperator", [
        GD,
        d.addresses[caller],
      ]);
    }
    await expectRevert(anchor(d, OPERATOR, [batch(1, { regionId: ZJ })]), "MeterAnchorNotRegionOperator", [
      ZJ,
      d.addresses[OPERATOR],
    ]);
    expect(await anchorOf(d, batch(1))).toEqual(notAnchored);
  });

  it("refuses the region's operator once it no longer holds the REGION_OPERATOR role", async () => {
    const d = chain();
    await withRegions(d);
    await d.mined(anchor(d, OPERATOR, [batch(1)]));
    await govern(d, [consortiumCall(d, "revokeRole", [d.addresses[OPERATOR]!, Role.regionOperator])]);
    await expectRevert(anchor(d, OPERATOR, [batch(2, { part: 1 })]), "MeterAnchorNotRegionOperator", [
      GD,
      d.addresses[OPERATOR],
    ]);
  });

  it("follows the registry when the consortium hands a region to another operator", async () => {
    const d = chain();
    await withRegions(d);
    await govern(d, [
      registryCall(d, "updateRegion", ["CN-GD", "广东", "Guangdong", d.addresses[OTHER_OPERATOR]!]),
    ]);
    await expectRevert(anchor(d, OPERATOR, [batch(1)]), "MeterAnchorNotRegionOperator", [
      GD,
      d.addresses[OPERATOR],
    ]);
    await d.mined(anchor(d, OTHER_OPERATOR, [batch(1)]));
    expect((await anchorOf(d, batch(1)))[0]).toBe(batch(1).root);
  });

  it("refuses a batch of a region the registry does not know", async () => {
    const d = chain();
    await withRegions(d);
    const unknown = regionId("CN-XX");
    await expectRevert(anchor(d, OPERATOR, [batch(1, { regionId: unknown })]), "MeterAnchorUnknownRegion", [
      unknown,
    ]);
    await expectRevert(anchor(d, OPERATOR, [batch(1, { regionId: zeroHash })]), "MeterAnchorUnknownRegion", [
      zeroHash,
    ]);
  });

  it("never overwrites an anchor: a second anchor of the same key is refused and the first stays", async () => {
    const d = chain();
    await withRegions(d);
    const first = batch(1);
    const receipt = await d.mined(anchor(d, OPERATOR, [first]));
    const { timestamp } = await d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const second = batch(2); // same key, different root and totals
    await expectRevert(anchor(d, OPERATOR, [second]), "MeterAnchorAlreadyAnchored", [
      GD,
      Commodity.electricity,
      T0,
      0,
      first.root,
    ]);
    await expectRevert(anchor(d, OPERATOR, [first]), "MeterAnchorAlreadyAnchored", [
      GD,
      Commodity.electricity,
      T0,
      0,
      first.root,
    ]);
    expect(await anchorOf(d, first)).toEqual([
      first.root,
      first.leafCount,
      first.importTotal,
      first.exportTotal,
      timestamp,
    ]);
  });

  it("refuses a key that appears twice in one call, and anchors none of the call's batches", async () => {
    const d = chain();
    await withRegions(d);
    const other = batch(1, { part: 1 });
    await expectRevert(anchor(d, OPERATOR, [other, batch(2), batch(3)]), "MeterAnchorAlreadyAnchored", [
      GD,
      Commodity.electricity,
      T0,
      0,
      batch(2).root,
    ]);
    expect(await anchorOf(d, other)).toEqual(notAnchored);
    expect(await anchorOf(d, batch(2))).toEqual(notAnchored);
  });

  it("keeps parts, commodities and intervals of a region apart", async () => {
    const d = chain();
    await withRegions(d);
    const batches = [
      batch(1),
      batch(2, { part: 1 }),
      batch(3, { commodity: Commodity.gas }),
      batch(4, { intervalStart: T0 + INTERVAL }),
      batch(5, { regionId: SZ }),
    ];
    await d.mined(anchor(d, OPERATOR, batches));
    for (const b of batches) {
      const [root, leafCount, importTotal, exportTotal] = await anchorOf(d, b);
      expect([root, leafCount, importTotal, exportTotal]).toEqual([
        b.root,
        b.leafCount,
        b.importTotal,
        b.exportTotal,
      ]);
    }
  });

  it("refuses an empty call, an unknown commodity and a batch without a root or leaves", async () => {
    const d = chain();
    await withRegions(d);
    await expectRevert(anchor(d, OPERATOR, []), "MeterAnchorNoBatches", []);
    await expectRevert(anchor(d, OPERATOR, [batch(1, { commodity: 0 })]), "MeterAnchorInvalidCommodity", [0]);
    await expectRevert(anchor(d, OPERATOR, [batch(1, { commodity: 5 })]), "MeterAnchorInvalidCommodity", [5]);
    await expectRevert(anchor(d, OPERATOR, [batch(1, { root: zeroHash })]), "MeterAnchorEmptyBatch", [
      GD,
      Commodity.electricity,
      T0,
      0,
    ]);
    await expectRevert(anchor(d, OPERATOR, [batch(1, { part: 2, leafCount: 0 })]), "MeterAnchorEmptyBatch", [
      GD,
      Commodity.electricity,
      T0,
      2,
    ]);
  });

  it("anchors 100 batches in one transaction, looking each run of one region up once", async () => {
    const d = chain();
    await withRegions(d);
    // 96 intervals of a day in CN-GD, then 4 in CN-GD-SZ: two region lookups for the call.
    const batches = Array.from({ length: 100 }, (_, i) =>
      batch(i, {
        regionId: i < 96 ? GD : SZ,
        intervalStart: T0 + BigInt(i % 96) * INTERVAL,
      }),
    );
    const receipt = await d.mined(anchor(d, OPERATOR, batches));
    const events = parseEventLogs({ abi: meterAnchorAbi, logs: receipt.logs, eventName: "Anchored" });
    expect(events.map((e) => e.args)).toEqual(batches);
    for (const b of [batches[0]!, batches[95]!, batches[99]!]) {
      expect((await anchorOf(d, b))[0]).toBe(b.root);
    }
    // Two fresh storage slots (2 × 22,100) and an event make most of a batch's cost; a region lookup
    // per batch would add thousands more.
    expect(receipt.gasUsed / 100n).toBeLessThan(55_000n);
  });

  it("refuses a whole call when one batch in the middle belongs to another operator's region", async () => {
    const d = chain();
    await withRegions(d);
    const batches = [batch(1), batch(2, { regionId: SZ }), batch(3, { regionId: ZJ }), batch(4, { part: 1 })];
    await expectRevert(anchor(d, OPERATOR, batches), "MeterAnchorNotRegionOperator", [
      ZJ,
      d.addresses[OPERATOR],
    ]);
    expect(await anchorOf(d, batches[0]!)).toEqual(notAnchored);
  });

  it("answers the documented cast commands: find the anchor in the directory, then read a batch", async () => {
    const d = chain();
    await withRegions(d);
    const b = batch(7, { intervalStart: T0 + 4n * INTERVAL });
    const receipt = await d.mined(anchor(d, OPERATOR, [b]));
    const { timestamp } = await d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const castOut = async (args: string[]) => (await run(cast, args)).stdout.trim().split("\n");
    const rpc = ["--rpc-url", d.anvil.rpcUrl];
    const [name] = await castOut(["format-bytes32-string", "MeterAnchor"]);
    const [address] = await castOut([
      "call",
      ...rpc,
      d.consortiumAddress,
      "service(bytes32)(address)",
      name!,
    ]);
    expect(address).toBe(d.meterAnchorAddress);
    const [gd] = await castOut(["keccak", "CN-GD"]);
    const signature = "anchorOf(bytes32,uint8,uint64,uint16)(bytes32,uint32,uint64,uint64,uint64)";
    const lines = await castOut([
      "call",
      ...rpc,
      address!,
      signature,
      gd!,
      "1",
      String(b.intervalStart),
      "0",
    ]);
    // cast prints large integers with a bracketed scientific form after them: keep the exact value.
    expect(lines.map((line) => line.split(" ")[0])).toEqual([
      b.root,
      String(b.leafCount),
      String(b.importTotal),
      String(b.exportTotal),
      String(timestamp),
    ]);
  });

  it("refuses to deploy against an address that is not a contract", async () => {
    const d = chain();
    const stranger = d.addresses[STRANGER]!;
    await expectRevert(
      d.wallets[0]!.deployContract({
        abi: meterAnchorAbi,
        bytecode: meterAnchorBytecode,
        args: [d.contracts.GridAuthority, stranger],
      }),
      "MeterAnchorInvalidRegistry",
      [stranger],
      { abi: meterAnchorAbi },
    );
  });
});
