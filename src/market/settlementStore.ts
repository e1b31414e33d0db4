import type { Address, Hex } from "viem";
import type { Queryable } from "../db/database.js";
import { toBigInt } from "../db/sql.js";
import type { SettlementLine } from "./settleSlot.js";

type Row = Record<string, unknown>;
const s = (value: unknown) => String(value);

const lineOf = (r: Row): SettlementLine => ({
  account: s(r.account) as Address,
  device: s(r.device) as Hex,
  side: Number(r.side) as 0 | 1 | 2,
  tradedWh: toBigInt(r.traded_wh),
  meteredWh: toBigInt(r.metered_wh),
  deliveredWh: toBigInt(r.delivered_wh),
  tradeValue: toBigInt(r.trade_value),
  gridValue: toBigInt(r.grid_value),
  rewardWh: toBigInt(r.reward_wh),
});

/** The market's settlement store: settlement lines of slots and what an account's statement shows. */
export function createSettlementStore(db: Queryable) {
  return {
    /** Stores a slot's settlement lines (in `settle` order) and its settlement. */
    async saveSettlement(
      q: Queryable,
      key: { market: Hex; slot: bigint },
      settlement: { root: Hex; tx: Hex | null; lines: readonly SettlementLine[] },
    ) {
      const market = key.market.toLowerCase();
      await q.query("delete from market_settlement_lines where market = $1 and slot = $2", [
        market,
        key.slot,
      ]);
      for (const [index, l] of settlement.lines.entries()) {
        await q.query(
          `insert into market_settlement_lines (market, slot, idx, account, device, side, traded_wh, metered_wh,
             delivered_wh, trade_value, grid_value, reward_wh)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            market,
            key.slot,
            index,
            l.account.toLowerCase(),
            l.device.toLowerCase(),
            l.side,
            l.tradedWh,
            l.meteredWh,
            l.deliveredWh,
            l.tradeValue,
            l.gridValue,
            l.rewardWh,
          ],
        );
      }
      await q.query(
        `update market_slots set settlement_root = $3, line_count = $4,
           settle_tx = coalesce(settle_tx, $5) where market = $1 and slot = $2`,
        [market, key.slot, settlement.root, settlement.lines.length, settlement.tx],
      );
    },

    /** A slot's settlement lines in `settle` order. */
    async lines(market: Hex, slot: bigint): Promise<SettlementLine[]> {
      const { rows } = await db.query(
        "select * from market_settlement_lines where market = $1 and slot = $2 order by idx",
        [market.toLowerCase(), slot],
      );
      return rows.map(lineOf);
    },

    /** The mirrored reward claims of a slot's lines, by line index (absent: not claimed). */
    async rewardClaims(market: Hex, slot: bigint): Promise<Map<number, { amount: bigint; tx: Hex }>> {
      const { rows } = await db.query(
        `select idx, reward_amount, reward_claimed_tx from market_settlement_lines
          where market = $1 and slot = $2 and reward_claimed_tx is not null`,
        [market.toLowerCase(), slot],
      );
      return new Map(
        rows.map((r) => [
          Number(r.idx),
          { amount: toBigInt(r.reward_amount), tx: s(r.reward_claimed_tx) as Hex },
        ]),
      );
    },

    /** Trades one of whose orders is the account's, with the slot's market and slot. */
    async tradesOfAccount(account: Address, limit = 200) {
      const { rows } = await db.query(
        `select t.* from market_trades t join market_orders o
           on o.digest = t.buy_digest or o.digest = t.sell_digest
          where o.account = $1 order by t.slot desc, t.idx limit $2`,
        [account.toLowerCase(), limit],
      );
      return rows.map((r) => ({
        market: s(r.market) as Hex,
        slot: toBigInt(r.slot),
        buy: s(r.buy_digest) as Hex,
        sell: s(r.sell_digest) as Hex,
        energyWh: toBigInt(r.energy_wh),
        price: toBigInt(r.price),
      }));
    },

    /** The slots (market, slot) in which the account has settlement lines, newest first. */
    async settledSlotsOfAccount(account: Address, limit = 50) {
      const { rows } = await db.query<{ market: string; slot: string }>(
        `select distinct market, slot from market_settlement_lines where account = $1
          order by slot desc limit $2`,
        [account.toLowerCase(), limit],
      );
      return rows.map((r) => ({ market: r.market as Hex, slot: toBigInt(r.slot) }));
    },
  };
}

/** The settlement store (see {@link createSettlementStore}). */
export type SettlementStore = ReturnType<typeof createSettlementStore>;
