import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { auditSlot, type CommittedClearing, type PublishedOrder } from "./auditSlot.js";
import { clearDoubleAuction } from "./clearDoubleAuction.js";
import { commitRoot, orderLeaf, tradeLeaf } from "./commitTree.js";
import { marketDomain, marketIdOf, orderDigest, type SignedOrder } from "./orderFormat.js";

const domain = marketDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const market = marketIdOf("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const slot = 1_767_225_600n;

function published(side: 0 | 1, n: number, energyWh: bigint, limitPrice: bigint): PublishedOrder {
  const order: SignedOrder = {
    market,
    slot,
    side,
    device: `0x${n.toString(16).padStart(64, "0")}`,
    energyWh,
    limitPrice,
    nonce: BigInt(n),
    expiry: slot,
  };
  return { digest: orderDigest(domain, order), order, account: `0x${n.toString(16).padStart(40, "0")}` };
}

const orders = [
  published(0, 1, 1000n, 30n),
  published(1, 2, 600n, 15n),
  published(0, 3, 500n, 25n),
  published(1, 4, 700n, 22n),
];

/** What an honest operator commits for `orders`. */
function honestCommit(): CommittedClearing {
  const result = clearDoubleAuction(
    orders.map((p) => ({
      id: p.digest,
      side: p.order.side === 0 ? "buy" : "sell",
      account: p.account,
      energyWh: p.order.energyWh,
      limitPrice: p.order.limitPrice,
    })),
  );
  return {
    ordersRoot: commitRoot(orders.map((p) => orderLeaf(p.digest))),
    tradesRoot: commitRoot(
      result.trades.map((t) =>
        tradeLeaf({
          buyDigest: t.buy as Hex,
          sellDigest: t.sell as Hex,
          energyWh: t.energyWh,
          price: t.price,
        }),
      ),
    ),
    price: result.price ?? 0n,
    volumeWh: result.volumeWh,
    orderCount: orders.length,
    tradeCount: result.trades.length,
  };
}

const audit = (list: PublishedOrder[], committed: CommittedClearing) =>
  auditSlot({ domain, orders: list, mechanism: "pay-as-clear", rule: "midpoint", committed, market, slot });
const failed = (r: ReturnType<typeof auditSlot>) => r.checks.filter((c) => !c.ok).map((c) => c.name);

describe("auditSlot", () => {
  it("verifies a slot cleared and committed honestly", () => {
    const result = audit(orders, honestCommit());
    expect(result.verified).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual([
      "orderDigests",
      "ordersInSlot",
      "ordersRoot",
      "orderCount",
      "tradesRoot",
      "tradeCount",
      "price",
      "volumeWh",
    ]);
  });

  it("detects a published order changed after clearing", () => {
    const changed = orders.map((p, i) => (i === 1 ? { ...p, order: { ...p.order, limitPrice: 14n } } : p));
    const result = audit(changed, honestCommit());
    expect(result.verified).toBe(false);
    expect(failed(result)).toContain("orderDigests");
    expect(failed(result)).toContain("ordersRoot");
  });

  it("detects an order left out of the published set", () => {
    const result = audit(orders.slice(0, 3), honestCommit());
    expect(failed(result)).toEqual(expect.arrayContaining(["ordersRoot", "orderCount"]));
  });

  it("detects a committed price that the orders do not give", () => {
    const result = audit(orders, { ...honestCommit(), price: 24n });
    expect(result.verified).toBe(false);
    expect(failed(result)).toEqual(["price"]);
    expect(result.checks.find((c) => c.name === "price")).toMatchObject({ expected: "24", actual: "23" });
  });

  it("detects an order of another slot among the published ones", () => {
    const other = published(1, 9, 100n, 10n);
    const foreign = { ...other, order: { ...other.order, slot: slot + 900n } };
    const list = [...orders, { ...foreign, digest: orderDigest(domain, foreign.order) }];
    expect(failed(audit(list, honestCommit()))).toContain("ordersInSlot");
  });
});
