import { type Hex, hashTypedData, parseEventLogs } from "viem";
import { describe, expect, it } from "vitest";
import { marketAbi } from "../../src/chain/artifacts/index.js";
import { asGovernance, setupGridLedger } from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";
import {
  COMMUNITY,
  commitProof,
  commitRoot,
  deviceId,
  deviceLine,
  fund,
  GATE_SECONDS,
  gridLine,
  type Line,
  lineLeaf,
  MARKET,
  marketCall,
  marketHandles,
  openTestMarket,
  pastSlot,
  REWARD_RATE,
  SLOT_SECONDS,
  Tariffs,
  Who,
  ZERO32,
} from "./marketFixtures.js";

const chain = setupGridLedger();
const ROOT_A = `0x${"aa".repeat(32)}` as Hex;
const ROOT_B = `0x${"bb".repeat(32)}` as Hex;

/** One trade: the seller's device sells 1000 Wh to the buyer's at 50 fen/kWh (value 50 fen). */
function oneTradeLines(d: ReturnType<typeof chain>, metered = { sold: 800n, bought: 1200n }): Line[] {
  const seller = deviceLine({
    account: d.addresses[Who.seller]!,
    device: deviceId("pv"),
    side: 1,
    tradedWh: 1000n,
    meteredWh: metered.sold,
    tradeValue: 50n,
    rewardWh: 800n,
  });
  const buyer = deviceLine({
    account: d.addresses[Who.buyer]!,
    device: deviceId("heat-pump"),
    side: 0,
    tradedWh: 1000n,
    meteredWh: metered.bought,
    tradeValue: -50n,
    rewardWh: 800n,
  });
  const lines = [buyer, seller].sort((a, b) => (a.device < b.device ? -1 : 1));
  return [...lines, gridLine(d.addresses[Who.grid]!, lines)];
}

async function commit(
  d: ReturnType<typeof chain>,
  slot: bigint,
  locks: { account: `0x${string}`; amount: bigint }[],
) {
  const { market } = marketHandles(d);
  return d.mined(
    market(Who.operator).write.commitClearing([MARKET, slot, ROOT_A, 2, ROOT_B, 1, 50n, 1000n, locks]),
  );
}

describe("Market access", () => {
  it("leaves openMarket and setRewardRate to governance", async () => {
    const d = chain();
    const { market } = marketHandles(d);
    for (const caller of [Who.founder, Who.operator, Who.stranger]) {
      await expectRevert(
        market(caller).write.openMarket([COMMUNITY, d.addresses[1]!, d.addresses[2]!, 900, 300]),
        "AccessManagedUnauthorized",
        [d.addresses[caller]],
      );
      await expectRevert(market(caller).write.setRewardRate([MARKET, 1n]), "AccessManagedUnauthorized", [
        d.addresses[caller],
      ]);
    }
  });

  it("opens a market by governance, once, with its configuration readable", async () => {
    const d = chain();
    const { market } = await openTestMarket(d);
    const info = await market().read.marketOf([MARKET]);
    expect(info).toMatchObject({
      community: COMMUNITY,
      operator: d.addresses[Who.operator],
      gridOperator: d.addresses[Who.grid],
      slotSeconds: SLOT_SECONDS,
      gateClosureSeconds: GATE_SECONDS,
      ...Tariffs,
      rewardRate: REWARD_RATE,
    });
    expect(info.openedAt).toBeGreaterThan(0n);
    await expectRevert(
      asGovernance(d, marketCall(d, "openMarket", [COMMUNITY, d.addresses[1]!, d.addresses[2]!, 900, 300])),
      "MarketAlreadyOpen",
      [MARKET],
    );
    await expectRevert(
      asGovernance(
        d,
        marketCall(d, "openMarket", [d.addresses[8]!, d.addresses[1]!, d.addresses[2]!, 7, 300]),
      ),
      "MarketInvalidTiming",
      [7, 300],
    );
    expect((await market().read.marketOf([ZERO32])).openedAt).toBe(0n);
  });

  it("lets only the market's grid operator set tariffs, and only the operator commit and settle", async () => {
    const d = chain();
    const { market } = await openTestMarket(d);
    for (const caller of [Who.operator, Who.founder, Who.stranger]) {
      await expectRevert(market(caller).write.setTariffs([MARKET, 1n, 1n]), "MarketNotGridOperator", [
        MARKET,
        d.addresses[caller],
      ]);
    }
    const slot = await pastSlot(d);
    for (const caller of [Who.grid, Who.founder, Who.stranger]) {
      await expectRevert(
        market(caller).write.commitClearing([MARKET, slot, ROOT_A, 0, ROOT_B, 0, 0n, 0n, []]),
        "MarketNotOperator",
        [MARKET, d.addresses[caller]],
      );
      await expectRevert(market(caller).write.settle([MARKET, slot, []]), "MarketNotOperator", [
        MARKET,
        d.addresses[caller],
      ]);
    }
    await expectRevert(market(Who.grid).write.setTariffs([ROOT_A, 1n, 1n]), "MarketNotOpen", [ROOT_A]);
  });
});

