import type { Address, Hex } from "viem";
import { isBaseError } from "../core/errors.js";
import type { Database } from "../db/database.js";
import { defineJobKind, invalidJobParams } from "../jobs/jobKinds.js";
import { enqueueJob } from "../jobs/jobQueue.js";
import type { Schedule } from "../jobs/scheduler.js";
import { clearDoubleAuction } from "./clearDoubleAuction.js";
import { clearingRoots, commitRoot, lineLeaf } from "./commitTree.js";
import type { Lock, MarketChain } from "./marketChain.js";
import type { MarketSettings } from "./marketSettings.js";
import { createMarketStore, type MarketRecord, type StoredOrder } from "./marketStore.js";
import { meteredDeltas } from "./meteredDeltas.js";
import { createSettlementStore } from "./settlementStore.js";
import { settleSlot, tradeValue } from "./settleSlot.js";

/** What the market's jobs need: the database, the Market contract, the node's clock (ms) and settings. */
export type MarketJobContext = {
  db: Database;
  chain: MarketChain;
  now: () => number;
  settings: MarketJobSettings;
};

/** What the market's jobs need of the node's settings: the market settings and the anchor grace. */
export type MarketJobSettings = MarketSettings & { anchorGraceSeconds: number };

type SlotKey = { market: Hex; slot: bigint };

/** Parses a market job's params {market, slot, deadline?} (INVALID_JOB_PARAMS otherwise). */
export function parseSlotKey(params: unknown): SlotKey & { deadline: boolean } {
  const p = (params ?? {}) as Record<string, unknown>;
  if (typeof p.market !== "string" || !/^0x[0-9a-f]{64}$/.test(p.market)) {
    throw invalidJobParams("market must be a lower-case 0x-hex 32-byte market id", { market: p.market });
  }
  if (typeof p.slot !== "string" || !/^[0-9]{1,20}$/.test(p.slot)) {
    throw invalidJobParams("slot must be Unix seconds as a decimal string", { slot: p.slot });
  }
  return { market: p.market as Hex, slot: BigInt(p.slot), deadline: p.deadline === true };
}

const jobParams = (key: SlotKey, deadline = false) => ({
  market: key.market,
  slot: key.slot.toString(),
  ...(deadline ? { deadline: true } : {}),
});

/** Enqueues `market-clear` for a slot (once while queued or running). */
export function enqueueClearing(db: Database, key: SlotKey) {
  return enqueueJob(db, "market-clear", jobParams(key), {
    dedupeKey: `market-clear:${key.market}:${key.slot}`,
  });
}

/** Enqueues `market-claim` for a settled slot through `q` (the transaction that records the settlement). */
export function enqueueClaims(q: Parameters<typeof enqueueJob>[0], key: SlotKey) {
  return enqueueJob(q, "market-claim", jobParams(key), {
    dedupeKey: `market-claim:${key.market}:${key.slot}`,
  });
}

/** Enqueues `market-settle` for a slot through `q` (a hook's transaction); `deadline`: whatever is stored. */
export function enqueueSettlement(q: Parameters<typeof enqueueJob>[0], key: SlotKey, deadline = false) {
  return enqueueJob(q, "market-settle", jobParams(key, deadline), {
    dedupeKey: `market-settle:${key.market}:${key.slot}${deadline ? ":deadline" : ""}`,
  });
}

const operatedBy = (ctx: MarketJobContext, record: MarketRecord) =>
  record.operator.toLowerCase() === ctx.chain.operator.toLowerCase();

/** The market if this node's operator key operates it. */
export async function operated(ctx: MarketJobContext, market: Hex): Promise<MarketRecord | undefined> {
  const record = await createMarketStore(ctx.db).market(market);
  return record !== undefined && operatedBy(ctx, record) ? record : undefined;
}

/** The markets this node's operator key operates. */
async function operatedMarkets(ctx: MarketJobContext): Promise<MarketRecord[]> {
  return (await createMarketStore(ctx.db).markets()).filter((m) => operatedBy(ctx, m));
}

