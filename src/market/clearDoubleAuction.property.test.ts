import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AuctionOrder,
  type ClearingResult,
  clearDoubleAuction,
  type Mechanism,
  type PriceRule,
} from "./clearDoubleAuction.js";

const runs = { seed: 20_261_203, numRuns: Number(process.env.FC_RUNS ?? 400) };

/** A book of up to 6 orders over 3 accounts (so self-trades are often in the way), small numbers. */
const smallBook = fc
  .array(
    fc.record({
      side: fc.constantFrom<"buy" | "sell">("buy", "sell"),
      account: fc.constantFrom("0xA", "0xB", "0xC"),
      energyWh: fc.integer({ min: 1, max: 20 }).map(BigInt),
      limitPrice: fc.integer({ min: 1, max: 10 }).map(BigInt),
    }),
    { maxLength: 6 },
  )
  .map((orders) => orders.map((o, i): AuctionOrder => ({ id: `o${i}`, ...o })));

const options = fc.record({
  mechanism: fc.constantFrom<Mechanism>("pay-as-clear", "pay-as-bid"),
  rule: fc.constantFrom<PriceRule>("marginal-bid", "marginal-ask", "midpoint"),
});

/** Max flow from buys to sells of different accounts (augmenting paths; tiny graphs only). */
function maxFlowWithoutSelfTrades(buys: AuctionOrder[], sells: AuctionOrder[]): bigint {
  const buyLeft = buys.map((b) => b.energyWh);
  const sellLeft = sells.map((s) => s.energyWh);
  const flow = buys.map(() => sells.map(() => 0n));
  let total = 0n;
  for (;;) {
    // Breadth-first search over the residual graph: source → buy → sell (→ buy via undo) → sink.
    const from = new Map<string, string>();
    const queue: string[] = [];
    buys.forEach((_, i) => {
      if ((buyLeft[i] as bigint) > 0n) {
        from.set(`b${i}`, "source");
        queue.push(`b${i}`);
      }
    });
    let end: string | undefined;
    while (queue.length > 0 && end === undefined) {
      const node = queue.shift() as string;
      const k = Number(node.slice(1));
      if (node[0] === "b") {
        sells.forEach((s, j) => {
          if (s.account.toLowerCase() === (buys[k] as AuctionOrder).account.toLowerCase()) return;
          if (from.has(`s${j}`)) return;
          from.set(`s${j}`, node);
          queue.push(`s${j}`);
        });
      } else {
        if ((sellLeft[k] as bigint) > 0n) end = node;
        buys.forEach((_, i) => {
          if ((flow[i]?.[k] as bigint) > 0n && !from.has(`b${i}`)) {
            from.set(`b${i}`, node);
            queue.push(`b${i}`);
          }
        });
      }
    }
    if (end === undefined) return total;
    const path: string[] = [end];
    while (from.get(path[0] as string) !== "source") path.unshift(from.get(path[0] as string) as string);
    let amount = buyLeft[Number((path[0] as string).slice(1))] as bigint;
    const last = sellLeft[Number(end.slice(1))] as bigint;
    if (last < amount) amount = last;
    for (let p = 1; p < path.length; p++) {
      const [x, y] = [path[p - 1] as string, path[p] as string];
      if (x[0] === "s") {
        const undo = flow[Number(y.slice(1))]?.[Number(x.slice(1))] as bigint;
        if (undo < amount) amount = undo;
      }
    }
    const first = Number((path[0] as string).slice(1));
    buyLeft[first] = (buyLeft[first] as bigint) - amount;
    sellLeft[Number(end.slice(1))] = last - amount;
    for (let p = 1; p < path.length; p++) {
      const [x, y] = [path[p - 1] as string, path[p] as string];
      const row = x[0] === "b" ? Number(x.slice(1)) : Number(y.slice(1));
      const col = x[0] === "b" ? Number(y.slice(1)) : Number(x.slice(1));
      (flow[row] as bigint[])[col] = (flow[row]?.[col] as bigint) + (x[0] === "b" ? amount : -amount);
    }
    total += amount;
  }
}

/** The largest volume over every subset of orders whose buys all bid at least every sell asks. */
function bruteForceVolume(orders: AuctionOrder[]): bigint {
  let best = 0n;
  for (let mask = 0; mask < 1 << orders.length; mask++) {
    const chosen = orders.filter((_, i) => (mask >> i) & 1);
    const buys = chosen.filter((o) => o.side === "buy");
    const sells = chosen.filter((o) => o.side === "sell");
    if (buys.some((b) => sells.some((s) => b.limitPrice < s.limitPrice))) continue;
    const volume = maxFlowWithoutSelfTrades(buys, sells);
    if (volume > best) best = volume;
  }
  return best;
}

/** Filled energy per order id. */
function fills(result: ClearingResult): Map<string, bigint> {
  const filled = new Map<string, bigint>();
  for (const t of result.trades) {
    filled.set(t.buy, (filled.get(t.buy) ?? 0n) + t.energyWh);
    filled.set(t.sell, (filled.get(t.sell) ?? 0n) + t.energyWh);
  }
  return filled;
}

