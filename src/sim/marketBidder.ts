import { setTimeout as sleep } from "node:timers/promises";
import { type Address, getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { answer, createNodeApi } from "../cli/nodeApi.js";
import { isBaseError } from "../core/errors.js";
import {
  marketDomain,
  marketIdOf,
  orderToJson,
  orderTypes,
  type SignedOrder,
} from "../market/orderFormat.js";
import { type BiddingDevice, openSlots, planSlotOrders } from "./marketBids.js";
import { buildScenario, type Scenario } from "./scenario.js";
import { loadSimState } from "./simState.js";

/** A demo trader the simulator bids for: its key, and the names of the scenario's devices its account owns. */
export type BidderTrader = { key: Hex; devices(scenario: Scenario): readonly string[] };

/** What {@link startMarketBidder} needs. */
export type MarketBidderOptions = {
  /** The node's HTTP API (`GET /v1/market/markets`, `POST /v1/market/orders`, device lookups). */
  nodeUrl: string;
  /** The simulator's state file: the device keys, hence the device ids of the traders' devices. */
  stateFile: string;
  /** The community whose market the traders trade in (the demo's organisation). */
  community: Address;
  traders: readonly BidderTrader[];
  log: (message: string) => void;
  /** Seconds between rounds (default 10). */
  everySeconds?: number;
  /** Unix seconds now (default the wall clock). */
  now?: () => number;
};

/** Codes that mean an order is refused for good (not worth sending again next round). */
const final = new Set([
  "MARKET_NONCE_REUSED",
  "MARKET_SLOT_CLOSED",
  "MARKET_ORDER_EXPIRED",
  "MARKET_DEVICE_NOT_OWNED",
  "MARKET_NOT_MEMBER",
  "MARKET_WRONG_SIDE",
  "MARKET_INSUFFICIENT_ESCROW",
  "MARKET_QUANTITY_INVALID",
]);

/**
 * The demo's market traders at work: every `everySeconds`, for each slot still open for orders
 * ({@link openSlots}), each trader's registered devices place the orders {@link planSlotOrders}
 * gives, signed with the trader's key (EIP-712 `Order`, domain of the market's contract) and sent
 * to `POST /v1/market/orders`. A slot is done once each of its orders was taken or refused for good
 * (a second copy of a taken order is refused as `MARKET_NONCE_REUSED`, so a restart sends nothing
 * twice); a node without the market yet is asked again next round. Refusals are logged once per
 * device and code. `stop()` ends it after the round in flight.
 */
export function startMarketBidder(options: MarketBidderOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  const api = createNodeApi(options.nodeUrl.replace(/\/+$/, ""));
  const now = options.now ?? (() => Date.now() / 1000);
  const accounts = options.traders.map((trader) => ({ trader, account: privateKeyToAccount(trader.key) }));
  const done = new Set<number>();
  const logged = new Set<string>();
  const logOnce = (key: string, message: string) => {
    if (logged.has(key)) return;
    logged.add(key);
    options.log(message);
  };
  const marketId = marketIdOf(getAddress(options.community));

  async function round(): Promise<void> {
    const { markets } = answer(await api.client.GET("/v1/market/markets"));
    const market = markets.find((m) => m.market.toLowerCase() === marketId.toLowerCase());
    if (!market) return logOnce("no-market", `market bidder: no market open for ${options.community} yet`);
    const state = await loadSimState(options.stateFile);
    if (!state) return;
    const scenario = buildScenario({ seed: state.seed, size: state.size });
    const keys = new Map<string, ReturnType<typeof privateKeyToAccount>>();
    for (const { trader, account } of accounts) {
      for (const name of trader.devices(scenario)) keys.set(name, account);
    }
    const devices: BiddingDevice[] = [];
    for (const [name, account] of keys) {
      const meter = state.meters.get(name);
      if (meter?.registration === "registered") {
        devices.push({ name, deviceId: meter.key.deviceId as Hex, account: account.address });
      }
    }
    if (devices.length === 0) return;
    const slotSeconds = Number(market.slotSeconds);
    const domain = marketDomain(Number(market.chainId), getAddress(market.verifyingContract));
    const tariffs = { retailPrice: BigInt(market.retailPrice), feedInPrice: BigInt(market.feedInPrice) };
    if (tariffs.retailPrice === 0n)
      return logOnce("no-tariffs", "market bidder: the market has no tariffs yet");
    for (const slot of openSlots(now(), {
      slotSeconds,
      gateClosureSeconds: Number(market.gateClosureSeconds),
    })) {
      if (done.has(slot)) continue;
      let pending = false;
      for (const planned of planSlotOrders({ scenario, slot, slotSeconds, devices, tariffs })) {
        const signer = keys.get(planned.name);
        if (!signer) continue;
        const order: SignedOrder = {
          market: marketId,
          slot: BigInt(slot),
          side: planned.side,
          device: planned.device,
          energyWh: planned.energyWh,
          limitPrice: planned.limitPrice,
          nonce: planned.nonce,
          expiry: BigInt(slot),
        };
        const signature = await signer.signTypedData({
          domain,
          types: orderTypes,
          primaryType: "Order",
          message: order,
        });
        try {
          await api.client.POST("/v1/market/orders", { body: { order: orderToJson(order), signature } });
        } catch (error) {
          const code = isBaseError(error) ? error.code : "";
          if (!final.has(code)) pending = true;
          if (code !== "MARKET_NONCE_REUSED") {
            logOnce(
              `${planned.name}/${code}`,
              `market bidder: ${planned.name}'s order refused: ${(error as Error).message}${code ? ` [${code}]` : ""}`,
            );
          }
        }
      }
      if (!pending) done.add(slot);
    }
    for (const slot of done) if (slot < now() - 86_400) done.delete(slot);
  }

  const running = (async () => {
    const every = (options.everySeconds ?? 10) * 1000;
    while (!controller.signal.aborted) {
      try {
        await round();
      } catch (error) {
        logOnce(`round/${(error as Error).message}`, `market bidder: ${(error as Error).message}`);
      }
      await sleep(every, undefined, { signal: controller.signal }).catch(() => {});
    }
  })();
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}