describe("Market escrow", () => {
  it("credits deposits, lets an account withdraw only what is available, and locks at commit", async () => {
    const d = chain();
    const { market, fen } = await openTestMarket(d);
    const buyer = d.addresses[Who.buyer]!;
    await d.mined(fen(0).write.mint([buyer, 500n]));
    await d.mined(fen(Who.buyer).write.approve([d.contracts.Market, 500n]));
    const receipt = await d.mined(market(Who.buyer).write.deposit([300n]));
    expect(parseEventLogs({ abi: marketAbi, logs: receipt.logs, eventName: "Deposited" })[0]?.args).toEqual({
      account: buyer,
      from: buyer,
      amount: 300n,
    });
    expect(await market().read.balanceOf([buyer])).toBe(300n);
    expect(await fen().read.balanceOf([buyer])).toBe(200n);

    const slot = await pastSlot(d);
    await commit(d, slot, [{ account: buyer, amount: 120n }]);
    expect(await market().read.lockedOf([buyer])).toBe(120n);
    expect(await market().read.availableOf([buyer])).toBe(180n);
    expect(await market().read.slotLockOf([MARKET, slot, buyer])).toBe(120n);
    await expectRevert(market(Who.buyer).write.withdraw([181n]), "MarketInsufficientEscrow", [
      buyer,
      181n,
      180n,
    ]);
    await d.mined(market(Who.buyer).write.withdraw([180n]));
    expect(await market().read.balanceOf([buyer])).toBe(120n);
    expect(await fen().read.balanceOf([buyer])).toBe(380n);
    await expectRevert(market(Who.buyer).write.withdraw([0n]), "MarketZeroAmount", []);
  });

  it("refuses a commit whose lock the buyer's available escrow does not cover, and locks nothing", async () => {
    const d = chain();
    const buyer = d.addresses[Who.buyer]!;
    const { market } = await openTestMarket(d);
    await fund(d, [buyer], 100n);
    const slot = await pastSlot(d);
    await expectRevert(
      commit(d, slot, [
        { account: buyer, amount: 60n },
        { account: buyer, amount: 41n },
      ]),
      "MarketInsufficientEscrow",
      [buyer, 41n, 40n],
    );
    expect(await market().read.lockedOf([buyer])).toBe(0n);
    expect((await market().read.slotOf([MARKET, slot])).clearedAt).toBe(0n);
  });
});

