import { BaseError } from "../core/errors.js";
import { LazyMaxHeap } from "./maxHeap.js";
import { type Fill, pairFills } from "./pairFills.js";

/** The side of an order: a buy (bid) or a sell (ask). */
export type OrderSide = "buy" | "sell";

/** One order of a clearing: energy in Wh, limit in settlement-token base units per kWh. */
export type AuctionOrder = {
  id: string;
  side: OrderSide;
  account: string;
  energyWh: bigint;
  limitPrice: bigint;
};

/** `pay-as-clear`: one uniform price for every trade; `pay-as-bid`: each trade at its bid's limit. */
export type Mechanism = "pay-as-clear" | "pay-as-bid";

/**
 * How the uniform price is chosen within the range every filled order accepts: `marginal-bid` the
 * lowest limit among filled buys, `marginal-ask` the highest among filled sells, `midpoint` the floor
 * of their mean.
 */
export type PriceRule = "marginal-bid" | "marginal-ask" | "midpoint";

/** A trade: `energyWh` from the sell order `sell` to the buy order `buy` at `price` per kWh. */
export type Trade = { buy: string; sell: string; energyWh: bigint; price: bigint };

/** The outcome of a clearing. `price` is null when nothing trades, and always for pay-as-bid. */
export type ClearingResult = {
  mechanism: Mechanism;
  rule: PriceRule;
  price: bigint | null;
  volumeWh: bigint;
  trades: Trade[];
};

/** The mechanisms and price rules, for option parsing. */
export const mechanisms: readonly Mechanism[] = ["pay-as-clear", "pay-as-bid"];
export const priceRules: readonly PriceRule[] = ["marginal-bid", "marginal-ask", "midpoint"];

/** The book, indexed: orders by position in the input, accounts as small integers. */
type Book = {
  orders: readonly AuctionOrder[];
  accountOf: Int32Array;
  accountCount: number;
  /** Buy positions by priority: limit descending, then input order. */
  buys: number[];
  /** Sell positions by priority: limit ascending, then input order. */
  sells: number[];
};

/**
 * Clears a double auction (docs/market.md, "Clearing"). The array order is the time of receipt.
 *
 * The traded volume is the largest any set of fills can reach such that every filled buy's limit is
 * at least every filled sell's limit and no account trades with itself. With a threshold price p, the
 * buys with limit ≥ p and sells with limit ≤ p can trade min(B, S, B + S − max over accounts of the
 * account's own B_a + S_a) — the max-flow of the bipartite graph without self-edges — and the volume
 * is the largest of these over every limit in the book as p (the lowest such p is used below).
 *
 * Which orders fill, each side by priority (better limit first, then earlier receipt) up to the
 * volume: first the sells, each account at most the other accounts' eligible buys (those with limit
 * ≥ the threshold); then the buys, each account at most the volume less its own filled sells. Both
 * sides always reach the volume, and every account's buys plus sells stay within it, which is when
 * a pairing without self-trades exists; trades pair the fills as `pairFills` documents.
 *
 * Pay-as-bid fills and pairs the same orders; each trade's price is its buy's limit.
 */
export function clearDoubleAuction(
  orders: readonly AuctionOrder[],
  options: { mechanism?: Mechanism; rule?: PriceRule } = {},
): ClearingResult {
  const mechanism = options.mechanism ?? "pay-as-clear";
  const rule = options.rule ?? "midpoint";
  const book = indexBook(orders);
  const { volume, threshold } = maximalVolume(book);
  if (volume === 0n) return { mechanism, rule, price: null, volumeWh: 0n, trades: [] };
  // Sells first: an account sells at most what the other accounts' eligible buys can take.
  const buys = eligibleBuys(book, threshold);
  const sellCaps = buys.byAccount.map((own) => buys.total - own);
  const sellFills = fillSide(book, book.sells, volume, sellCaps);
  // Buys next: an account buys at most the volume less what it sells, so no account trades with itself.
  const buyCaps = new Array<bigint>(book.accountCount).fill(volume);
  for (const f of sellFills) {
    const a = book.accountOf[f.index] as number;
    buyCaps[a] = (buyCaps[a] as bigint) - f.energyWh;
  }
  const buyFills = fillSide(book, book.buys, volume, buyCaps);
  let marginalBid = orders[(buyFills[0] as Fill).index]?.limitPrice as bigint;
  for (const f of buyFills) {
    const limit = (orders[f.index] as AuctionOrder).limitPrice;
    if (limit < marginalBid) marginalBid = limit;
  }
  let marginalAsk = 0n;
  for (const f of sellFills) {
    const limit = (orders[f.index] as AuctionOrder).limitPrice;
    if (limit > marginalAsk) marginalAsk = limit;
  }
  const price =
    mechanism === "pay-as-bid"
      ? null
      : rule === "marginal-bid"
        ? marginalBid
        : rule === "marginal-ask"
          ? marginalAsk
          : (marginalBid + marginalAsk) / 2n;
  const trades = pairFills(buyFills, sellFills, book.accountOf, book.accountCount).map((p) => {
    const buy = orders[p.buy] as AuctionOrder;
    const sell = orders[p.sell] as AuctionOrder;
    return { buy: buy.id, sell: sell.id, energyWh: p.energyWh, price: price ?? buy.limitPrice };
  });
  return { mechanism, rule, price, volumeWh: volume, trades };
}

