import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { Hex } from "viem";
import { BaseError } from "../core/errors.js";
import type { Database } from "../db/database.js";
import { auditSlot } from "./auditSlot.js";
import { type MarketChain, marketUnavailable } from "./marketChain.js";
import {
  auditSchema,
  bookSchema,
  cancelBody,
  marketParams,
  marketSchema,
  orderBody,
  publishedOrder,
  resultSchema,
  slotParams,
  slotRange,
  slotSchema,
} from "./marketSchemas.js";
import type { MarketSettings } from "./marketSettings.js";
import { createMarketStore, type MarketRecord, type StoredOrder } from "./marketStore.js";
import { marketDomain, orderToJson } from "./orderFormat.js";
import { acceptOrder, cancelOrder } from "./orderIntake.js";

/** What the market's routes need from the node. */
export type MarketRouteContext = {
  db: Database;
  chainId: number;
  /** The Market contract, or undefined when this node has none (MARKET_UNAVAILABLE). */
  chain: MarketChain | undefined;
  /** Brings the event indexer (markets, clearing and settlement events) up to the chain's head. */
  sync: () => Promise<unknown>;
  /** The node's clock, Unix milliseconds. */
  now: () => number;
  settings: Pick<MarketSettings, "mechanism" | "rule">;
};

/** A stored order as the API shows it. */
export function publishedOrderJson(o: StoredOrder) {
  return {
    digest: o.digest,
    order: orderToJson(o.order),
    signature: o.signature,
    account: o.account,
    receivedAt: new Date(o.receivedAt).toISOString(),
    status: o.status,
    ...(o.reason === null ? {} : { reason: o.reason }),
  };
}

/** The market of a path, or MARKET_UNKNOWN. */
export async function marketOfPath(ctx: MarketRouteContext, market: string): Promise<MarketRecord> {
  const record = await createMarketStore(ctx.db).market(market.toLowerCase() as Hex);
  if (!record) throw new BaseError("MARKET_UNKNOWN", `no market ${market}`, { details: { market } });
  return record;
}

type SlotStatus = "open" | "closed" | "cleared" | "settled";

const slotStatus = (market: MarketRecord, slot: bigint, nowSeconds: number): SlotStatus =>
  BigInt(nowSeconds) < slot - BigInt(market.gateClosureSeconds) ? "open" : "closed";

/**
 * The market's public routes: markets, order intake and cancels (the EIP-712 signature authenticates),
 * slots, the order book (depth only), published orders and results after clearing, and the audit.
 */
