/**
 * Clearing in the pure core (part of `npm run bench:market`): 100k random orders (median of 5 runs),
 * and a slot of 1,000 participants cleared and settled without a chain.
 */
import type { Address, Hex } from "viem";
import { type AuctionOrder, clearDoubleAuction } from "../../src/market/clearDoubleAuction.js";
import { commitRoot, lineLeaf, orderLeaf, tradeLeaf } from "../../src/market/commitTree.js";
import { settleSlot } from "../../src/market/settleSlot.js";

/** A small deterministic generator (mulberry32), so every run clears the same books. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function randomBook(count: number, accounts: number, seed: number): AuctionOrder[] {
  const next = random(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return Array.from({ length: count }, (_, i) => {
    const side = next() < 0.5 ? "buy" : "sell";
    return {
      id: `o${i}`,
      side,
      account: `0x${int(0, accounts - 1)
        .toString(16)
        .padStart(40, "0")}`,
      energyWh: BigInt(int(100, 5_000)),
      limitPrice: BigInt(side === "buy" ? int(10, 40) : int(5, 35)),
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Clears 100k random orders 5 times, and clears and settles a pure slot of `participants`; prints the figures. */
export function measureClearing(participants = 1_000) {
  const orderCount = 100_000;
  const book = randomBook(orderCount, 5_000, 1);
  clearDoubleAuction(book.slice(0, 1_000)); // warm up the JIT
  const clearMs: number[] = [];
  let cleared = clearDoubleAuction(book);
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    cleared = clearDoubleAuction(book);
    clearMs.push(performance.now() - started);
  }

  // A slot with 1,000 participants: 500 sellers and 500 buyers, one device and one order each.
  const hex = (n: number, bytes: number) => `0x${n.toString(16).padStart(bytes * 2, "0")}` as Hex;
  const slotBook = randomBook(participants, participants, 2).map((o, i) => ({
    ...o,
    side: i % 2 === 0 ? ("sell" as const) : ("buy" as const),
    id: hex(i + 1, 32),
    account: hex(i + 1, 20),
  }));
  const slotStarted = performance.now();
  const slotResult = clearDoubleAuction(slotBook);
  const ordersRoot = commitRoot(slotBook.map((o) => orderLeaf(o.id as Hex)));
  const tradesRoot = commitRoot(
    slotResult.trades.map((t) =>
      tradeLeaf({ buyDigest: t.buy as Hex, sellDigest: t.sell as Hex, energyWh: t.energyWh, price: t.price }),
    ),
  );
  const slotCleared = performance.now();
  const next = random(3);
  const settlement = settleSlot({
    trades: slotResult.trades,
    orders: new Map(
      slotBook.map((o, i) => [
        o.id,
        { account: o.account as Address, device: hex(i + 1, 32), side: o.side === "buy" ? 0 : 1 },
      ]),
    ),
    metered: new Map(
      slotBook.map((o, i) => {
        const wh = (o.energyWh * BigInt(Math.floor(next() * 130))) / 100n;
        return [hex(i + 1, 32), { importWh: wh, exportWh: wh }];
      }),
    ),
    tariffs: { retailPrice: 40n, feedInPrice: 8n },
    gridOperator: hex(0xfeed, 20) as Address,
  });
  const settlementRoot = commitRoot(settlement.lines.map(lineLeaf));
  const slotSettled = performance.now();
  const net = settlement.lines.reduce((sum, l) => sum + l.tradeValue + l.gridValue, 0n);
  if (net !== 0n) throw new Error(`settlement does not net to zero: ${net}`);

  // A yardstick for a busy machine: sorting 100k doubles takes a few ms on an idle core.
  const yardstickMs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const values = Float64Array.from({ length: orderCount }, random(run));
    const started = performance.now();
    values.sort();
    yardstickMs.push(performance.now() - started);
  }

  const clearMedian = median(clearMs);
  console.log(
    `orders cleared:             ${orderCount} (${cleared.trades.length} trades, ${cleared.volumeWh} Wh)`,
  );
  console.log(
    `clear 100k (median of 5):   ${clearMedian.toFixed(1)} ms  [runs: ${clearMs.map((m) => m.toFixed(0)).join(", ")}]`,
  );
  console.log(
    `slot of ${participants} participants:  clear + roots ${(slotCleared - slotStarted).toFixed(1)} ms, ` +
      `settle + root ${(slotSettled - slotCleared).toFixed(1)} ms (${settlement.lines.length} lines, ${slotResult.trades.length} trades)`,
  );
  console.log(
    `roots:                      orders ${ordersRoot.slice(0, 10)}…, trades ${tradesRoot.slice(0, 10)}…, settlement ${settlementRoot.slice(0, 10)}…`,
  );
  return {
    orders: orderCount,
    clearMedianMs: Number(clearMedian.toFixed(1)),
    clearRunsMs: clearMs.map((m) => Number(m.toFixed(1))),
    pureSlotParticipants: participants,
    pureSlotTrades: slotResult.trades.length,
    pureSlotClearMs: Number((slotCleared - slotStarted).toFixed(1)),
    pureSlotSettleMs: Number((slotSettled - slotCleared).toFixed(1)),
    yardstickSortMs: Number(median(yardstickMs).toFixed(1)),
  };
}
