import { join } from "node:path";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAccountKeyFile } from "../../src/auth/accountKey.js";
import { contractSpec } from "../../src/chain/manifest.js";
import { createNodeApi } from "../../src/cli/nodeApi.js";
import { marketIdOf } from "../../src/market/orderFormat.js";
import { type DemoAccount, seedDemoAccounts } from "../../src/node/demoAccounts.js";
import { type DemoTrader, demoMarketTraders, seedDemoTraders } from "../../src/node/demoMarket.js";
import { demoMarketSettings, seedDemoMarket } from "../../src/node/demoMarketSeed.js";
import { demoRegions, seedDemoRegions } from "../../src/node/demoRegions.js";
import { startMarketBidder } from "../../src/sim/marketBidder.js";
import { openSlots } from "../../src/sim/marketBids.js";
import { registerSimDevices } from "../../src/sim/registerSimDevices.js";
import { buildScenario } from "../../src/sim/scenario.js";
import { createSimState, saveSimState } from "../../src/sim/simState.js";
import { type Json, type MeteringNode, startMeteringNode } from "../helpers/metering.js";

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 30_000, interval: 500 });

describe("the demo market of `start --demo`", () => {
  let t: MeteringNode;
  let accounts: DemoAccount[];
  let traders: DemoTrader[];
  let market: Hex;
  const read = <T>(functionName: string, args: unknown[]) =>
    t.node.context.client.publicClient.readContract({
      address: t.node.context.contracts.Market,
      abi: contractSpec("Market").abi,
      functionName,
      args,
    } as never) as Promise<T>;

  beforeAll(async () => {
    t = await startMeteringNode({ flags: { devChain: true } as unknown as Record<string, string> });
    await seedDemoRegions(t.node.context);
    accounts = await seedDemoAccounts(t.node.context, t.dataDir);
    traders = await seedDemoTraders(t.node.context, t.dataDir);
    market = marketIdOf(t.node.context.registry.operator);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  const traderAddresses = () => [
    accounts.find((a) => a.role === "prosumer")!.address,
    ...traders.map((trader) => trader.address),
  ];
  const seed = () =>
    seedDemoMarket(t.node.context, {
      gridOperatorKeyFile: accounts.find((a) => a.role === "grid-operator")!.keyFile,
      traders: traderAddresses(),
    });

  it("opens the community's market with the node as operator, the grid operator's tariffs, a reward rate and funded traders", async () => {
    const first = await seed();
    expect(first).toMatchObject({ market, opened: true });
    const grid = accounts.find((a) => a.role === "grid-operator")!.address;
    const info = await read<Json>("marketOf", [market]);
    expect(info.community).toBe(t.node.context.registry.operator);
    expect(info.operator).toBe(t.node.context.client.sender.account.address);
    expect(info.gridOperator).toBe(grid);
    expect(info.slotSeconds).toBe(900);
    expect(info.gateClosureSeconds).toBe(300);
    expect(info.retailPrice).toBe(demoMarketSettings.retailPrice);
    expect(info.feedInPrice).toBe(demoMarketSettings.feedInPrice);
    expect(info.rewardRate).toBe(demoMarketSettings.rewardRate);
    for (const trader of traderAddresses()) {
      expect(await read<bigint>("balanceOf", [trader])).toBe(demoMarketSettings.escrow);
    }
    expect(traders.map((trader) => trader.device)).toEqual(demoMarketTraders.map((d) => d.device));
  });

  it("changes nothing when the node starts again: no second market, no more tokens", async () => {
    const again = await seed();
    expect(again).toMatchObject({ market, opened: false, funded: [] });
    for (const trader of traderAddresses()) {
      expect(await read<bigint>("balanceOf", [trader])).toBe(demoMarketSettings.escrow);
    }
    const sameTraders = await seedDemoTraders(t.node.context, t.dataDir);
    expect(sameTraders.map((trader) => trader.address)).toEqual(traders.map((trader) => trader.address));
  });

  it("has the simulator's traders place signed orders in the next open slot", async () => {
    const api = createNodeApi(t.node.apiUrl, async () => t.node.context.apiToken);
    const scenario = buildScenario({ seed: 1, size: "small" });
    const state = createSimState(scenario, { size: "small", duration: 900, next: 0 });
    const stateFile = join(t.dataDir, "simulator.json");
    await saveSimState(stateFile, state);
    const community = t.node.context.registry.operator;
    const prosumer = accounts.find((a) => a.role === "prosumer")!;
    const named = new Map(traders.map((trader) => [trader.device, { owner: trader.address, community }]));
    const owner = { owner: prosumer.address, community, count: 3 };
    await registerSimDevices(
      api,
      scenario,
      state,
      () => saveSimState(stateFile, state),
      undefined,
      undefined,
      owner,
      named,
    );
    const household = traders.find((trader) => trader.label === "household-4")!;
    const pv = traders.find((trader) => trader.label === "pv-1")!;
    const device = (name: string) => state.meters.get(name)!.key.deviceId.toLowerCase();
    const registered = await t.get(`/v1/devices/${device(household.device)}`);
    expect(registered.body.owner.toLowerCase()).toBe(household.address.toLowerCase());
    expect((await t.get(`/v1/devices/${device(pv.device)}`)).body.owner.toLowerCase()).toBe(
      pv.address.toLowerCase(),
    );

    const bidder = startMarketBidder({
      nodeUrl: t.node.apiUrl,
      stateFile,
      community,
      traders: await Promise.all(
        traders.map(async (trader) => ({
          key: (await readAccountKeyFile(trader.keyFile)).key,
          devices: () => [trader.device],
        })),
      ),
      log: () => {},
      everySeconds: 1,
    });
    try {
      const [slot] = openSlots(Date.now() / 1000, { slotSeconds: 900, gateClosureSeconds: 300 }, 1, 30);
      // Households always have some load; whether the roofs offer depends on the hour in China.
      await poll(async () => {
        const book = await t.get(`/v1/market/markets/${market}/slots/${slot}/book`);
        return book.body.bids?.length ?? 0;
      }).toBeGreaterThan(0);
      const book = (await t.get(`/v1/market/markets/${market}/slots/${slot}/book`)).body;
      for (const level of [...book.bids, ...book.asks]) {
        expect(BigInt(level.price)).toBeGreaterThanOrEqual(demoMarketSettings.feedInPrice);
        expect(BigInt(level.price)).toBeLessThanOrEqual(demoMarketSettings.retailPrice);
      }
    } finally {
      await bidder.stop();
    }
  });

  it("uses accounts of the demo's first province", () => {
    expect(demoMarketTraders.every((d) => d.device.startsWith(`${demoRegions[0].code}/`))).toBe(true);
    expect(new Set(traders.map((trader) => trader.address as Address)).size).toBe(traders.length);
  });
});