export function registerMarketRoutes(app: FastifyInstance, ctx: MarketRouteContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const store = createMarketStore(ctx.db);
  const intake = () => {
    if (!ctx.chain) throw marketUnavailable();
    return { db: ctx.db, chain: ctx.chain, chainId: ctx.chainId, now: ctx.now };
  };

  api.get(
    "/v1/market/markets",
    {
      config: { permission: "market.read" },
      schema: {
        summary: "The markets (one per community) and their EIP-712 domain",
        tags: ["market"],
        response: {
          200: {
            type: "object",
            required: ["markets"],
            properties: { markets: { type: "array", items: marketSchema } },
          },
        },
      },
    },
    async () => {
      await ctx.sync();
      return {
        markets: (await store.markets()).map((m) => ({
          market: m.market,
          community: m.community,
          operator: m.operator,
          gridOperator: m.gridOperator,
          slotSeconds: String(m.slotSeconds),
          gateClosureSeconds: String(m.gateClosureSeconds),
          retailPrice: m.retailPrice.toString(),
          feedInPrice: m.feedInPrice.toString(),
          rewardRate: m.rewardRate.toString(),
          chainId: String(ctx.chainId),
          verifyingContract: m.contract,
        })),
      };
    },
  );

  api.post(
    "/v1/market/orders",
    {
      config: { permission: "market.trade" },
      schema: {
        summary: "Place a signed order (EIP-712 Order); stored before the answer",
        tags: ["market"],
        body: orderBody,
        response: {
          201: {
            type: "object",
            required: ["digest", "status", "receivedAt"],
            properties: {
              digest: { type: "string" },
              status: { type: "string", enum: ["open"] },
              receivedAt: { type: "string" },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const accepted = await acceptOrder(intake(), request.body);
      return reply.code(201).send({ ...accepted, receivedAt: new Date(accepted.receivedAt).toISOString() });
    },
  );

  api.post(
    "/v1/market/cancels",
    {
      config: { permission: "market.trade" },
      schema: {
        summary:
          "Cancel an open order with an EIP-712 Cancel signed by the order's signer, before gate closure",
        tags: ["market"],
        body: cancelBody,
        response: {
          200: {
            type: "object",
            required: ["order", "status"],
            properties: { order: { type: "string" }, status: { type: "string", enum: ["cancelled"] } },
          },
        },
      },
    },
    async (request) => cancelOrder(intake(), request.body),
  );

  api.get(
    "/v1/market/markets/:market/slots",
    {
      config: { permission: "market.read" },
      schema: {
        summary: "A market's slots with orders or a result, between from and to",
        tags: ["market"],
        params: marketParams,
        querystring: slotRange,
        response: {
          200: {
            type: "object",
            required: ["slots"],
            properties: { slots: { type: "array", items: slotSchema } },
          },
        },
      },
    },
    async (request) => {
      await ctx.sync();
      const market = await marketOfPath(ctx, request.params.market);
      const nowSeconds = Math.floor(ctx.now() / 1000);
      const from = BigInt(request.query.from ?? nowSeconds - 86_400);
      const to = BigInt(request.query.to ?? nowSeconds + 7 * 86_400);
      const cleared = await store.slots(market.market, from, to);
      const known = new Set(cleared.map((s) => s.slot));
      const rows = cleared.map((s) => ({
        slot: s.slot,
        status: (s.settleTx || s.settlementRoot ? "settled" : "cleared") as SlotStatus,
        price: s.price?.toString() ?? null,
        volumeWh: s.volumeWh.toString(),
        orderCount: String(s.orderCount),
        tradeCount: String(s.tradeCount),
        clearTx: s.clearTx,
        settleTx: s.settleTx,
      }));
      for (const slot of await store.openSlots(market.market, from, to)) {
        if (known.has(slot)) continue;
        rows.push({
          slot,
          status: slotStatus(market, slot, nowSeconds),
          price: null,
          volumeWh: "0",
          orderCount: String((await store.ordersOf(market.market, slot, ["open"])).length),
          tradeCount: "0",
          clearTx: null,
          settleTx: null,
        });
      }
      rows.sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
      return {
        slots: rows.map((r) => ({
          ...r,
          slot: r.slot.toString(),
          closesAt: (r.slot - BigInt(market.gateClosureSeconds)).toString(),
        })),
      };
    },
  );

  api.get(
    "/v1/market/markets/:market/slots/:slot/book",
    {
      config: { permission: "market.read" },
      schema: {
        summary: "A slot's order book: depth per price level of its open orders, no identities",
        tags: ["market"],
        params: slotParams,
        response: { 200: bookSchema },
      },
    },
    async (request) => {
      const market = await marketOfPath(ctx, request.params.market);
      const slot = BigInt(request.params.slot);
      const cleared = await store.slot(market.market, slot);
      const book = await store.book(market.market, slot);
      const level = (l: { price: bigint; energyWh: bigint; orders: number }) => ({
        price: l.price.toString(),
        energyWh: l.energyWh.toString(),
        orders: String(l.orders),
      });
      return {
        slot: slot.toString(),
        status: cleared
          ? cleared.settleTx
            ? ("settled" as const)
            : ("cleared" as const)
          : slotStatus(market, slot, Math.floor(ctx.now() / 1000)),
        closesAt: (slot - BigInt(market.gateClosureSeconds)).toString(),
        bids: book.bids.map(level),
        asks: book.asks.map(level),
      };
    },
  );

  const clearedSlot = async (params: { market: string; slot: string }) => {
    await ctx.sync();
    const market = await marketOfPath(ctx, params.market);
    const slot = BigInt(params.slot);
    const cleared = await store.slot(market.market, slot);
    if (!cleared) {
      throw new BaseError("MARKET_SLOT_NOT_CLEARED", `slot ${slot} is not cleared yet`, {
        details: { market: market.market, slot: slot.toString() },
      });
    }
    return { market, slot, cleared };
  };

  api.get(
    "/v1/market/markets/:market/slots/:slot/orders",
    {
      config: { permission: "market.read" },
      schema: {
        summary: "A cleared slot's orders with their signatures (included ones in clearing input order)",
        tags: ["market"],
        params: slotParams,
        response: {
          200: {
            type: "object",
            required: ["orders"],
            properties: { orders: { type: "array", items: publishedOrder } },
          },
        },
      },
    },
    async (request) => {
      const { market, slot } = await clearedSlot(request.params);
      const orders = await store.ordersOf(market.market, slot, [
        "included",
        "excluded",
        "cancelled",
        "expired",
      ]);
      return { orders: orders.map(publishedOrderJson) };
    },
  );

  api.get(
    "/v1/market/markets/:market/slots/:slot/result",
    {
      config: { permission: "market.read" },
      schema: {
        summary: "A cleared slot's result: price, volume, roots, trades and transactions",
        tags: ["market"],
        params: slotParams,
        response: { 200: resultSchema },
      },
    },
    async (request) => {
      const { market, slot, cleared } = await clearedSlot(request.params);
      const trades = await store.trades(market.market, slot);
      return {
        mechanism: cleared.mechanism,
        rule: cleared.rule,
        price: cleared.price?.toString() ?? null,
        volumeWh: cleared.volumeWh.toString(),
        ordersRoot: cleared.ordersRoot,
        tradesRoot: cleared.tradesRoot,
        trades: trades.map((t) => ({
          buy: t.buy,
          sell: t.sell,
          energyWh: t.energyWh.toString(),
          price: t.price.toString(),
        })),
        clearTx: cleared.clearTx,
        settlementRoot: cleared.settlementRoot,
        settleTx: cleared.settleTx,
      };
    },
  );

  api.get(
    "/v1/market/markets/:market/slots/:slot/audit",
    {
      config: { permission: "market.read", cost: "expensive" },
      schema: {
        summary: "Re-runs the slot's clearing from its published orders and compares it with Market.slotOf",
        tags: ["market"],
        params: slotParams,
        response: { 200: auditSchema },
      },
    },
    async (request) => {
      const { market, slot, cleared } = await clearedSlot(request.params);
      if (!ctx.chain) throw marketUnavailable();
      const orders = await store.ordersOf(market.market, slot, ["included"]);
      const committed = await ctx.chain.slotOf(market.market, slot);
      return auditSlot({
        domain: marketDomain(ctx.chainId, ctx.chain.address),
        orders: orders.map((o) => ({ digest: o.digest, order: o.order, account: o.account })),
        mechanism: cleared.mechanism,
        rule: cleared.rule,
        committed,
        market: market.market,
        slot,
      });
    },
  );
}
