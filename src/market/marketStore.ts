import type { Address, Hex } from "viem";
import type { Queryable } from "../db/database.js";
import { toBigInt, toBigIntOrNull } from "../db/sql.js";
import type { Mechanism, PriceRule, Trade } from "./clearDoubleAuction.js";
import type { SignedOrder } from "./orderFormat.js";

/** A market as the node mirrors it from the Market contract's events. Prices in base units per kWh. */
export type MarketRecord = {
  market: Hex;
  community: Address;
  operator: Address;
  gridOperator: Address;
  slotSeconds: number;
  gateClosureSeconds: number;
  retailPrice: bigint;
  feedInPrice: bigint;
  rewardRate: bigint;
  contract: Address;
};

/** Where an order is: open until its slot is cleared (or it is cancelled). */
export type OrderStatus = "open" | "cancelled" | "expired" | "excluded" | "included";

/** A signed order as stored. `receivedAt` in Unix milliseconds of the node's clock. */
export type StoredOrder = {
  digest: Hex;
  order: SignedOrder;
  account: Address;
  signature: Hex;
  receivedAt: number;
  status: OrderStatus;
  reason: string | null;
};

/** A cleared slot: the clearing result and, once settled, its settlement. */
export type SlotRecord = {
  market: Hex;
  slot: bigint;
  mechanism: Mechanism;
  rule: PriceRule;
  price: bigint | null;
  volumeWh: bigint;
  ordersRoot: Hex;
  tradesRoot: Hex;
  orderCount: number;
  tradeCount: number;
  locked: bigint;
  clearTx: Hex | null;
  settlementRoot: Hex | null;
  lineCount: number | null;
  settleTx: Hex | null;
};

type Row = Record<string, unknown>;
const s = (value: unknown) => String(value);

const marketOf = (r: Row): MarketRecord => ({
  market: s(r.market) as Hex,
  community: s(r.community) as Address,
  operator: s(r.operator) as Address,
  gridOperator: s(r.grid_operator) as Address,
  slotSeconds: Number(r.slot_seconds),
  gateClosureSeconds: Number(r.gate_closure_seconds),
  retailPrice: toBigInt(r.retail_price),
  feedInPrice: toBigInt(r.feed_in_price),
  rewardRate: toBigInt(r.reward_rate),
  contract: s(r.contract) as Address,
});

const orderOf = (r: Row): StoredOrder => ({
  digest: s(r.digest) as Hex,
  order: {
    market: s(r.market) as Hex,
    slot: toBigInt(r.slot),
    side: Number(r.side) === 1 ? 1 : 0,
    device: s(r.device) as Hex,
    energyWh: toBigInt(r.energy_wh),
    limitPrice: toBigInt(r.limit_price),
    nonce: toBigInt(r.nonce),
    expiry: toBigInt(r.expiry),
  },
  account: s(r.account) as Address,
  signature: s(r.signature) as Hex,
  receivedAt: Number(r.received_at),
  status: s(r.status) as OrderStatus,
  reason: r.reason === null ? null : s(r.reason),
});

const slotOf = (r: Row): SlotRecord => ({
  market: s(r.market) as Hex,
  slot: toBigInt(r.slot),
  mechanism: s(r.mechanism) as Mechanism,
  rule: s(r.rule) as PriceRule,
  price: toBigIntOrNull(r.price),
  volumeWh: toBigInt(r.volume_wh),
  ordersRoot: s(r.orders_root) as Hex,
  tradesRoot: s(r.trades_root) as Hex,
  orderCount: Number(r.order_count),
  tradeCount: Number(r.trade_count),
  locked: toBigInt(r.locked),
  clearTx: r.clear_tx === null ? null : (s(r.clear_tx) as Hex),
  settlementRoot: r.settlement_root === null ? null : (s(r.settlement_root) as Hex),
  lineCount: r.line_count === null ? null : Number(r.line_count),
  settleTx: r.settle_tx === null ? null : (s(r.settle_tx) as Hex),
});

const orderColumns =
  "digest, market, slot, side, account, device, energy_wh, limit_price, nonce, expiry, signature, received_at, status, reason";