/**
 * Decides which open orders of a slot enter its clearing, in input order (received, then digest):
 * orders void at gate closure are `expired`; every buy of an account whose escrow on chain does not
 * cover Σ floor(limit × E / 1000) of its buys in the slot is `excluded`.
 */
async function clearingInput(ctx: MarketJobContext, market: MarketRecord, slot: bigint) {
  const store = createMarketStore(ctx.db);
  const open = await store.ordersOf(market.market, slot, ["open"]);
  const closesAt = slot - BigInt(market.gateClosureSeconds);
  const expired = open.filter((o) => o.order.expiry < closesAt);
  const live = open.filter((o) => o.order.expiry >= closesAt);
  const needs = new Map<Address, bigint>();
  for (const o of live) {
    if (o.order.side !== 0) continue;
    needs.set(o.account, (needs.get(o.account) ?? 0n) + tradeValue(o.order.limitPrice, o.order.energyWh));
  }
  const uncovered = new Map<Address, string>();
  for (const [account, needed] of needs) {
    const available = await ctx.chain.availableOf(account);
    if (available < needed) uncovered.set(account, `escrow available ${available} < ${needed} needed`);
  }
  const excluded = live.filter((o) => o.order.side === 0 && uncovered.has(o.account));
  const included = live.filter((o) => !(o.order.side === 0 && uncovered.has(o.account)));
  return { expired, excluded, included, uncovered };
}

/**
 * `market-clear` {market, slot}: clears a slot whose gate closed, on a market this node operates. The
 * result is stored first (orders `included`/`excluded`/`expired`, trades, roots), then committed with
 * `commitClearing` and each buyer's lock (Σ of its trades' value). Idempotent: a slot the chain holds
 * as cleared is compared with the stored result and recorded, not sent again.
 */
export const clearSlotJob = (ctx: MarketJobContext) =>
  defineJobKind({
    kind: "market-clear",
    parse: parseSlotKey,
    async run(_job, { market, slot }) {
      const record = await operated(ctx, market);
      if (!record) return { skipped: "not operated by this node" };
      const store = createMarketStore(ctx.db);
      const onChain = await ctx.chain.slotOf(market, slot);
      let stored = await store.slot(market, slot);
      if (!stored) {
        if (onChain.clearedAt !== 0n)
          return { skipped: "cleared on chain, not by this node's record of this node" };
        const input = await clearingInput(ctx, record, slot);
        const orders = input.included;
        const result = clearDoubleAuction(
          orders.map((o) => ({
            id: o.digest,
            side: o.order.side === 0 ? ("buy" as const) : ("sell" as const),
            account: o.account,
            energyWh: o.order.energyWh,
            limitPrice: o.order.limitPrice,
          })),
          { mechanism: ctx.settings.mechanism, rule: ctx.settings.rule },
        );
        const locks = locksOf(orders, result.trades);
        await ctx.db.transaction(async (tx) => {
          await store.setStatus(
            tx,
            input.expired.map((o) => o.digest),
            "expired",
            "expired before gate closure",
          );
          for (const [account, reason] of input.uncovered) {
            const digests = input.excluded.filter((o) => o.account === account).map((o) => o.digest);
            await store.setStatus(tx, digests, "excluded", reason);
          }
          await store.include(
            tx,
            orders.map((o) => o.digest),
          );
          await store.saveClearing(
            tx,
            {
              market,
              slot,
              mechanism: result.mechanism,
              rule: result.rule,
              price: result.price,
              volumeWh: result.volumeWh,
              ...clearingRoots(
                orders.map((o) => o.digest),
                result.trades,
              ),
              orderCount: orders.length,
              tradeCount: result.trades.length,
              locked: locks.reduce((sum, l) => sum + l.amount, 0n),
              clearTx: null,
            },
            result.trades,
          );
        });
        stored = await store.slot(market, slot);
        if (!stored) throw new Error("the clearing was not stored");
      }
      if (stored.clearTx !== null) return { cleared: stored.clearTx, recorded: true };
      if (onChain.clearedAt !== 0n) {
        if (onChain.ordersRoot !== stored.ordersRoot || onChain.tradesRoot !== stored.tradesRoot) {
          // Not retryable by waiting: a person must look (another key committed this market's slot).
          throw new Error(
            `slot ${slot} of ${market} was committed with orders root ${onChain.ordersRoot}, this node cleared ${stored.ordersRoot}`,
          );
        }
        // The receipt was lost (a crash after sending): record the transaction from the chain's event.
        const tx = await ctx.chain.eventTx("ClearingCommitted", market, slot);
        await store.recordClearTx(market, slot, tx ?? null);
        return { cleared: tx ?? "on chain already", recorded: true };
      }
      const included = await store.ordersOf(market, slot, ["included"]);
      const trades = await store.trades(market, slot);
      try {
        const receipt = await ctx.chain.commitClearing({
          market,
          slot,
          ordersRoot: stored.ordersRoot,
          orderCount: stored.orderCount,
          tradesRoot: stored.tradesRoot,
          tradeCount: stored.tradeCount,
          price: stored.price ?? 0n,
          volumeWh: stored.volumeWh,
          locks: locksOf(included, trades),
        });
        await store.recordClearTx(market, slot, receipt.transactionHash.toLowerCase() as Hex);
        return { cleared: receipt.transactionHash, trades: stored.tradeCount };
      } catch (error) {
        // Escrow withdrawn since the check: forget this clearing so the retry decides again.
        if (isBaseError(error, "MARKET_INSUFFICIENT_ESCROW")) await forgetClearing(ctx.db, market, slot);
        throw error;
      }
    },
  });

