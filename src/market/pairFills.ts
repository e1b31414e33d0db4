import { LazyMaxHeap } from "./maxHeap.js";

/** How much of one order (by its index in the clearing input) a clearing fills. */
export type Fill = { index: number; energyWh: number };

/** One pairing of a filled buy with a filled sell, by input index. */
export type Pairing = { buy: number; sell: number; energyWh: number };

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
 * volume. Consecutive pairings of the same two orders are merged. Energies are exact integers held as
 * doubles (below 2^53, as `clearDoubleAuction` checks).
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
  // Built at the first tight step only: most books never have one.
  let sellsByAccount: Map<number, number[]> | undefined;
  const initial = new Float64Array(accountCount);
  let remaining = 0;
  for (const fill of buys) {
    const a = accountOf[fill.index] as number;
    initial[a] = (initial[a] as number) + fill.energyWh;
    remaining += fill.energyWh;
  }
  for (const fill of sells) {
    const a = accountOf[fill.index] as number;
    initial[a] = (initial[a] as number) + fill.energyWh;
  }
  initial.forEach((load, a) => {
    loads.init(a, load);
  });
  const queueHead = new Map<number, number>();
  const pairings: Pairing[] = [];
  let buyPosition = 0;
  let sellHead = 0;
  while (remaining > 0) {
    while ((buyLeft[buyPosition] as number) === 0) buyPosition++;
    const buy = buys[buyPosition] as Fill;
    const a = accountOf[buy.index] as number;
    const buyAmount = buyLeft[buyPosition] as number;
    // Most steps: no account is anywhere near the remaining volume, so nothing constrains the pairing.
    const relaxed = loads.upperBound() + buyAmount <= remaining;
    const tops = relaxed ? [] : loads.top(3);
    const tight = tops.find((t) => t.key !== a && t.value === remaining);
    let sellPosition: number;
    if (tight !== undefined) {
      sellsByAccount ??= sellQueues(sells, accountOf);
      const queue = sellsByAccount.get(tight.key) as number[];
      let head = queueHead.get(tight.key) ?? 0;
      while ((sellLeft[queue[head] as number] as number) === 0) head++;
      queueHead.set(tight.key, head);
      sellPosition = queue[head] as number;
    } else {
      while ((sellLeft[sellHead] as number) === 0) sellHead++;
      sellPosition = sellHead;
      while (
        (sellLeft[sellPosition] as number) === 0 ||
        accountOf[(sells[sellPosition] as Fill).index] === a
      ) {
        sellPosition++;
      }
    }
    const sell = sells[sellPosition] as Fill;
    const c = accountOf[sell.index] as number;
    const others = tops.find((t) => t.key !== a && t.key !== c)?.value ?? 0;
    let amount = remaining - others;
    if ((buyLeft[buyPosition] as number) < amount) amount = buyLeft[buyPosition] as number;
    if ((sellLeft[sellPosition] as number) < amount) amount = sellLeft[sellPosition] as number;
    const last = pairings[pairings.length - 1];
    if (last !== undefined && last.buy === buy.index && last.sell === sell.index) last.energyWh += amount;
    else pairings.push({ buy: buy.index, sell: sell.index, energyWh: amount });
    buyLeft[buyPosition] = (buyLeft[buyPosition] as number) - amount;
    sellLeft[sellPosition] = (sellLeft[sellPosition] as number) - amount;
    remaining -= amount;
    loads.decrease(a, amount);
    loads.decrease(c, amount);
  }
  return pairings;
}

/** Each account's sell positions in priority order. */
function sellQueues(sells: readonly Fill[], accountOf: Int32Array): Map<number, number[]> {
  const queues = new Map<number, number[]>();
  sells.forEach((fill, position) => {
    const a = accountOf[fill.index] as number;
    const queue = queues.get(a);
    if (queue === undefined) queues.set(a, [position]);
    else queue.push(position);
  });
  return queues;
}
