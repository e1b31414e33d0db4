import type { Address, Hex } from "viem";
import { BaseError } from "../core/errors.js";

/**
 * One line of a slot's settlement (Market.sol `SettlementLine`): side 0 buy, 1 sell, 2 the grid
 * operator's balancing line. Values in settlement-token base units, signed (+ = the account receives).
 */
export type SettlementLine = {
  account: Address;
  device: Hex;
  side: 0 | 1 | 2;
  tradedWh: bigint;
  meteredWh: bigint;
  deliveredWh: bigint;
  tradeValue: bigint;
  gridValue: bigint;
  rewardWh: bigint;
};

/** The grid operator's tariffs of a market, in base units per kWh. */
export type Tariffs = { retailPrice: bigint; feedInPrice: bigint };

/** The device id of the grid operator's line. */
export const gridDevice: Hex = `0x${"00".repeat(32)}`;

/** The value of `energyWh` at `pricePerKwh`: floor(p × E / 1000) base units. */
export function tradeValue(pricePerKwh: bigint, energyWh: bigint): bigint {
  return (pricePerKwh * energyWh) / 1000n;
}

/**
 * A line's value with the grid operator (docs/market.md, "Settlement"), with delivered D = min(T, M).
 * Sell: excess export sold at feed-in, undelivered energy bought at retail:
 * floor(feedIn × (M−D)/1000) − floor(retail × (T−D)/1000).
 * Buy: bought-but-unused energy sold back at feed-in, excess import bought at retail:
 * floor(feedIn × (T−D)/1000) − floor(retail × (M−D)/1000).
 */
export function gridValueOf(side: 0 | 1, tradedWh: bigint, meteredWh: bigint, tariffs: Tariffs): bigint {
  const delivered = minimum(tradedWh, meteredWh);
  const { retailPrice: retail, feedInPrice: feedIn } = tariffs;
  return side === 1
    ? tradeValue(feedIn, meteredWh - delivered) - tradeValue(retail, tradedWh - delivered)
    : tradeValue(feedIn, tradedWh - delivered) - tradeValue(retail, meteredWh - delivered);
}

/** What settlement needs to know of an order, by its id (digest). */
export type SettlementOrder = { account: Address; device: Hex; side: 0 | 1 };

/** A trade as the clearing returned it. */
export type SettledTrade = { buy: string; sell: string; energyWh: bigint; price: bigint };

/** The input of `settleSlot`. */
export type SettleInput = {
  trades: readonly SettledTrade[];
  orders: ReadonlyMap<string, SettlementOrder>;
  /** Reading deltas of the slot by device (lower-case hex); absent = no reading = 0. */
  metered: ReadonlyMap<Hex, { importWh: bigint; exportWh: bigint }>;
  tariffs: Tariffs;
  gridOperator: Address;
};

type LineBuilder = { line: SettlementLine; trades: number[] };

/**
 * Settles a cleared slot (docs/market.md, "Settlement"): one line per (account, device, side) with
 * traded, metered and delivered energy, trade value and grid value, then the grid operator's line
 * that balances the grid values, last. Lines are sorted by device (lower-case hex), then side.
 * Each line's delivered energy is shared over its trades pro rata to trade energy in whole Wh (the
 * remainder one Wh at a time to the largest fractional parts, ties to the earlier trade); a trade
 * delivered min(seller's share, buyer's share), and a line's rewardWh sums its trades'.
 * The sum of tradeValue + gridValue over all lines is 0.
 */
export function settleSlot(input: SettleInput): {
  lines: SettlementLine[];
  deliveries: { buy: string; sell: string; deliveredWh: bigint }[];
} {
  const builders = new Map<string, LineBuilder>();
  const lineOf = (orderId: string, side: 0 | 1, tradeIndex: number): LineBuilder => {
    const order = input.orders.get(orderId);
    if (order === undefined || order.side !== side) {
      throw new BaseError("MARKET_ORDER_UNKNOWN", `trade names ${orderId}, not a known order of that side`, {
        details: { order: orderId },
      });
    }
    const device = order.device.toLowerCase() as Hex;
    const key = `${device}:${side}`;
    let builder = builders.get(key);
    if (builder === undefined) {
      builder = { line: emptyLine(order.account, device, side), trades: [] };
      builders.set(key, builder);
    }
    builder.trades.push(tradeIndex);
    return builder;
  };
  input.trades.forEach((trade, index) => {
    const value = tradeValue(trade.price, trade.energyWh);
    const buy = lineOf(trade.buy, 0, index).line;
    buy.tradedWh += trade.energyWh;
    buy.tradeValue -= value;
    const sell = lineOf(trade.sell, 1, index).line;
    sell.tradedWh += trade.energyWh;
    sell.tradeValue += value;
  });
  const buyShare = new Array<bigint>(input.trades.length).fill(0n);
  const sellShare = new Array<bigint>(input.trades.length).fill(0n);
  for (const { line, trades } of builders.values()) {
    const reading = input.metered.get(line.device);
    line.meteredWh = reading === undefined ? 0n : line.side === 1 ? reading.exportWh : reading.importWh;
    line.deliveredWh = minimum(line.tradedWh, line.meteredWh);
    line.gridValue = gridValueOf(line.side as 0 | 1, line.tradedWh, line.meteredWh, input.tariffs);
    const energies = trades.map((t) => (input.trades[t] as SettledTrade).energyWh);
    const shares = shareProRata(line.deliveredWh, energies);
    const target = line.side === 1 ? sellShare : buyShare;
    trades.forEach((t, k) => {
      target[t] = shares[k] as bigint;
    });
  }
  const deliveries = input.trades.map((trade, t) => {
    const b = buyShare[t] as bigint;
    const s = sellShare[t] as bigint;
    return { buy: trade.buy, sell: trade.sell, deliveredWh: minimum(b, s) };
  });
  for (const { line, trades } of builders.values()) {
    for (const t of trades) line.rewardWh += (deliveries[t] as { deliveredWh: bigint }).deliveredWh;
  }
  const lines = [...builders.values()]
    .map((b) => b.line)
    .sort((x, y) => (x.device === y.device ? x.side - y.side : x.device < y.device ? -1 : 1));
  const grid = emptyLine(input.gridOperator, gridDevice, 2);
  for (const line of lines) grid.gridValue -= line.gridValue;
  lines.push(grid);
  return { lines, deliveries };
}

function minimum(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function emptyLine(account: Address, device: Hex, side: 0 | 1 | 2): SettlementLine {
  return {
    account,
    device,
    side,
    tradedWh: 0n,
    meteredWh: 0n,
    deliveredWh: 0n,
    tradeValue: 0n,
    gridValue: 0n,
    rewardWh: 0n,
  };
}

/**
 * Shares `total` Wh over parts pro rata to `weights`, in whole Wh: floor shares first, then the
 * remainder one Wh at a time to the largest fractional parts, ties to the earlier part.
 */
export function shareProRata(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (sum === 0n) return weights.map(() => 0n);
  const shares = weights.map((w) => (total * w) / sum);
  let remainder = total - shares.reduce((a, b) => a + b, 0n);
  const order = weights
    .map((w, i) => ({ i, fraction: (total * w) % sum }))
    .sort((x, y) => (x.fraction === y.fraction ? x.i - y.i : x.fraction > y.fraction ? -1 : 1));
  for (const { i } of order) {
    if (remainder === 0n) break;
    shares[i] = (shares[i] as bigint) + 1n;
    remainder--;
  }
  return shares;
}