/** Each buyer account's lock: the sum of its trades' value (floor(p × E / 1000) per trade). */
function locksOf(
  orders: readonly StoredOrder[],
  trades: readonly { buy: string; energyWh: bigint; price: bigint }[],
) {
  const accountOf = new Map(orders.map((o) => [o.digest.toLowerCase(), o.account]));
  const locks = new Map<Address, bigint>();
  for (const t of trades) {
    const account = accountOf.get(t.buy.toLowerCase());
    if (account === undefined) throw new Error(`trade of unknown buy order ${t.buy}`);
    locks.set(account, (locks.get(account) ?? 0n) + tradeValue(t.price, t.energyWh));
  }
  return [...locks]
    .filter(([, amount]) => amount > 0n)
    .map(([account, amount]): Lock => ({ account, amount }));
}

async function forgetClearing(db: Database, market: Hex, slot: bigint) {
  await db.transaction(async (tx) => {
    await tx.query(
      `update market_orders set status = 'open', reason = null, input_index = null
        where market = $1 and slot = $2 and status in ('included', 'excluded')`,
      [market, slot],
    );
    await tx.query("delete from market_trades where market = $1 and slot = $2", [market, slot]);
    await tx.query("delete from market_slots where market = $1 and slot = $2 and clear_tx is null", [
      market,
      slot,
    ]);
  });
}

/**
 * `market-settle` {market, slot, deadline?}: settles a cleared slot from the traded devices' metered
 * deltas (only readings of anchored batches; at the deadline whatever is stored, missing = 0) with
 * the tariffs snapshotted at clearing, sends `settle`, stores the lines and enqueues `market-claim`. Before the deadline it waits
 * (does nothing) while a traded device's reading of the slot is missing or not anchored. Never twice:
 * a slot the chain holds as settled is recorded (lines compared with its root), not sent again.
 */
