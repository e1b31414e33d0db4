import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { Address, Hex } from "viem";
import { deviceReach } from "../auth/access.js";
import type { Principal } from "../auth/principal.js";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { commitProof, lineLeaf } from "./commitTree.js";
import { marketUnavailable } from "./marketChain.js";
import { type MarketRouteContext, marketOfPath, publishedOrderJson } from "./marketRoutes.js";
import { meSchema, settlementSchema, slotParams } from "./marketSchemas.js";
import { createMarketStore, type MarketRecord } from "./marketStore.js";
import { createSettlementStore } from "./settlementStore.js";
import type { SettlementLine } from "./settleSlot.js";

/** A settlement line as JSON (integers as decimal strings) with its proof in the settlement root. */
function lineJson(line: SettlementLine, proof: Hex[]) {
  return {
    account: line.account,
    device: line.device,
    side: line.side,
    tradedWh: line.tradedWh.toString(),
    meteredWh: line.meteredWh.toString(),
    deliveredWh: line.deliveredWh.toString(),
    tradeValue: line.tradeValue.toString(),
    gridValue: line.gridValue.toString(),
    rewardWh: line.rewardWh.toString(),
    proof,
  };
}

/**
 * The lines of a settlement `principal` may see: every line for a role reaching `all` and for the
 * market community's operator; a prosumer only its own lines.
 */
function visibleLines(principal: Principal, market: MarketRecord) {
  const reach = deviceReach(principal, "market.settlement");
  if (reach.all || reach.communities.includes(market.community.toLowerCase())) return () => true;
  const owners = new Set(
    reach.owned
      .filter((o) => o.community === null || o.community === market.community.toLowerCase())
      .map((o) => o.owner),
  );
  return (line: SettlementLine) => owners.has(line.account.toLowerCase());
}

/** Paths of the proofs of a device's readings in a slot (`GET /v1/readings/:deviceId/:seq/proof`). */
async function meterProofLinks(db: Queryable, device: Hex, slot: bigint, slotSeconds: number) {
  const { rows } = await db.query<{ seq: string }>(
    `select seq from readings where device_id = $1 and commodity = 1 and interval_start >= $2
       and interval_start + duration <= $3 order by seq`,
    [device.toLowerCase(), slot, slot + BigInt(slotSeconds)],
  );
  return rows.map((r) => `/v1/readings/${device}/${r.seq}/proof`);
}

/** The market's routes that read personal data: a slot's settlement lines and the signed-in account's view. */
export function registerMarketAccountRoutes(app: FastifyInstance, ctx: MarketRouteContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const store = createMarketStore(ctx.db);
  const settlements = createSettlementStore(ctx.db);

  api.get(
    "/v1/market/markets/:market/slots/:slot/settlement",
    {
      config: { permission: "market.settlement" },
      schema: {
        summary:
          "A settled slot's lines with proofs: all for operators, regulators, auditors; a prosumer its own",
        tags: ["market"],
        params: slotParams,
        response: { 200: settlementSchema },
      },
    },
    async (request) => {
      await ctx.sync();
      const market = await marketOfPath(ctx, request.params.market);
      const slot = BigInt(request.params.slot);
      const record = await store.slot(market.market, slot);
      const lines = await settlements.lines(market.market, slot);
      const leaves = lines.map(lineLeaf);
      const visible = visibleLines(request.principal, market);
      return {
        settlementRoot: record?.settlementRoot ?? null,
        settleTx: record?.settleTx ?? null,
        lines: lines.flatMap((line, i) => (visible(line) ? [lineJson(line, commitProof(leaves, i))] : [])),
      };
    },
  );

  api.get(
    "/v1/market/me",
    {
      config: { permission: "market.me" },
      schema: {
        summary: "The signed-in account's escrow, orders, trades and statement lines (with proofs)",
        tags: ["market"],
        response: { 200: meSchema },
      },
    },
    async (request) => {
      const principal = request.principal;
      const account: Address | undefined =
        principal.kind === "account" || principal.kind === "api-key" ? principal.account : undefined;
      if (account === undefined) {
        throw new BaseError(
          "MARKET_NOT_MEMBER",
          "GET /v1/market/me answers for an account: sign in, or use an API key an account made",
          {
            details: { action: "market.me" },
          },
        );
      }
      if (!ctx.chain) throw marketUnavailable();
      await ctx.sync();
      const escrow = await ctx.chain.escrowOf(account);
      const statement = [];
      for (const key of await settlements.settledSlotsOfAccount(account)) {
        const market = await store.market(key.market);
        const record = await store.slot(key.market, key.slot);
        if (!market || !record) continue;
        const lines = await settlements.lines(key.market, key.slot);
        const leaves = lines.map(lineLeaf);
        const claims = await settlements.rewardClaims(key.market, key.slot);
        for (const [i, line] of lines.entries()) {
          if (line.account.toLowerCase() !== account.toLowerCase()) continue;
          const claim = claims.get(i);
          statement.push({
            market: key.market,
            slot: key.slot.toString(),
            settlementRoot: record.settlementRoot,
            settleTx: record.settleTx,
            line: lineJson(line, commitProof(leaves, i)),
            meterProofs: await meterProofLinks(ctx.db, line.device, key.slot, market.slotSeconds),
            reward: claim ? { amount: claim.amount.toString(), claimTx: claim.tx } : null,
          });
        }
      }
      return {
        account: account.toLowerCase(),
        escrow: {
          balance: escrow.balance.toString(),
          locked: escrow.locked.toString(),
          available: escrow.available.toString(),
        },
        orders: (await store.ordersOfAccount(account)).map(publishedOrderJson),
        trades: (await settlements.tradesOfAccount(account)).map((t) => ({
          market: t.market,
          slot: t.slot.toString(),
          buy: t.buy,
          sell: t.sell,
          energyWh: t.energyWh.toString(),
          price: t.price.toString(),
        })),
        statement,
      };
    },
  );
}
