import { BaseError } from "../core/errors.js";
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
  /** Energy and limit of each order as exact integers below 2^53 (see `indexBook`). */
  energy: Float64Array;
  limit: Float64Array;
  accountOf: Int32Array;
  accountCount: number;
  /** Buy positions by priority: limit descending, then input order. */
  buys: Int32Array;
  /** Sell positions by priority: limit ascending, then input order. */
  sells: Int32Array;
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
 * Throws MARKET_CLEARING_INPUT_INVALID for a repeated id, a non-positive quantity or a book whose
 * total energy reaches 2^53 Wh.
 */
export function clearDoubleAuction(
  orders: readonly AuctionOrder[],
  options: { mechanism?: Mechanism; rule?: PriceRule } = {},
): ClearingResult {
  const mechanism = options.mechanism ?? "pay-as-clear";
  const rule = options.rule ?? "midpoint";
  const book = indexBook(orders);
  const { volume, threshold } = maximalVolume(book);
  if (volume === 0) return { mechanism, rule, price: null, volumeWh: 0n, trades: [] };
  // Sells first: an account sells at most what the other accounts' eligible buys can take.
  const { total, byAccount } = eligibleBuys(book, threshold);
  const sellCaps = byAccount.map((own) => total - own);
  const sellFills = fillSide(book, book.sells, volume, sellCaps);
  // Buys next: an account buys at most the volume less what it sells, so no account trades with itself.
  const buyCaps = new Float64Array(book.accountCount).fill(volume);
  for (const f of sellFills)
    buyCaps[book.accountOf[f.index] as number] =
      (buyCaps[book.accountOf[f.index] as number] as number) - f.energyWh;
  const buyFills = fillSide(book, book.buys, volume, buyCaps);
  let marginalBid = Number.POSITIVE_INFINITY;
  for (const f of buyFills) marginalBid = Math.min(marginalBid, book.limit[f.index] as number);
  let marginalAsk = 0;
  for (const f of sellFills) marginalAsk = Math.max(marginalAsk, book.limit[f.index] as number);
  const price =
    mechanism === "pay-as-bid"
      ? null
      : rule === "marginal-bid"
        ? BigInt(marginalBid)
        : rule === "marginal-ask"
          ? BigInt(marginalAsk)
          : (BigInt(marginalBid) + BigInt(marginalAsk)) / 2n;
  const trades = pairFills(buyFills, sellFills, book.accountOf, book.accountCount).map((p) => {
    const buy = orders[p.buy] as AuctionOrder;
    const sell = orders[p.sell] as AuctionOrder;
    return { buy: buy.id, sell: sell.id, energyWh: BigInt(p.energyWh), price: price ?? buy.limitPrice };
  });
  return { mechanism, rule, price, volumeWh: BigInt(volume), trades };
}

function invalid(message: string, details: Record<string, unknown>): BaseError {
  return new BaseError("MARKET_CLEARING_INPUT_INVALID", message, { details });
}

const safe = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Indexes the book. Quantities are bigints at the interface; inside the clearing they are held as
 * doubles, exact because every one and every sum stays below 2^53 (checked here: the whole book's
 * energy, and each limit), and bigint arithmetic would make a 100k-order clearing several times
 * slower. Results are bigints again.
 */
function indexBook(orders: readonly AuctionOrder[]): Book {
  const n = orders.length;
  const accountIds = new Map<string, number>();
  const accountOf = new Int32Array(n);
  const energy = new Float64Array(n);
  const limit = new Float64Array(n);
  const ids = new Set<string>();
  let total = 0;
  let buyCount = 0;
  for (let index = 0; index < n; index++) {
    const order = orders[index] as AuctionOrder;
    if (ids.has(order.id)) throw invalid(`order id ${order.id} appears twice`, { id: order.id });
    ids.add(order.id);
    if (order.energyWh <= 0n || order.limitPrice <= 0n) {
      throw invalid(`order ${order.id}: energyWh and limitPrice must be positive`, { id: order.id });
    }
    if (order.energyWh > safe || order.limitPrice > safe) {
      throw invalid(`order ${order.id}: energyWh and limitPrice must be below 2^53`, { id: order.id });
    }
    if (order.side === "buy") buyCount++;
    else if (order.side !== "sell")
      throw invalid(`order ${order.id}: side must be buy or sell`, { id: order.id });
    energy[index] = Number(order.energyWh);
    limit[index] = Number(order.limitPrice);
    total += energy[index] as number;
    const account = order.account.toLowerCase();
    let id = accountIds.get(account);
    if (id === undefined) {
      id = accountIds.size;
      accountIds.set(account, id);
    }
    accountOf[index] = id;
  }
  if (total > Number.MAX_SAFE_INTEGER) throw invalid("the book's total energy must be below 2^53 Wh", {});
  const buys = new Int32Array(buyCount);
  const sells = new Int32Array(n - buyCount);
  let b = 0;
  let s = 0;
  for (let index = 0; index < n; index++) {
    if ((orders[index] as AuctionOrder).side === "buy") buys[b++] = index;
    else sells[s++] = index;
  }
  return {
    orders,
    energy,
    limit,
    accountOf,
    accountCount: accountIds.size,
    buys: byPriority(limit, buys, true),
    sells: byPriority(limit, sells, false),
  };
}