describe("Market EIP-712", () => {
  it("computes the digests viem's hashTypedData gives for the pinned Order and Cancel types", async () => {
    const d = chain();
    const { market } = marketHandles(d);
    const domain = {
      name: "GridLedger Market",
      version: "1",
      chainId: d.chain.id,
      verifyingContract: d.contracts.Market,
    } as const;
    const order = {
      market: MARKET,
      slot: 1_767_225_600n,
      side: 1,
      device: deviceId("pv"),
      energyWh: 1_500n,
      limitPrice: 42n,
      nonce: 7n,
      expiry: 1_767_225_000n,
    };
    const expected = hashTypedData({
      domain,
      primaryType: "Order",
      types: {
        Order: [
          { name: "market", type: "bytes32" },
          { name: "slot", type: "uint64" },
          { name: "side", type: "uint8" },
          { name: "device", type: "bytes32" },
          { name: "energyWh", type: "uint64" },
          { name: "limitPrice", type: "uint64" },
          { name: "nonce", type: "uint64" },
          { name: "expiry", type: "uint64" },
        ],
      },
      message: order,
    });
    expect(await market().read.orderDigest([order])).toBe(expected);
    const cancel = { market: MARKET, slot: order.slot, order: expected };
    expect(await market().read.cancelDigest([cancel])).toBe(
      hashTypedData({
        domain,
        primaryType: "Cancel",
        types: {
          Cancel: [
            { name: "market", type: "bytes32" },
            { name: "slot", type: "uint64" },
            { name: "order", type: "bytes32" },
          ],
        },
        message: cancel,
      }),
    );
  });
});

describe("Market commitClearing", () => {
  it("records the commitment with the tariffs and reward rate of the moment, and an event", async () => {
    const d = chain();
    const { market } = await openTestMarket(d);
    const slot = await pastSlot(d);
    const receipt = await commit(d, slot, []);
    const { timestamp } = await d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await market().read.slotOf([MARKET, slot])).toEqual({
      ordersRoot: ROOT_A,
      tradesRoot: ROOT_B,
      settlementRoot: ZERO32,
      price: 50n,
      volumeWh: 1000n,
      orderCount: 2,
      tradeCount: 1,
      ...Tariffs,
      rewardRate: REWARD_RATE,
      locked: 0n,
      clearedAt: timestamp,
      settledAt: 0n,
    });
    expect(
      parseEventLogs({ abi: marketAbi, logs: receipt.logs, eventName: "ClearingCommitted" })[0]?.args,
    ).toEqual({
      market: MARKET,
      slot,
      ordersRoot: ROOT_A,
      tradesRoot: ROOT_B,
      price: 50n,
      volumeWh: 1000n,
      orderCount: 2,
      tradeCount: 1,
    });
  });

  it("refuses a slot before gate closure, an unaligned slot, and a second commit", async () => {
    const d = chain();
    await openTestMarket(d);
    const { timestamp } = await d.publicClient.getBlock();
    const next = (timestamp / 900n + 2n) * 900n;
    await expectRevert(commit(d, next, []), "MarketGateNotClosed", [next, next - 300n]);
    const slot = await pastSlot(d);
    await expectRevert(commit(d, slot + 60n, []), "MarketSlotNotAligned", [slot + 60n, 900]);
    await commit(d, slot, []);
    await expectRevert(commit(d, slot, []), "MarketSlotAlreadyCommitted", [MARKET, slot]);
  });
});