/** The market's store: its SQL over the tables of migration 0011_market.sql. */
export function createMarketStore(db: Queryable) {
  return {
    async markets(): Promise<MarketRecord[]> {
      return (await db.query("select * from markets order by market")).rows.map(marketOf);
    },

    async market(market: Hex): Promise<MarketRecord | undefined> {
      const { rows } = await db.query("select * from markets where market = $1", [market.toLowerCase()]);
      return rows[0] === undefined ? undefined : marketOf(rows[0]);
    },

    /** Stores an order; false when its (account, nonce) is taken (a reused nonce). */
    async insertOrder(order: Omit<StoredOrder, "status" | "reason">, q: Queryable = db): Promise<boolean> {
      const o = order.order;
      const { rows } = await q.query(
        `insert into market_orders (digest, market, slot, side, account, device, energy_wh, limit_price, nonce,
           expiry, signature, received_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict do nothing returning digest`,
        [
          order.digest.toLowerCase(),
          o.market.toLowerCase(),
          o.slot,
          o.side,
          order.account.toLowerCase(),
          o.device.toLowerCase(),
          o.energyWh,
          o.limitPrice,
          o.nonce,
          o.expiry,
          order.signature.toLowerCase(),
          order.receivedAt,
        ],
      );
      return rows.length === 1;
    },

    /** Whether `account` used `nonce` on an order already. */
    async nonceUsed(account: Address, nonce: bigint): Promise<boolean> {
      const { rows } = await db.query("select 1 from market_orders where account = $1 and nonce = $2", [
        account.toLowerCase(),
        nonce,
      ]);
      return rows.length > 0;
    },

    /** Σ floor(limit × E / 1000) over the account's open buy orders: the most they can cost. */
    async openBuyValue(account: Address, q: Queryable = db): Promise<bigint> {
      const { rows } = await q.query<{ total: string | null }>(
        `select sum(floor(limit_price * energy_wh / 1000)) as total from market_orders
          where account = $1 and side = 0 and status = 'open'`,
        [account.toLowerCase()],
      );
      return toBigIntOrNull(rows[0]?.total) ?? 0n;
    },

    async order(digest: Hex): Promise<StoredOrder | undefined> {
      const { rows } = await db.query(`select ${orderColumns} from market_orders where digest = $1`, [
        digest.toLowerCase(),
      ]);
      return rows[0] === undefined ? undefined : orderOf(rows[0]);
    },

    /** Marks an open order cancelled; false when it was not open. */
    async cancel(digest: Hex, signature: Hex): Promise<boolean> {
      const { rows } = await db.query(
        `update market_orders set status = 'cancelled', cancel_signature = $2
          where digest = $1 and status = 'open' returning digest`,
        [digest.toLowerCase(), signature.toLowerCase()],
      );
      return rows.length === 1;
    },

    /** Orders of a slot with one of `statuses`, in clearing input order (included: by input index). */
    async ordersOf(market: Hex, slot: bigint, statuses: readonly OrderStatus[], q: Queryable = db) {
      const { rows } = await q.query(
        `select ${orderColumns} from market_orders where market = $1 and slot = $2 and status = any($3::text[])
          order by input_index nulls last, received_at, digest`,
        [market.toLowerCase(), slot, statuses],
      );
      return rows.map(orderOf);
    },

    /** Depth per (side, price) of a slot's open orders: no identities. */
    async book(market: Hex, slot: bigint) {
      const { rows } = await db.query<{ side: number; price: string; energy: string; orders: string }>(
        `select side, limit_price as price, sum(energy_wh) as energy, count(*) as orders from market_orders
          where market = $1 and slot = $2 and status = 'open' group by side, limit_price`,
        [market.toLowerCase(), slot],
      );
      const level = (r: (typeof rows)[number]) => ({
        price: toBigInt(r.price),
        energyWh: toBigInt(r.energy),
        orders: Number(r.orders),
      });
      return {
        bids: rows
          .filter((r) => Number(r.side) === 0)
          .map(level)
          .sort((a, b) => (a.price > b.price ? -1 : 1)),
        asks: rows
          .filter((r) => Number(r.side) === 1)
          .map(level)
          .sort((a, b) => (a.price < b.price ? -1 : 1)),
      };
    },

    /** Slots of `markets` whose gate closed before `now` (Unix seconds) with open orders. */
    async closedSlotsWithOrders(markets: readonly MarketRecord[], now: number) {
      const due: { market: Hex; slot: bigint }[] = [];
      for (const m of markets) {
        const { rows } = await db.query<{ slot: string }>(
          `select distinct slot from market_orders where market = $1 and status = 'open' and slot - $2 <= $3
            order by slot`,
          [m.market, m.gateClosureSeconds, now],
        );
        for (const r of rows) due.push({ market: m.market, slot: toBigInt(r.slot) });
      }
      return due;
    },

    async setStatus(q: Queryable, digests: readonly Hex[], status: OrderStatus, reason: string | null) {
      if (digests.length === 0) return;
      await q.query("update market_orders set status = $2, reason = $3 where digest = any($1::text[])", [
        digests.map((d) => d.toLowerCase()),
        status,
        reason,
      ]);
    },

    /** Records the included orders in input order (status `included`, their index). */
    async include(q: Queryable, digests: readonly Hex[]) {
      for (const [index, digest] of digests.entries()) {
        await q.query(
          "update market_orders set status = 'included', reason = null, input_index = $2 where digest = $1",
          [digest.toLowerCase(), index],
        );
      }
    },

    /** Stores a slot's clearing (result, trades); a slot recorded before keeps its row, filled in. */
    async saveClearing(
      q: Queryable,
      slot: Omit<SlotRecord, "settlementRoot" | "lineCount" | "settleTx">,
      trades: readonly Trade[],
    ) {
      await q.query(
        `insert into market_slots (market, slot, mechanism, rule, price, volume_wh, orders_root, trades_root,
           order_count, trade_count, locked, clear_tx)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict (market, slot) do update set mechanism = excluded.mechanism, rule = excluded.rule,
           price = excluded.price, locked = excluded.locked,
           clear_tx = coalesce(market_slots.clear_tx, excluded.clear_tx)`,
        [
          slot.market.toLowerCase(),
          slot.slot,
          slot.mechanism,
          slot.rule,
          slot.price,
          slot.volumeWh,
          slot.ordersRoot,
          slot.tradesRoot,
          slot.orderCount,
          slot.tradeCount,
          slot.locked,
          slot.clearTx,
        ],
      );
      await q.query("delete from market_trades where market = $1 and slot = $2", [
        slot.market.toLowerCase(),
        slot.slot,
      ]);
      for (const [index, t] of trades.entries()) {
        await q.query(
          `insert into market_trades (market, slot, idx, buy_digest, sell_digest, energy_wh, price)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [slot.market.toLowerCase(), slot.slot, index, t.buy, t.sell, t.energyWh, t.price],
        );
      }
    },

    /** Records the `commitClearing` transaction of a stored clearing (null: on chain, its event not found). */
    async recordClearTx(market: Hex, slot: bigint, tx: Hex | null): Promise<void> {
      await db.query("update market_slots set clear_tx = $3 where market = $1 and slot = $2", [
        market,
        slot,
        tx,
      ]);
    },
    async slot(market: Hex, slot: bigint, q: Queryable = db): Promise<SlotRecord | undefined> {
      const { rows } = await q.query("select * from market_slots where market = $1 and slot = $2", [
        market.toLowerCase(),
        slot,
      ]);
      return rows[0] === undefined ? undefined : slotOf(rows[0]);
    },

    async slots(market: Hex, from: bigint, to: bigint): Promise<SlotRecord[]> {
      const { rows } = await db.query(
        "select * from market_slots where market = $1 and slot >= $2 and slot < $3 order by slot",
        [market.toLowerCase(), from, to],
      );
      return rows.map(slotOf);
    },

    /** Slots with open orders between `from` and `to` (not cleared yet). */
    async openSlots(market: Hex, from: bigint, to: bigint): Promise<bigint[]> {
      const { rows } = await db.query<{ slot: string }>(
        `select distinct slot from market_orders where market = $1 and slot >= $2 and slot < $3
           and status = 'open' order by slot`,
        [market.toLowerCase(), from, to],
      );
      return rows.map((r) => toBigInt(r.slot));
    },

    async trades(market: Hex, slot: bigint, q: Queryable = db): Promise<Trade[]> {
      const { rows } = await q.query(
        "select * from market_trades where market = $1 and slot = $2 order by idx",
        [market.toLowerCase(), slot],
      );
      return rows.map((r) => ({
        buy: s(r.buy_digest),
        sell: s(r.sell_digest),
        energyWh: toBigInt(r.energy_wh),
        price: toBigInt(r.price),
      }));
    },

    /** Cleared slots not settled yet: of a market whose slot ends at or before `endsBy` (Unix seconds). */
    async unsettled(markets: readonly MarketRecord[], endsBy: number) {
      const due: { market: Hex; slot: bigint }[] = [];
      for (const m of markets) {
        const { rows } = await db.query<{ slot: string }>(
          `select slot from market_slots where market = $1 and settle_tx is null and clear_tx is not null
             and slot + $2 <= $3 order by slot`,
          [m.market, m.slotSeconds, endsBy],
        );
        for (const r of rows) due.push({ market: m.market, slot: toBigInt(r.slot) });
      }
      return due;
    },

    /** An account's orders, newest slot first (at most `limit`). */
    async ordersOfAccount(account: Address, limit = 200): Promise<StoredOrder[]> {
      const { rows } = await db.query(
        `select ${orderColumns} from market_orders where account = $1 order by slot desc, received_at desc
          limit $2`,
        [account.toLowerCase(), limit],
      );
      return rows.map(orderOf);
    },
  };
}

/** The market's store (see {@link createMarketStore}). */
export type MarketStore = ReturnType<typeof createMarketStore>;
