import type { Address } from "viem";
import type { Queryable } from "../db/database.js";
import { toBigInt } from "../db/sql.js";
import type { BatchAnchored, GridHooks } from "../hooks/gridHooks.js";
import { enqueueSettlement } from "./marketJobs.js";

/** Electricity's commodity code: only electricity batches settle the market. */
const electricity = 1;

/**
 * On metering's `batchAnchored`: enqueues `market-settle` (inside the anchor's transaction) for each
 * cleared, unsettled slot of a market `operator` runs whose time span holds the anchored interval.
 * The job itself waits until every traded device's reading of the slot is anchored.
 */
export function registerMarketHooks(hooks: GridHooks, options: { operator: Address }): void {
  hooks.batchAnchored.on((tx, batch) => settleAnchored(tx, batch, options.operator));
}

async function settleAnchored(tx: Queryable, batch: BatchAnchored, operator: Address): Promise<void> {
  if (batch.commodity !== electricity) return;
  const { rows } = await tx.query<{ market: `0x${string}`; slot: string }>(
    `select s.market, s.slot from market_slots s join markets m on m.market = s.market
      where m.operator = $1 and s.clear_tx is not null and s.settle_tx is null
        and s.slot <= $2 and $2 < s.slot + m.slot_seconds`,
    [operator.toLowerCase(), batch.intervalStart],
  );
  for (const row of rows) await enqueueSettlement(tx, { market: row.market, slot: toBigInt(row.slot) });
}
