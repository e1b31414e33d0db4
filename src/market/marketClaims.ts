import type { Hex } from "viem";
import { defineJobKind } from "../jobs/jobKinds.js";
import { commitProof, lineLeaf } from "./commitTree.js";
import { type MarketJobContext, operated, parseSlotKey } from "./marketJobs.js";
import { createMarketStore } from "./marketStore.js";
import { createSettlementStore } from "./settlementStore.js";

/** Lines per `claimRewards` transaction (about 65,000 gas a line: 200 lines ≈ 13 M gas). */
export const CLAIM_BATCH_LINES = 200;

/**
 * `market-claim` {market, slot}: after a slot this node operates is settled, claims its lines' rewards
 * (`Market.claimRewards`, in batches of {@link CLAIM_BATCH_LINES} lines with their proofs in the slot's
 * settlement root). Lines without rewardWh (and every line of a slot whose reward rate is 0) are not sent:
 * nothing to mint. Lines the
 * contract holds as claimed (`rewardClaimed`) are skipped, so a retry after a crash sends only the rest.
 * The event indexer mirrors the RewardsClaimed events onto the lines (marketEvents.ts).
 */
export const claimRewardsJob = (ctx: MarketJobContext) =>
  defineJobKind({
    kind: "market-claim",
    parse: parseSlotKey,
    async run(_job, { market, slot }) {
      if (!(await operated(ctx, market))) return { skipped: "not operated by this node" };
      const stored = await createMarketStore(ctx.db).slot(market, slot);
      if (!stored?.settleTx) return { skipped: "not settled" };
      const onChain = await ctx.chain.slotOf(market, slot);
      if (onChain.settledAt === 0n) return { skipped: "not settled on chain" };
      const lines = await createSettlementStore(ctx.db).lines(market, slot);
      const leaves = lines.map(lineLeaf);
      if (onChain.rewardRate === 0n) return { skipped: "the slot's reward rate is 0" };
      const due: number[] = [];
      for (const [i, line] of lines.entries()) {
        if (line.rewardWh === 0n) continue;
        if (await ctx.chain.rewardClaimed(market, slot, leaves[i] as Hex)) continue;
        due.push(i);
      }
      const txs: Hex[] = [];
      for (let start = 0; start < due.length; start += CLAIM_BATCH_LINES) {
        const batch = due.slice(start, start + CLAIM_BATCH_LINES);
        const receipt = await ctx.chain.claimRewards(
          market,
          slot,
          batch.map((i) => lines[i]!),
          batch.map((i) => commitProof(leaves, i)),
        );
        txs.push(receipt.transactionHash.toLowerCase() as Hex);
      }
      return { claimed: due.length, skipped: lines.length - due.length, txs };
    },
  });