const indexBits = 2 ** 21;
const limitBits = 2 ** 31;

/**
 * Positions by limit (descending for buys), then input position. Packs both into one exact double
 * when they fit (limits below 2^31, under 2^21 orders) and sorts a Float64Array, much faster than a
 * comparator.
 */
function byPriority(limit: Float64Array, positions: Int32Array, descending: boolean): Int32Array {
  const fits = limit.length < indexBits && positions.every((i) => (limit[i] as number) < limitBits);
  if (!fits) {
    const sign = descending ? -1 : 1;
    return positions.sort((x, y) => {
      const lx = limit[x] as number;
      const ly = limit[y] as number;
      return lx === ly ? x - y : lx < ly ? -sign : sign;
    });
  }
  const keys = new Float64Array(positions.length);
  positions.forEach((i, k) => {
    const l = limit[i] as number;
    keys[k] = (descending ? limitBits - l : l) * indexBits + i;
  });
  keys.sort();
  return Int32Array.from(keys, (key) => key % indexBits);
}

/**
 * Sweeps the threshold price up through every limit in the book; the first best volume wins. The
 * self-trade bound B + S − L_a only binds for an account whose load L_a exceeds max(B, S), so only
 * the accounts whose whole book is that large are looked at (most books have none).
 */
function maximalVolume(book: Book): { volume: number; threshold: number } {
  const { energy, limit, accountOf, buys, sells } = book;
  const loads = new Float64Array(book.accountCount);
  const whole = new Float64Array(book.accountCount);
  let buyTotal = 0;
  for (const i of buys) {
    buyTotal += energy[i] as number;
    loads[accountOf[i] as number] = (loads[accountOf[i] as number] as number) + (energy[i] as number);
  }
  whole.set(loads);
  for (const i of sells)
    whole[accountOf[i] as number] = (whole[accountOf[i] as number] as number) + (energy[i] as number);
  const largest = Int32Array.from(whole.keys()).sort((x, y) => (whole[y] as number) - (whole[x] as number));
  const candidates = Float64Array.from(new Set(limit)).sort();
  let sellTotal = 0;
  let buyOut = buys.length - 1; // buys leave from the end of their priority order (lowest limit)
  let sellIn = 0;
  let volume = 0;
  let threshold = 0;
  for (const p of candidates) {
    while (buyOut >= 0 && (limit[buys[buyOut] as number] as number) < p) {
      const i = buys[buyOut--] as number;
      buyTotal -= energy[i] as number;
      loads[accountOf[i] as number] = (loads[accountOf[i] as number] as number) - (energy[i] as number);
    }
    while (sellIn < sells.length && (limit[sells[sellIn] as number] as number) <= p) {
      const i = sells[sellIn++] as number;
      sellTotal += energy[i] as number;
      loads[accountOf[i] as number] = (loads[accountOf[i] as number] as number) + (energy[i] as number);
    }
    let flow = Math.min(buyTotal, sellTotal);
    const larger = Math.max(buyTotal, sellTotal);
    for (const a of largest) {
      if ((whole[a] as number) <= larger) break;
      flow = Math.min(flow, buyTotal + sellTotal - (loads[a] as number));
    }
    if (flow > volume) {
      volume = flow;
      threshold = p;
    }
  }
  return { volume, threshold };
}

/** Each account's eligible buys at the threshold, and their total. */
function eligibleBuys(book: Book, threshold: number): { total: number; byAccount: Float64Array } {
  const byAccount = new Float64Array(book.accountCount);
  let total = 0;
  for (const i of book.buys) {
    if ((book.limit[i] as number) < threshold) break;
    byAccount[book.accountOf[i] as number] =
      (byAccount[book.accountOf[i] as number] as number) + (book.energy[i] as number);
    total += book.energy[i] as number;
  }
  return { total, byAccount };
}

/** Fills one side by priority up to `volume`, each account at most its cap (the caps are used up). */
function fillSide(book: Book, side: Int32Array, volume: number, caps: Float64Array): Fill[] {
  const fills: Fill[] = [];
  let left = volume;
  for (const index of side) {
    if (left === 0) break;
    const a = book.accountOf[index] as number;
    const amount = Math.min(book.energy[index] as number, left, caps[a] as number);
    if (amount === 0) continue;
    fills.push({ index, energyWh: amount });
    left -= amount;
    caps[a] = (caps[a] as number) - amount;
  }
  return fills;
}