describe("Market settle", () => {
  async function committed(d: ReturnType<typeof chain>) {
    const h = await openTestMarket(d, [d.addresses[Who.buyer]!]);
    const slot = await pastSlot(d);
    await commit(d, slot, [{ account: d.addresses[Who.buyer]!, amount: 50n }]);
    return { ...h, slot };
  }

  it("moves tradeValue + gridValue, releases the lock, stores the TS tree's root and mints no reward", async () => {
    const d = chain();
    const { market, reward, slot } = await committed(d);
    const lines = oneTradeLines(d);
    const [buyer, seller, grid] = [Who.buyer, Who.seller, Who.grid].map((i) => d.addresses[i]!) as [
      `0x${string}`,
      `0x${string}`,
      `0x${string}`,
    ];
    const receipt = await d.mined(market(Who.operator).write.settle([MARKET, slot, lines]));
    const root = commitRoot(lines.map(lineLeaf));
    expect(parseEventLogs({ abi: marketAbi, logs: receipt.logs, eventName: "SlotSettled" })[0]?.args).toEqual(
      {
        market: MARKET,
        slot,
        settlementRoot: root,
        lineCount: 3,
      },
    );
    expect((await market().read.slotOf([MARKET, slot])).settlementRoot).toBe(root);
    // Buyer: 10,000.00 − 50 (trade) − 16 (200 Wh extra at retail 80); seller: +50 − 16 (200 Wh short).
    expect(await market().read.balanceOf([buyer])).toBe(1_000_000n - 66n);
    expect(await market().read.balanceOf([seller])).toBe(34n);
    expect(await market().read.balanceOf([grid])).toBe(32n);
    expect(await market().read.lockedOf([buyer])).toBe(0n);
    expect(await market().read.slotLockOf([MARKET, slot, buyer])).toBe(0n);
    // Rewards wait for claimRewards.
    expect(await reward().read.balanceOf([buyer])).toBe(0n);
    expect(await reward().read.balanceOf([seller])).toBe(0n);
  });

  it("refuses to settle a slot twice, or one never committed", async () => {
    const d = chain();
    const { market, slot } = await committed(d);
    await d.mined(market(Who.operator).write.settle([MARKET, slot, oneTradeLines(d)]));
    await expectRevert(
      market(Who.operator).write.settle([MARKET, slot, oneTradeLines(d)]),
      "MarketSlotAlreadySettled",
      [MARKET, slot],
    );
    await expectRevert(
      market(Who.operator).write.settle([MARKET, slot - 900n, []]),
      "MarketSlotNotCommitted",
      [MARKET, slot - 900n],
    );
  });

  it("refuses lines that do not sum to zero", async () => {
    const d = chain();
    const { market, slot } = await committed(d);
    const lines = oneTradeLines(d);
    const grid = lines[2]!;
    lines[2] = { ...grid, gridValue: grid.gridValue + 1n };
    await expectRevert(
      market(Who.operator).write.settle([MARKET, slot, lines]),
      "MarketSettlementNotBalanced",
      [1n],
    );
  });

  it("refuses a wrong gridValue, a wrong delivered energy, a grid line of another account, naming the line", async () => {
    const d = chain();
    const { market, slot } = await committed(d);
    const bad = (index: number, change: Partial<Line>) => {
      const lines = oneTradeLines(d);
      lines[index] = { ...lines[index]!, ...change };
      return market(Who.operator).write.settle([MARKET, slot, lines]);
    };
    const lines = oneTradeLines(d);
    await expectRevert(bad(0, { gridValue: lines[0]!.gridValue - 1n }), "MarketSettlementLineInvalid", [0n]);
    await expectRevert(bad(1, { deliveredWh: 1000n }), "MarketSettlementLineInvalid", [1n]);
    await expectRevert(bad(2, { account: d.addresses[Who.operator]! }), "MarketSettlementLineInvalid", [2n]);
    const sell = lines.findIndex((l) => l.side === 1);
    await expectRevert(bad(sell, { tradeValue: -50n }), "MarketSettlementLineInvalid", [BigInt(sell)]);
  });

  it("refuses lines that release other than what was locked", async () => {
    const d = chain();
    const { market, slot } = await committed(d);
    // The buyer pays 40 instead of the 50 locked (the seller receives 40: the lines still balance).
    const lines = oneTradeLines(d).map((l) =>
      l.side === 2 ? l : { ...l, tradeValue: l.side === 0 ? -40n : 40n },
    );
    await expectRevert(
      market(Who.operator).write.settle([MARKET, slot, lines]),
      "MarketSettlementLockMismatch",
      [50n, 40n],
    );
  });
});