export const settleSlotJob = (ctx: MarketJobContext) =>
  defineJobKind({
    kind: "market-settle",
    parse: parseSlotKey,
    async run(_job, { market, slot, deadline }) {
      const record = await operated(ctx, market);
      if (!record) return { skipped: "not operated by this node" };
      const store = createMarketStore(ctx.db);
      const stored = await store.slot(market, slot);
      if (!stored?.clearTx) return { skipped: "not cleared" };
      if (stored.settleTx) return { settled: stored.settleTx, recorded: true };
      const onChain = await ctx.chain.slotOf(market, slot);
      const orders = await store.ordersOf(market, slot, ["included"]);
      const trades = await store.trades(market, slot);
      const byDigest = new Map(
        orders.map((o) => [
          o.digest.toLowerCase(),
          { account: o.account, device: o.order.device, side: o.order.side },
        ]),
      );
      const traded = new Set(trades.flatMap((t) => [t.buy.toLowerCase(), t.sell.toLowerCase()]));
      const devices = [
        ...new Set(
          orders.filter((o) => traded.has(o.digest)).map((o) => o.order.device.toLowerCase() as Hex),
        ),
      ];
      const metered = await meteredDeltas(ctx.db, devices, {
        start: slot,
        end: slot + BigInt(record.slotSeconds),
        anchoredOnly: !deadline,
      });
      if (!deadline && onChain.settledAt === 0n && metered.size < devices.length) {
        return { waiting: `${devices.length - metered.size} traded device(s) without an anchored reading` };
      }
      const { lines } = settleSlot({
        trades,
        orders: byDigest,
        metered,
        tariffs: { retailPrice: onChain.retailPrice, feedInPrice: onChain.feedInPrice },
        gridOperator: record.gridOperator,
      });
      const root = commitRoot(lines.map(lineLeaf));
      if (onChain.settledAt !== 0n) {
        // Settled before a crash lost the receipt: record the lines and the transaction of SlotSettled.
        // The lines are the ones the transaction sent (readings may have arrived since).
        const tx = (await ctx.chain.eventTx("SlotSettled", market, slot)) ?? null;
        const sent = tx === null ? lines : await ctx.chain.settledLines(tx);
        await ctx.db.transaction(async (q) => {
          await createSettlementStore(ctx.db).saveSettlement(
            q,
            { market, slot },
            { root: onChain.settlementRoot, tx, lines: sent },
          );
          await enqueueClaims(q, { market, slot });
        });
        return { settled: tx ?? "on chain already", recorded: true };
      }
      const receipt = await ctx.chain.settle(market, slot, lines);
      const tx = receipt.transactionHash.toLowerCase() as Hex;
      await ctx.db.transaction(async (q) => {
        await createSettlementStore(ctx.db).saveSettlement(q, { market, slot }, { root, tx, lines });
        await enqueueClaims(q, { market, slot });
      });
      return { settled: tx, lines: lines.length };
    },
  });

/** Schedule: a `market-clear` for each slot with open orders whose gate closed, on markets this node operates. */
export function closedSlotsSchedule(ctx: MarketJobContext): Schedule {
  return async () => {
    const markets = await operatedMarkets(ctx);
    const due = await createMarketStore(ctx.db).closedSlotsWithOrders(markets, Math.floor(ctx.now() / 1000));
    let enqueued = 0;
    for (const key of due) if ((await enqueueClearing(ctx.db, key)) !== null) enqueued += 1;
    return enqueued;
  };
}

/** Schedule: a deadline `market-settle` for cleared slots that ended more than anchor grace + settle grace ago. */
export function settlementDeadlineSchedule(ctx: MarketJobContext): Schedule {
  return async () => {
    const store = createMarketStore(ctx.db);
    const markets = await operatedMarkets(ctx);
    const endsBy =
      Math.floor(ctx.now() / 1000) - ctx.settings.anchorGraceSeconds - ctx.settings.settleGraceSeconds;
    let enqueued = 0;
    for (const key of await store.unsettled(markets, endsBy)) {
      if ((await enqueueSettlement(ctx.db, key, true)) !== null) enqueued += 1;
    }
    return enqueued;
  };
}
