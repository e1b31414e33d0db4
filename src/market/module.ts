import type { Address } from "viem";
import type { ContractAddresses } from "../chain/manifest.js";
import type { GridModule, ModuleContext } from "../node/modules.js";
import { registerMarketAccountRoutes } from "./marketAccountRoutes.js";
import { createMarketChain } from "./marketChain.js";
import { claimRewardsJob } from "./marketClaims.js";
import { marketHandler } from "./marketEvents.js";
import { registerMarketHooks } from "./marketHooks.js";
import {
  clearSlotJob,
  closedSlotsSchedule,
  type MarketJobContext,
  settlementDeadlineSchedule,
  settleSlotJob,
} from "./marketJobs.js";
import { registerMarketRoutes } from "./marketRoutes.js";
import { marketSettingsOf } from "./marketSettings.js";

/**
 * The market's job context, or undefined without a chain (`gridledger worker`) or a Market contract:
 * then the market registers no job kinds, schedules nor hooks.
 */
export function marketJobContext(context: ModuleContext): MarketJobContext | undefined {
  const chain = context.chain;
  const address: Address | undefined = chain?.contracts.Market;
  if (!chain || !address) return undefined;
  return {
    db: context.db,
    chain: createMarketChain(chain.client, address, chain.fromBlock),
    now: context.now ?? Date.now,
    settings: { ...marketSettingsOf(), anchorGraceSeconds: context.anchorGraceSeconds },
  };
}

/**
 * The local energy market: signed EIP-712 orders per community and slot, a double auction cleared by
 * the market's operator node once the gate closes (roots committed on chain with the buyers' escrow
 * locked), settlement on min(traded, metered) once the slot's readings are anchored (metering's
 * `batchAnchored`) or at a deadline, rewards claimed by proof after settlement, and the Market contract's events mirrored into its tables.
 */
export const marketModule: GridModule = {
  name: "market",
  migrations: ["0011_market.sql", "0012_market_claims.sql"],
  routes(app, context) {
    // A data directory founded before the market has no Market address: its routes answer MARKET_UNAVAILABLE.
    const contracts: Partial<ContractAddresses> = context.contracts;
    const address = contracts.Market;
    const ctx = {
      db: context.db,
      chainId: context.chainId,
      chain: address === undefined ? undefined : createMarketChain(context.client, address),
      sync: () => context.indexer.sync(),
      now: context.now ?? Date.now,
      settings: marketSettingsOf(),
    };
    registerMarketRoutes(app, ctx);
    registerMarketAccountRoutes(app, ctx);
  },
  hooks(hooks, context) {
    const ctx = marketJobContext(context);
    if (ctx) registerMarketHooks(hooks, { operator: ctx.chain.operator });
  },
  eventHandlers: ({ contracts, fromBlock }) => [marketHandler(contracts.Market, fromBlock)],
  jobKinds(context) {
    const ctx = marketJobContext(context);
    return ctx ? [clearSlotJob(ctx), settleSlotJob(ctx), claimRewardsJob(ctx)] : [];
  },
  schedules(context) {
    const ctx = marketJobContext(context);
    return ctx ? [closedSlotsSchedule(ctx), settlementDeadlineSchedule(ctx)] : [];
  },
};
