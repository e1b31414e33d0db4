import type { Address } from "viem";
import { marketAbi } from "../chain/artifacts/index.js";
import { eachLog, type IndexerHandler } from "../chain/indexer/eventIndexer.js";

const lower = (value: string) => value.toLowerCase();

/**
 * The market's event-indexer handler (cursor "market"): MarketOpened, TariffsSet and RewardRateSet
 * into `markets`; ClearingCommitted and SlotSettled into `market_slots` (a node that does not operate
 * the market learns its results this way; the operator's own job has written them already, and keeps
 * its rows); SettlementCorrected onto the corrected settlement line; RewardsClaimed onto a settlement
 * line of the account (the event names no line: the lowest-index unclaimed line of the account in the
 * slot with a reward if the amount is not 0, as the claim job sends the rewarded lines in index order;
 * a log recorded already is not applied again).
 * Replays leave the same rows.
 * Waits while the node knows no Market contract.
 */
export function marketHandler(
  address: Address | undefined,
  fromBlock: bigint,
): IndexerHandler<typeof marketAbi> {
  return {
    name: "market",
    abi: marketAbi,
    address,
    fromBlock,
    on: {
      MarketOpened: (tx, logs) =>
        eachLog(logs, ({ args: a, address: contract, blockNumber }) =>
          tx.query(
            `insert into markets (market, community, operator, grid_operator, slot_seconds, gate_closure_seconds,
               contract, opened_block)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (market) do update set community = excluded.community, operator = excluded.operator,
               grid_operator = excluded.grid_operator, slot_seconds = excluded.slot_seconds,
               gate_closure_seconds = excluded.gate_closure_seconds, contract = excluded.contract`,
            [
              lower(a.market),
              lower(a.community),
              lower(a.operator),
              lower(a.gridOperator),
              a.slotSeconds,
              a.gateClosureSeconds,
              lower(contract),
              blockNumber.toString(),
            ],
          ),
        ),
      TariffsSet: (tx, logs) =>
        eachLog(logs, ({ args: a }) =>
          tx.query("update markets set retail_price = $2, feed_in_price = $3 where market = $1", [
            lower(a.market),
            a.retailPrice,
            a.feedInPrice,
          ]),
        ),
      RewardRateSet: (tx, logs) =>
        eachLog(logs, ({ args: a }) =>
          tx.query("update markets set reward_rate = $2 where market = $1", [lower(a.market), a.ratePerKwh]),
        ),
      ClearingCommitted: (tx, logs) =>
        eachLog(logs, ({ args: a, transactionHash, blockNumber }) =>
          tx.query(
            `insert into market_slots (market, slot, price, volume_wh, orders_root, trades_root, order_count,
               trade_count, clear_tx, cleared_block)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             on conflict (market, slot) do update set clear_tx = coalesce(market_slots.clear_tx, excluded.clear_tx),
               cleared_block = excluded.cleared_block`,
            [
              lower(a.market),
              a.slot,
              a.price,
              a.volumeWh,
              lower(a.ordersRoot),
              lower(a.tradesRoot),
              a.orderCount,
              a.tradeCount,
              lower(transactionHash),
              blockNumber.toString(),
            ],
          ),
        ),
      SlotSettled: (tx, logs) =>
        eachLog(logs, ({ args: a, transactionHash, blockNumber }) =>
          tx.query(
            `update market_slots set settlement_root = $3, line_count = $4,
               settle_tx = coalesce(settle_tx, $5), settled_block = $6 where market = $1 and slot = $2`,
            [
              lower(a.market),
              a.slot,
              lower(a.settlementRoot),
              a.lineCount,
              lower(transactionHash),
              blockNumber.toString(),
            ],
          ),
        ),
      RewardsClaimed: (tx, logs) =>
        eachLog(logs, ({ args: a, transactionHash, logIndex }) =>
          tx.query(
            `update market_settlement_lines set reward_claimed_tx = $4, reward_claim_log = $5, reward_amount = $6
              where (market, slot, idx) = (
                select market, slot, idx from market_settlement_lines
                 where market = $1 and slot = $2 and account = $3 and reward_claimed_tx is null
                 order by (reward_wh > 0) = ($6 > 0) desc, idx limit 1)
                and not exists (select 1 from market_settlement_lines
                 where market = $1 and slot = $2 and reward_claimed_tx = $4 and reward_claim_log = $5)`,
            [lower(a.market), a.slot, lower(a.account), lower(transactionHash), logIndex, a.amount],
          ),
        ),
      SettlementCorrected: (tx, logs) =>
        eachLog(logs, ({ args: a }) =>
          tx.query(
            `update market_settlement_lines set corrected_wh = $5, correction_delta = $6
              where market = $1 and slot = $2 and account = $3 and device = $4`,
            [lower(a.market), a.slot, lower(a.account), lower(a.device), a.correctedWh, a.delta],
          ),
        ),
    },
  };
}
