import type { Hex, TypedDataDomain } from "viem";
import {
  type AuctionOrder,
  clearDoubleAuction,
  type Mechanism,
  type PriceRule,
} from "./clearDoubleAuction.js";
import { clearingRoots } from "./commitTree.js";
import { orderDigest, type SignedOrder } from "./orderFormat.js";

/** What the Market contract holds for a cleared slot (`Market.slotOf`), as far as the audit checks it. */
export type CommittedClearing = {
  ordersRoot: Hex;
  tradesRoot: Hex;
  price: bigint;
  volumeWh: bigint;
  orderCount: number;
  tradeCount: number;
};

/** One published included order: the signed order, the digest the node gives it, its signer. */
export type PublishedOrder = { digest: Hex; order: SignedOrder; account: string };

/** The input of `auditSlot`. */
export type AuditInput = {
  /** The Market's EIP-712 domain: the audit recomputes every digest from the order's fields. */
  domain: TypedDataDomain;
  /** The included orders in clearing input order. */
  orders: readonly PublishedOrder[];
  mechanism: Mechanism;
  rule: PriceRule;
  committed: CommittedClearing;
  /** Optional: the market and slot every order must name. */
  market?: Hex;
  slot?: bigint;
};

/** One comparison of the audit. */
export type AuditCheck = { name: string; ok: boolean; expected: string; actual: string };

/** The audit's verdict: verified when every check is ok. */
export type AuditResult = { verified: boolean; checks: AuditCheck[] };

/**
 * Audits a cleared slot (docs/market.md, "Audit"): recomputes each published order's EIP-712 digest,
 * re-runs `clearDoubleAuction` over the included orders in their published order, recomputes the
 * orders root and trades root and compares them, the price (0 for pay-as-bid), volume and counts with
 * what the chain committed. `expected` is the chain's value, `actual` the recomputed one. Signatures
 * are not checked here (they are async to recover); the CLI checks them.
 */
export function auditSlot(input: AuditInput): AuditResult {
  const checks: AuditCheck[] = [];
  const check = (name: string, expected: string, actual: string) =>
    checks.push({ name, ok: expected === actual, expected, actual });
  const digests = input.orders.map((p) => orderDigest(input.domain, p.order));
  const changed = input.orders.filter((p, i) => p.digest.toLowerCase() !== digests[i]).map((p) => p.digest);
  check("orderDigests", "all match", changed.length === 0 ? "all match" : `changed: ${changed.join(", ")}`);
  if (input.market !== undefined || input.slot !== undefined) {
    const foreign = input.orders.filter(
      (p) =>
        (input.market !== undefined && p.order.market.toLowerCase() !== input.market.toLowerCase()) ||
        (input.slot !== undefined && p.order.slot !== input.slot),
    );
    check("ordersInSlot", "0", String(foreign.length));
  }
  const auctionOrders: AuctionOrder[] = input.orders.map((p, i) => ({
    id: digests[i]!,
    side: p.order.side === 0 ? "buy" : "sell",
    account: p.account,
    energyWh: p.order.energyWh,
    limitPrice: p.order.limitPrice,
  }));
  const result = clearDoubleAuction(auctionOrders, { mechanism: input.mechanism, rule: input.rule });
  const { ordersRoot, tradesRoot } = clearingRoots(digests, result.trades);
  const { committed } = input;
  check("ordersRoot", committed.ordersRoot.toLowerCase(), ordersRoot);
  check("orderCount", String(committed.orderCount), String(input.orders.length));
  check("tradesRoot", committed.tradesRoot.toLowerCase(), tradesRoot);
  check("tradeCount", String(committed.tradeCount), String(result.trades.length));
  check("price", committed.price.toString(), (result.price ?? 0n).toString());
  check("volumeWh", committed.volumeWh.toString(), result.volumeWh.toString());
  return { verified: checks.every((c) => c.ok), checks };
}