/** Filled energy per (side, limit): what a permutation of the input must leave unchanged. */
function fillsByLevel(orders: AuctionOrder[], result: ClearingResult): Record<string, string> {
  const filled = fills(result);
  const levels: Record<string, bigint> = {};
  for (const o of orders) {
    const key = `${o.side}@${o.limitPrice}`;
    levels[key] = (levels[key] ?? 0n) + (filled.get(o.id) ?? 0n);
  }
  return Object.fromEntries(Object.entries(levels).map(([k, v]) => [k, v.toString()]));
}

describe("clearDoubleAuction, for arbitrary small books", () => {
  it("trades the largest volume any uniform-price, self-trade-free set of fills can reach", () => {
    fc.assert(
      fc.property(smallBook, options, (orders, opts) => {
        expect(clearDoubleAuction(orders, opts).volumeWh).toBe(bruteForceVolume(orders));
      }),
      runs,
    );
  });

  it("fills no order beyond its energy, and the trades sum to the volume", () => {
    fc.assert(
      fc.property(smallBook, options, (orders, opts) => {
        const result = clearDoubleAuction(orders, opts);
        const filled = fills(result);
        for (const o of orders) expect(filled.get(o.id) ?? 0n).toBeLessThanOrEqual(o.energyWh);
        expect(result.trades.reduce((sum, t) => sum + t.energyWh, 0n)).toBe(result.volumeWh);
        for (const t of result.trades) expect(t.energyWh).toBeGreaterThan(0n);
      }),
      runs,
    );
  });

  it("never matches two orders of the same account, and pairs a buy with a sell", () => {
    fc.assert(
      fc.property(smallBook, options, (orders, opts) => {
        const byId = new Map(orders.map((o) => [o.id, o]));
        for (const t of clearDoubleAuction(orders, opts).trades) {
          expect(byId.get(t.buy)?.side).toBe("buy");
          expect(byId.get(t.sell)?.side).toBe("sell");
          expect(byId.get(t.buy)?.account).not.toBe(byId.get(t.sell)?.account);
        }
      }),
      runs,
    );
  });

  it("prices pay-as-clear between the marginal orders by the rule, inside every filled limit", () => {
    fc.assert(
      fc.property(smallBook, options, (orders, { rule }) => {
        const result = clearDoubleAuction(orders, { mechanism: "pay-as-clear", rule });
        const byId = new Map(orders.map((o) => [o.id, o]));
        if (result.volumeWh === 0n) {
          expect(result.price).toBeNull();
          return;
        }
        const buyLimits = result.trades.map((t) => byId.get(t.buy)?.limitPrice as bigint);
        const sellLimits = result.trades.map((t) => byId.get(t.sell)?.limitPrice as bigint);
        const marginalBid = buyLimits.reduce((a, b) => (b < a ? b : a));
        const marginalAsk = sellLimits.reduce((a, b) => (b > a ? b : a));
        const expected = { "marginal-bid": marginalBid, "marginal-ask": marginalAsk, midpoint: 0n };
        expected.midpoint = (marginalBid + marginalAsk) / 2n;
        expect(result.price).toBe(expected[rule]);
        for (const t of result.trades) {
          expect(t.price).toBe(result.price);
          expect(byId.get(t.buy)?.limitPrice).toBeGreaterThanOrEqual(t.price);
          expect(byId.get(t.sell)?.limitPrice).toBeLessThanOrEqual(t.price);
        }
      }),
      runs,
    );
  });

  it("prices pay-as-bid at each bid's limit, with the same fills as pay-as-clear", () => {
    fc.assert(
      fc.property(smallBook, (orders) => {
        const byBid = clearDoubleAuction(orders, { mechanism: "pay-as-bid" });
        const byClear = clearDoubleAuction(orders);
        const byId = new Map(orders.map((o) => [o.id, o]));
        expect(byBid.price).toBeNull();
        expect(fills(byBid)).toEqual(fills(byClear));
        for (const t of byBid.trades) {
          expect(t.price).toBe(byId.get(t.buy)?.limitPrice);
          expect(byId.get(t.sell)?.limitPrice).toBeLessThanOrEqual(t.price);
        }
      }),
      runs,
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(smallBook, options, (orders, opts) => {
        expect(clearDoubleAuction(orders, opts)).toEqual(clearDoubleAuction(structuredClone(orders), opts));
      }),
      runs,
    );
  });

  it("gives the same volume, price and fills per price level for any order of receipt", () => {
    fc.assert(
      fc.property(
        smallBook.chain((orders) =>
          fc.tuple(fc.constant(orders), fc.shuffledSubarray(orders, { minLength: orders.length })),
        ),
        options,
        ([orders, shuffled], opts) => {
          const a = clearDoubleAuction(orders, opts);
          const b = clearDoubleAuction(shuffled, opts);
          expect(b.volumeWh).toBe(a.volumeWh);
          expect(b.price).toBe(a.price);
          expect(fillsByLevel(shuffled, b)).toEqual(fillsByLevel(orders, a));
        },
      ),
      runs,
    );
  });
});
