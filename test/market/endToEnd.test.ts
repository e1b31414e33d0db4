import { encodeFunctionData, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marketAbi, rewardTokenAbi } from "../../src/chain/artifacts/index.js";
import { commitRoot, lineLeaf, orderLeaf, verifyCommitProof } from "../../src/market/commitTree.js";
import { enqueueSettlement } from "../../src/market/marketJobs.js";
import { type Anvil, startAnvil } from "../helpers/anvil.js";
import { apiKeyHeaders } from "../helpers/auth.js";
import { readingSeries } from "../helpers/metering.js";
import { type MarketNode, type Prosumer, sendReadings, startMarketNode } from "./marketNode.js";

// One slot of the community market from orders to settlement, on the embedded chain and on anvil (an
// independent EVM implementation). Tariffs: retail 80, feed-in 30 per kWh; reward rate 10 per kWh.
describe.each(["embedded", "anvil"] as const)("the market end to end on the %s chain", (chainKind) => {
  let anvil: Anvil | undefined;
  let t: MarketNode;
  let seller: Prosumer;
  let buyer: Prosumer;
  let pv: Hex;
  let meter: Hex;
  let pvKey: Awaited<ReturnType<MarketNode["device"]>>["key"];
  let meterKey: typeof pvKey;
  let slot: bigint;
  const read = <const F extends string>(functionName: F, args: readonly unknown[]) =>
    t.node.context.client.publicClient.readContract({
      address: t.node.context.contracts.Market,
      abi: marketAbi,
      functionName,
      args,
    } as never) as Promise<never>;

  beforeAll(async () => {
    if (chainKind === "anvil") anvil = await startAnvil();
    t = await startMarketNode(
      anvil ? { flags: { rpcUrl: anvil.rpcUrl }, init: { privateKey: anvil.accounts[0]!.privateKey } } : {},
    );
    await t.node.context.governance.propose(
      [
        {
          target: t.node.context.contracts.Market,
          data: encodeFunctionData({ abi: marketAbi, functionName: "setRewardRate", args: [t.market, 10n] }),
        },
      ],
      "reward local delivery",
    );
    seller = await t.prosumer();
    buyer = await t.prosumer();
    ({ id: pv, key: pvKey } = await t.device(seller.address, "generation"));
    ({ id: meter, key: meterKey } = await t.device(buyer.address, "consumption"));
    await t.fund(buyer.address, 200n);
    // A slot that ended a while ago, so the chain's block time is past its gate closure.
    const now = BigInt(Math.floor(Date.now() / 1000));
    slot = (now / 900n) * 900n - 1800n;
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
    await anvil?.stop();
  });

  it("takes orders before gate closure, clears the slot on chain and settles it from anchored readings", async () => {
    // The node's clock 10 minutes before the slot: its gate (5 minutes before) is open.
    const realNow = t.clock.now;
    t.clock.now = Number(slot - 600n) * 1000;
    const expiry = slot + 3600n;
    const sell = await t.signOrder(seller, {
      slot,
      side: 1,
      device: pv,
      energyWh: 2_000n,
      limitPrice: 50n,
      nonce: 1n,
      expiry,
    });
    const buy = await t.signOrder(buyer, {
      slot,
      side: 0,
      device: meter,
      energyWh: 1_500n,
      limitPrice: 70n,
      nonce: 1n,
      expiry,
    });
    const sellDigest = (await t.request("POST", "/v1/market/orders", sell)).body.digest as Hex;
    t.clock.now += 1000;
    const buyDigest = (await t.request("POST", "/v1/market/orders", buy)).body.digest as Hex;
    expect([sellDigest, buyDigest]).toEqual([
      expect.stringMatching(/^0x[0-9a-f]{64}$/),
      expect.stringMatching(/^0x/),
    ]);
    const slots = await t.request(
      "GET",
      `/v1/market/markets/${t.market}/slots?from=${slot}&to=${slot + 900n}`,
    );
    expect(slots.body.slots).toEqual([
      expect.objectContaining({ slot: String(slot), status: "open", orderCount: "2" }),
    ]);

    // Past gate closure: the schedule enqueues the clearing, the job commits it with the buyer's lock.
    t.clock.now = realNow;
    expect(await t.runJobs()).toMatchObject({ failed: 0 });
    const onChain = (await read("slotOf", [t.market, slot])) as {
      ordersRoot: Hex;
      price: bigint;
      volumeWh: bigint;
      locked: bigint;
      clearedAt: bigint;
    };
    const result = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/result`);
    expect(result.body).toMatchObject({
      mechanism: "pay-as-clear",
      rule: "midpoint",
      price: "60",
      volumeWh: "1500",
      trades: [{ buy: buyDigest, sell: sellDigest, energyWh: "1500", price: "60" }],
      clearTx: expect.stringMatching(/^0x/),
    });
    // Orders root in clearing input order (received first, first in).
    expect(onChain).toMatchObject({
      ordersRoot: commitRoot([orderLeaf(sellDigest), orderLeaf(buyDigest)]),
      price: 60n,
      volumeWh: 1_500n,
      locked: 90n,
    });
    expect(onChain.clearedAt).not.toBe(0n);
    expect(await read("availableOf", [buyer.address])).toBe(110n);
    const published = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/orders`);
    expect(
      published.body.orders.map((o: { digest: string; status: string }) => [o.digest, o.status]),
    ).toEqual([
      [sellDigest, "included"],
      [buyDigest, "included"],
    ]);
    const audit = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/audit`);
    expect(audit.body.verified).toBe(true);

    // The PV exported 1200 Wh of the 1500 sold; the buyer imported 1800 Wh. Anchoring settles the slot.
    await sendReadings(
      t,
      readingSeries(pvKey, { start: slot, count: 1, importDelta: 0n, exportDelta: 1_200n }),
    );
    await sendReadings(t, readingSeries(meterKey, { start: slot, count: 1, importDelta: 1_800n }));
    expect((await t.request("POST", "/v1/anchors", {})).status).toBe(200);
    expect(await t.runJobs()).toMatchObject({ failed: 0 });

    const settlement = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/settlement`);
    const lines = settlement.body.lines as Record<string, string>[];
    expect(lines.map(({ proof: _, ...line }) => line)).toEqual([
      expect.objectContaining({ account: expect.any(String), side: expect.any(Number) }),
      expect.anything(),
      expect.objectContaining({
        account: t.operator.toLowerCase(),
        side: 2,
        gridValue: "48",
        tradeValue: "0",
      }),
    ]);
    const sellLine = lines.find((l) => l.device === pv);
    const buyLine = lines.find((l) => l.device === meter);
    expect(sellLine).toMatchObject({
      tradedWh: "1500",
      meteredWh: "1200",
      deliveredWh: "1200",
      tradeValue: "90",
      gridValue: "-24",
      rewardWh: "1200",
    });
    expect(buyLine).toMatchObject({
      tradedWh: "1500",
      meteredWh: "1800",
      deliveredWh: "1500",
      tradeValue: "-90",
      gridValue: "-24",
      rewardWh: "1200",
    });
    expect(
      lines.reduce((sum, l) => sum + BigInt(l.tradeValue as string) + BigInt(l.gridValue as string), 0n),
    ).toBe(0n);
    const onChainSettled = (await read("slotOf", [t.market, slot])) as {
      settlementRoot: Hex;
      settledAt: bigint;
    };
    expect(settlement.body.settlementRoot).toBe(onChainSettled.settlementRoot);
    for (const line of lines) {
      const { proof, ...fields } = line as unknown as { proof: Hex[] } & Record<string, string | number>;
      const leaf = lineLeaf({
        account: fields.account as Hex,
        device: fields.device as Hex,
        side: fields.side as 0 | 1 | 2,
        tradedWh: BigInt(fields.tradedWh!),
        meteredWh: BigInt(fields.meteredWh!),
        deliveredWh: BigInt(fields.deliveredWh!),
        tradeValue: BigInt(fields.tradeValue!),
        gridValue: BigInt(fields.gridValue!),
        rewardWh: BigInt(fields.rewardWh!),
      });
      expect(verifyCommitProof(proof, onChainSettled.settlementRoot, leaf)).toBe(true);
    }
    // Money moved on chain: the seller got 90 − 24, the buyer paid 90 + 24, the grid operator got 48.
    expect(await read("balanceOf", [seller.address])).toBe(66n);
    expect(await read("balanceOf", [buyer.address])).toBe(86n);
    expect(await read("lockedOf", [buyer.address])).toBe(0n);
    const rewards = (address: Hex, blockNumber?: bigint) =>
      t.node.context.client.publicClient.readContract({
        address: t.node.context.contracts.RewardToken,
        abi: rewardTokenAbi,
        functionName: "balanceOf",
        args: [address],
        ...(blockNumber === undefined ? {} : { blockNumber }),
      });
    // settle minted nothing; the market-claim job the settlement enqueued claimed the rewards by proof.
    const settled = await t.node.context.client.publicClient.getTransactionReceipt({
      hash: settlement.body.settleTx,
    });
    expect(await rewards(seller.address, settled.blockNumber)).toBe(0n);
    expect([await rewards(seller.address), await rewards(buyer.address)]).toEqual([12n, 12n]);

    // A prosumer sees only its own line, and its statement with the proofs of its meter's readings.
    const asSeller = await apiKeyHeaders(
      t.node.context.db,
      [{ role: "prosumer", scope: { kind: "community", community: t.operator } }],
      { account: seller.address },
    );
    const own = await t.request(
      "GET",
      `/v1/market/markets/${t.market}/slots/${slot}/settlement`,
      undefined,
      asSeller,
    );
    expect(own.body.lines.map((l: { device: string }) => l.device)).toEqual([pv]);
    const me = await t.request("GET", "/v1/market/me", undefined, asSeller);
    expect(me.body).toMatchObject({
      account: seller.address.toLowerCase(),
      escrow: { balance: "66", locked: "0", available: "66" },
      orders: [expect.objectContaining({ digest: sellDigest, status: "included" })],
      trades: [expect.objectContaining({ buy: buyDigest, sell: sellDigest })],
      statement: [
        expect.objectContaining({
          slot: String(slot),
          line: expect.objectContaining({ device: pv }),
          reward: { amount: "12", claimTx: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
        }),
      ],
    });
    expect(me.body.statement[0].reward.claimTx).not.toBe(settlement.body.settleTx);
    const proofLink = me.body.statement[0].meterProofs[0] as string;
    expect(proofLink).toBe(`/v1/readings/${pv}/1/proof`);
    expect((await t.request("GET", proofLink)).status).toBe(200);
  }, 180_000);

  it("never settles a slot twice: after a crash that lost the record, the job records the chain's settlement", async () => {
    const { db } = t.node.context;
    const before = (await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/settlement`)).body;
    // As if the node had died after `settle` was mined, before it stored the lines and the transaction.
    await db.query(
      "update market_slots set settle_tx = null, settlement_root = null where market = $1 and slot = $2",
      [t.market, slot],
    );
    await db.query("delete from market_settlement_lines where market = $1 and slot = $2", [t.market, slot]);
    const operator = t.node.context.registry.operator;
    const nonce = await t.node.context.client.publicClient.getTransactionCount({ address: operator });
    await enqueueSettlement(db, { market: t.market, slot }, true);
    // The settlement recorded, the claim job runs again and sends nothing: every line is claimed on chain.
    expect(await t.runJobs()).toMatchObject({ done: 2, failed: 0 });
    expect(await t.node.context.client.publicClient.getTransactionCount({ address: operator })).toBe(nonce);
    const after = (await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/settlement`)).body;
    expect(after).toEqual(before);
    const lines = after.lines;
    await expect(
      t.node.context.client.sender.write({
        address: t.node.context.contracts.Market,
        abi: marketAbi,
        functionName: "settle",
        args: [
          t.market,
          slot,
          lines.map(({ proof: _, ...l }: Record<string, string | number>) => ({
            ...l,
            tradedWh: BigInt(l.tradedWh!),
            meteredWh: BigInt(l.meteredWh!),
            deliveredWh: BigInt(l.deliveredWh!),
            tradeValue: BigInt(l.tradeValue!),
            gridValue: BigInt(l.gridValue!),
            rewardWh: BigInt(l.rewardWh!),
          })),
        ],
      }),
    ).rejects.toMatchObject({ code: "MARKET_SLOT_ALREADY_SETTLED" });
  }, 60_000);
});