describe("Market claimRewards", () => {
  async function settled(d: ReturnType<typeof chain>) {
    const h = await openTestMarket(d, [d.addresses[Who.buyer]!]);
    const slot = await pastSlot(d);
    await commit(d, slot, [{ account: d.addresses[Who.buyer]!, amount: 50n }]);
    const lines = oneTradeLines(d);
    await d.mined(h.market(Who.operator).write.settle([MARKET, slot, lines]));
    const leaves = lines.map(lineLeaf);
    const proofs = lines.map((_, i) => commitProof(leaves, i));
    return { ...h, slot, lines, leaves, proofs };
  }

  it("mints floor(rate × rewardWh / 1000) to each line's account, whoever sends it, and marks the lines", async () => {
    const d = chain();
    const { market, reward, slot, lines, leaves, proofs } = await settled(d);
    const receipt = await d.mined(market(Who.stranger).write.claimRewards([MARKET, slot, lines, proofs]));
    const [buyer, seller, grid] = [Who.buyer, Who.seller, Who.grid].map((i) => d.addresses[i]!);
    // 800 Wh delivered locally at 1000 units per kWh; the grid line's reward is 0 but it is marked too.
    expect(await reward().read.balanceOf([buyer!])).toBe(800n);
    expect(await reward().read.balanceOf([seller!])).toBe(800n);
    expect(await reward().read.balanceOf([d.addresses[Who.stranger]!])).toBe(0n);
    const events = parseEventLogs({ abi: marketAbi, logs: receipt.logs, eventName: "RewardsClaimed" });
    expect(events.map((e) => [e.args.account, e.args.amount])).toEqual(
      lines.map((l) => [l.account, l.account === grid ? 0n : 800n]),
    );
    for (const leaf of leaves) expect(await market().read.rewardClaimed([MARKET, slot, leaf])).toBe(true);
  });

  it("refuses a second claim of a line, a line not in the root, and mismatched proofs", async () => {
    const d = chain();
    const { market, reward, slot, lines, leaves, proofs } = await settled(d);
    await d.mined(market(Who.stranger).write.claimRewards([MARKET, slot, [lines[0]!], [proofs[0]!]]));
    await expectRevert(
      market(Who.stranger).write.claimRewards([
        MARKET,
        slot,
        [lines[1]!, lines[0]!],
        [proofs[1]!, proofs[0]!],
      ]),
      "MarketRewardAlreadyClaimed",
      [leaves[0]],
    );
    const forged = { ...lines[1]!, rewardWh: 900n };
    await expectRevert(
      market(Who.stranger).write.claimRewards([MARKET, slot, [forged], [proofs[1]!]]),
      "MarketDisputeLineUnknown",
      [lineLeaf(forged)],
    );
    await expectRevert(
      market(Who.stranger).write.claimRewards([MARKET, slot, [lines[1]!], []]),
      "MarketClaimLengthMismatch",
      [1n, 0n],
    );
    // Only the first claim minted: one line's 800 units.
    const total =
      (await reward().read.balanceOf([d.addresses[Who.buyer]!])) +
      (await reward().read.balanceOf([d.addresses[Who.seller]!]));
    expect(total).toBe(800n);
  });

  it("refuses to claim in a slot not settled", async () => {
    const d = chain();
    const h = await openTestMarket(d, [d.addresses[Who.buyer]!]);
    const slot = await pastSlot(d);
    await commit(d, slot, [{ account: d.addresses[Who.buyer]!, amount: 50n }]);
    const lines = oneTradeLines(d);
    const leaves = lines.map(lineLeaf);
    await expectRevert(
      h.market(Who.stranger).write.claimRewards([MARKET, slot, [lines[0]!], [commitProof(leaves, 0)]]),
      "MarketDisputeLineUnknown",
      [leaves[0]],
    );
  });
});
