import { LazyMaxHeap } from "./maxHeap.js";

/** How much of one order (by its index in the clearing input) a clearing fills. */
export type Fill = { index: number; energyWh: bigint };

/** One pairing of a filled buy with a filled sell, by input index. */
export type Pairing = { buy: number; sell: number; energyWh: bigint };

/**
 * Pairs filled buys with filled sells so that no account trades with itself (docs/market.md,
 * "Pairing"). `buys` and `sells` are in priority order and each side sums to the same volume V;
 * every account's buy fill plus sell fill must be at most V, which is exactly the condition under
 * which a pairing without self-trades exists.
 *
 * The walk takes the first buy with energy left, and pairs it with the first sell (in priority order)
 * of another account — unless some other account's remaining buys plus sells equal the remaining
 * volume, in which case every remaining pairing must involve that account, and the buy is paired with
 * that account's first sell. The amount is the largest that keeps every account within the remaining
 * volume. Consecutive pairings of the same two orders are merged.
 */
export function pairFills(
  buys: readonly Fill[],
  sells: readonly Fill[],
  accountOf: Int32Array,
  accountCount: number,
): Pairing[] {
  const buyLeft = buys.map((f) => f.energyWh);
  const sellLeft = sells.map((f) => f.energyWh);
  const loads = new LazyMaxHeap(accountCount);
  const sellsByAccount = new Map<number, number[]>();
  let remaining = 0n;
  for (const fill of buys) {
    const a = accountOf[fill.index] as number;
    loads.set(a, loads.get(a) + fill.energyWh);
    remaining += fill.energyWh;
  }
  sells.forEach((fill, position) => {
    const a = accountOf[fill.index] as number;
    loads.set(a, loads.get(a) + fill.energyWh);
    const queue = sellsByAccount.get(a);
    if (queue === undefined) sellsByAccount.set(a, [position]);
    else queue.push(position);
  });
  const queueHead = new Map<number, number>();
  const pairings: Pairing[] = [];
  let buyPosition = 0;
  let sellHead = 0;
  while (remaining > 0n) {
    while ((buyLeft[buyPosition] as bigint) === 0n) buyPosition++;
    const buy = buys[buyPosition] as Fill;
    const a = accountOf[buy.index] as number;
    const tops = loads.top(3);
    const tight = tops.find((t) => t.key !== a && t.value === remaining);
    let sellPosition: number;
    if (tight !== undefined) {
      const queue = sellsByAccount.get(tight.key) as number[];
      let head = queueHead.get(tight.key) ?? 0;
      while ((sellLeft[queue[head] as number] as bigint) === 0n) head++;
      queueHead.set(tight.key, head);
      sellPosition = queue[head] as number;
    } else {
      while ((sellLeft[sellHead] as bigint) === 0n) sellHead++;
      sellPosition = sellHead;
      while (
        (sellLeft[sellPosition] as bigint) === 0n ||
        accountOf[(sells[sellPosition] as Fill).index] === a
      ) {
        sellPosition++;
      }
    }
    const sell = sells[sellPosition] as Fill;
    const c = accountOf[sell.index] as number;
    const others = tops.find((t) => t.key !== a && t.key !== c)?.value ?? 0n;
    let amount = remaining - others;
    if ((buyLeft[buyPosition] as bigint) < amount) amount = buyLeft[buyPosition] as bigint;
    if ((sellLeft[sellPosition] as bigint) < amount) amount = sellLeft[sellPosition] as bigint;
    const last = pairings[pairings.length - 1];
    if (last !== undefined && last.buy === buy.index && last.sell === sell.index) last.energyWh += amount;
    else pairings.push({ buy: buy.index, sell: sell.index, energyWh: amount });
    buyLeft[buyPosition] = (buyLeft[buyPosition] as bigint) - amount;
    sellLeft[sellPosition] = (sellLeft[sellPosition] as bigint) - amount;
    remaining -= amount;
    loads.set(a, loads.get(a) - amount);
    loads.set(c, loads.get(c) - amount);
  }
  return pairings;
}