function invalid(message: string, details: Record<string, unknown>): BaseError {
  return new BaseError("MARKET_CLEARING_INPUT_INVALID", message, { details });
}

function indexBook(orders: readonly AuctionOrder[]): Book {
  const accountIds = new Map<string, number>();
  const accountOf = new Int32Array(orders.length);
  const ids = new Set<string>();
  const buys: number[] = [];
  const sells: number[] = [];
  orders.forEach((order, index) => {
    if (ids.has(order.id)) throw invalid(`order id ${order.id} appears twice`, { id: order.id });
    ids.add(order.id);
    if (order.energyWh <= 0n || order.limitPrice <= 0n) {
      throw invalid(`order ${order.id}: energyWh and limitPrice must be positive`, { id: order.id });
    }
    const account = order.account.toLowerCase();
    let id = accountIds.get(account);
    if (id === undefined) {
      id = accountIds.size;
      accountIds.set(account, id);
    }
    accountOf[index] = id;
    if (order.side === "buy") buys.push(index);
    else if (order.side === "sell") sells.push(index);
    else throw invalid(`order ${order.id}: side must be buy or sell`, { id: order.id });
  });
  const limit = (i: number) => (orders[i] as AuctionOrder).limitPrice;
  buys.sort((x, y) => (limit(x) === limit(y) ? x - y : limit(x) > limit(y) ? -1 : 1));
  sells.sort((x, y) => (limit(x) === limit(y) ? x - y : limit(x) < limit(y) ? -1 : 1));
  return { orders, accountOf, accountCount: accountIds.size, buys, sells };
}

/** Sweeps the threshold price up through every limit in the book; the first best volume wins. */
function maximalVolume(book: Book): { volume: bigint; threshold: bigint } {
  const { orders, accountOf, buys, sells } = book;
  const energy = (i: number) => (orders[i] as AuctionOrder).energyWh;
  const limit = (i: number) => (orders[i] as AuctionOrder).limitPrice;
  const loads = new LazyMaxHeap(book.accountCount);
  let buyTotal = 0n;
  for (const i of buys) {
    buyTotal += energy(i);
    const a = accountOf[i] as number;
    loads.set(a, loads.get(a) + energy(i));
  }
  const candidates = [...new Set(orders.map((o) => o.limitPrice))].sort((x, y) => (x < y ? -1 : 1));
  let sellTotal = 0n;
  let buyOut = buys.length - 1; // buys leave from the end of their priority order (lowest limit)
  let sellIn = 0;
  let volume = 0n;
  let threshold = 0n;
  for (const p of candidates) {
    while (buyOut >= 0 && limit(buys[buyOut] as number) < p) {
      const i = buys[buyOut--] as number;
      buyTotal -= energy(i);
      loads.set(accountOf[i] as number, loads.get(accountOf[i] as number) - energy(i));
    }
    while (sellIn < sells.length && limit(sells[sellIn] as number) <= p) {
      const i = sells[sellIn++] as number;
      sellTotal += energy(i);
      loads.set(accountOf[i] as number, loads.get(accountOf[i] as number) + energy(i));
    }
    const largest = loads.top(1)[0]?.value ?? 0n;
    let flow = buyTotal < sellTotal ? buyTotal : sellTotal;
    if (buyTotal + sellTotal - largest < flow) flow = buyTotal + sellTotal - largest;
    if (flow > volume) {
      volume = flow;
      threshold = p;
    }
  }
  return { volume, threshold };
}

/** Each account's eligible buys at the threshold, and their total. */
function eligibleBuys(book: Book, threshold: bigint): { total: bigint; byAccount: bigint[] } {
  const byAccount = new Array<bigint>(book.accountCount).fill(0n);
  let total = 0n;
  book.orders.forEach((o, i) => {
    if (o.side !== "buy" || o.limitPrice < threshold) return;
    const a = book.accountOf[i] as number;
    byAccount[a] = (byAccount[a] as bigint) + o.energyWh;
    total += o.energyWh;
  });
  return { total, byAccount };
}

/** Fills one side by priority up to `volume`, each account at most its cap (the caps are used up). */
function fillSide(book: Book, side: readonly number[], volume: bigint, caps: bigint[]): Fill[] {
  const fills: Fill[] = [];
  let left = volume;
  for (const index of side) {
    if (left === 0n) break;
    const a = book.accountOf[index] as number;
    let amount = (book.orders[index] as AuctionOrder).energyWh;
    if (amount > left) amount = left;
    if (amount > (caps[a] as bigint)) amount = caps[a] as bigint;
    if (amount === 0n) continue;
    fills.push({ index, energyWh: amount });
    left -= amount;
    caps[a] = (caps[a] as bigint) - amount;
  }
  return fills;
}
