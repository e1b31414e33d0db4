import { createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marketAbi } from "../../src/chain/artifacts/index.js";
import { jobHandlersOf } from "../../src/jobs/jobKinds.js";
import { enqueueJob } from "../../src/jobs/jobQueue.js";
import { runUntilIdle } from "../../src/jobs/jobRunner.js";
import { enqueueClearing } from "../../src/market/marketJobs.js";
import { marketModule } from "../../src/market/module.js";
import { anvilAccounts } from "../helpers/anvil.js";
import { type MarketNode, type Prosumer, startMarketNode } from "./marketNode.js";

// Clearing on a development chain, where a prosumer's own key may send transactions (to withdraw).
describe("market clearing", () => {
  let t: MarketNode;
  let seller: Prosumer;
  let buyer: Prosumer;
  let pv: Hex;
  let meter: Hex;
  let nonce = 100n;
  const devKey = anvilAccounts(2)[1]!.privateKey;
  const nowSeconds = () => BigInt(Math.floor(t.clock.now / 1000));
  const readMarket = (functionName: string, args: readonly unknown[]) =>
    t.node.context.client.publicClient.readContract({
      address: t.node.context.contracts.Market,
      abi: marketAbi,
      functionName,
      args,
    } as never) as Promise<never>;
  const operatorNonce = () =>
    t.node.context.client.publicClient.getTransactionCount({ address: t.node.context.registry.operator });

  /** Places orders for `slot` with the clock before its gate, one second apart, then moves the clock back. */
  async function place(
    slot: bigint,
    orders: { who: Prosumer; side: 0 | 1; energyWh: bigint; limitPrice: bigint; expiry?: bigint }[],
  ) {
    const realNow = t.clock.now;
    t.clock.now = Number(slot - 900n) * 1000;
    const digests: Hex[] = [];
    for (const o of orders) {
      const body = await t.signOrder(o.who, {
        slot,
        side: o.side,
        device: o.side === 1 ? pv : meter,
        energyWh: o.energyWh,
        limitPrice: o.limitPrice,
        nonce: ++nonce,
        expiry: o.expiry ?? slot + 3600n,
      });
      const placed = await t.request("POST", "/v1/market/orders", body);
      expect(placed.status).toBe(201);
      digests.push(placed.body.digest);
      t.clock.now += 1000;
    }
    t.clock.now = realNow;
    return digests;
  }
  const statuses = async (slot: bigint) =>
    Object.fromEntries(
      (await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/orders`)).body.orders.map(
        (o: { digest: string; status: string; reason?: string }) => [
          o.digest,
          o.reason ? `${o.status}: ${o.reason}` : o.status,
        ],
      ),
    );

  beforeAll(async () => {
    t = await startMarketNode({ flags: { devChain: true } });
    seller = await t.prosumer();
    buyer = await t.prosumer(devKey);
    pv = (await t.device(seller.address, "generation")).id;
    meter = (await t.device(buyer.address, "consumption")).id;
    await t.fund(buyer.address, 1_000n);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("leaves out orders void at gate closure and every buy of an account whose escrow no longer covers them", async () => {
    const slot = (nowSeconds() / 900n) * 900n - 3600n;
    const [sell, expiring, buy1, buy2] = await place(slot, [
      { who: seller, side: 1, energyWh: 3_000n, limitPrice: 40n },
      { who: seller, side: 1, energyWh: 1_000n, limitPrice: 30n, expiry: slot - 400n },
      { who: buyer, side: 0, energyWh: 2_000n, limitPrice: 100n },
      { who: buyer, side: 0, energyWh: 1_000n, limitPrice: 90n },
    ]);
    // The buyer takes 800 of its 1000 out after placing 290 worth of buys: 200 no longer covers them.
    const wallet = createWalletClient({
      account: privateKeyToAccount(devKey),
      chain: t.node.context.client.chain,
      transport: http(t.node.rpcUrl),
    });
    const hash = await wallet.writeContract({
      address: t.node.context.contracts.Market,
      abi: marketAbi,
      functionName: "withdraw",
      args: [800n],
    });
    await t.node.context.client.publicClient.waitForTransactionReceipt({ hash });
    expect(await t.runJobs()).toMatchObject({ failed: 0 });
    expect(await statuses(slot)).toEqual({
      [sell!]: "included",
      [expiring!]: "expired: expired before gate closure",
      [buy1!]: expect.stringMatching(/^excluded: escrow available 200 < 290 needed/),
      [buy2!]: expect.stringMatching(/^excluded: /),
    });
    const result = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/result`);
    expect(result.body).toMatchObject({ price: null, volumeWh: "0", trades: [] });
    expect(await readMarket("slotOf", [t.market, slot])).toMatchObject({
      orderCount: 1,
      tradeCount: 0,
      locked: 0n,
    });
    expect((await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/audit`)).body.verified).toBe(
      true,
    );
  }, 60_000);

  it("records a clearing the chain holds after a crash between sending and recording, without sending again", async () => {
    const slot = (nowSeconds() / 900n) * 900n - 2700n;
    await place(slot, [
      { who: seller, side: 1, energyWh: 1_000n, limitPrice: 40n },
      { who: buyer, side: 0, energyWh: 1_000n, limitPrice: 60n },
    ]);
    expect(await t.runJobs()).toMatchObject({ failed: 0 });
    const cleared = (await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/result`)).body;
    expect(cleared).toMatchObject({ price: "50", volumeWh: "1000" });
    // As if the node had died after the transaction was mined, before it recorded it.
    await t.node.context.db.query("update market_slots set clear_tx = null where market = $1 and slot = $2", [
      t.market,
      slot,
    ]);
    const sent = await operatorNonce();
    await enqueueClearing(t.node.context.db, { market: t.market, slot });
    expect(await t.runJobs()).toMatchObject({ done: 1, failed: 0 });
    expect(await operatorNonce()).toBe(sent);
    const again = (await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/result`)).body;
    expect(again.clearTx).toBe(cleared.clearTx);
    expect(await readMarket("lockedOf", [buyer.address])).toBe(50n);
  }, 60_000);

  it("registers no market job kinds without a chain (gridledger worker), so such a worker leaves its jobs queued", async () => {
    const { db } = t.node.context;
    const workerContext = { db, analytics: t.node.analytics, anchorGraceSeconds: 60 };
    expect(marketModule.jobKinds?.(workerContext)).toEqual([]);
    expect(marketModule.schedules?.(workerContext)).toEqual([]);
    const id = await enqueueJob(db, "market-clear", { market: t.market, slot: "0" });
    const other = jobHandlersOf([{ kind: "other", parse: (p) => p, run: async () => "ok" }]);
    expect(await runUntilIdle({ db, handlers: other, workerId: "no-chain" })).toMatchObject({ done: 0 });
    const { rows } = await db.query<{ status: string }>("select status from jobs where id = $1", [id]);
    expect(rows).toEqual([{ status: "queued" }]);
    await db.query("delete from jobs where id = $1", [id]);
  });
});
