import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeFunctionResult, type Hex, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDoubleAuction } from "../../src/market/clearDoubleAuction.js";
import { commitRoot, orderLeaf, tradeLeaf } from "../../src/market/commitTree.js";
import {
  marketDomain,
  marketIdOf,
  orderDigest,
  orderToJson,
  orderTypes,
  type SignedOrder,
} from "../../src/market/orderFormat.js";
import { runCli } from "../helpers/cli.js";

/**
 * `gridledger market audit` against a stand-in node: one HTTP server answers the node's market routes
 * and, at /rpc, the JSON-RPC `eth_call` of `Market.slotOf` with what the test says the chain holds.
 */
const slotOfAbi = parseAbi([
  "struct SlotRecord { bytes32 ordersRoot; bytes32 tradesRoot; bytes32 settlementRoot; uint64 price; uint64 volumeWh; uint32 orderCount; uint32 tradeCount; uint64 retailPrice; uint64 feedInPrice; uint64 rewardRate; uint256 locked; uint64 clearedAt; uint64 settledAt; }",
  "function slotOf(bytes32 market, uint64 slot) view returns (SlotRecord)",
]);
const verifyingContract = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = marketDomain(31337, verifyingContract);
const market = marketIdOf("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const slot = 1_767_225_600n;
const seller = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const buyer = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

async function signed(
  account: typeof seller,
  side: 0 | 1,
  energyWh: bigint,
  limitPrice: bigint,
  nonce: bigint,
) {
  const order: SignedOrder = {
    market,
    slot,
    side,
    device: `0x${"ab".repeat(32)}`,
    energyWh,
    limitPrice,
    nonce,
    expiry: slot,
  };
  const signature = await account.signTypedData({
    domain,
    types: orderTypes,
    primaryType: "Order",
    message: order,
  });
  return { digest: orderDigest(domain, order), order, signature, account: account.address };
}

let server: Server;
let url: string;
let published: Awaited<ReturnType<typeof signed>>[] = [];
let chainPrice = 0n;
let honest = {
  ordersRoot: "0x" as Hex,
  tradesRoot: "0x" as Hex,
  price: 0n,
  volumeWh: 0n,
  orderCount: 0,
  tradeCount: 0,
};

beforeAll(async () => {
  published = [await signed(buyer, 0, 1000n, 30n, 1n), await signed(seller, 1, 600n, 20n, 1n)];
  const result = clearDoubleAuction(
    published.map((p) => ({
      id: p.digest,
      side: p.order.side === 0 ? ("buy" as const) : ("sell" as const),
      account: p.account,
      energyWh: p.order.energyWh,
      limitPrice: p.order.limitPrice,
    })),
  );
  honest = {
    ordersRoot: commitRoot(published.map((p) => orderLeaf(p.digest))),
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
    orderCount: published.length,
    tradeCount: result.trades.length,
  };
  server = createServer((request, response) => {
    const send = (body: unknown) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(body));
    };
    const path = request.url ?? "";
    const base = `/v1/market/markets/${market}/slots/${slot}`;
    if (path === "/rpc") {
      let text = "";
      request.on("data", (chunk) => {
        text += chunk;
      });
      request.on("end", () => {
        const call = JSON.parse(text) as { id: number; method: string };
        const record = {
          ...honest,
          price: chainPrice,
          settlementRoot: `0x${"00".repeat(32)}` as Hex,
          retailPrice: 40n,
          feedInPrice: 8n,
          rewardRate: 0n,
          locked: 0n,
          clearedAt: slot,
          settledAt: 0n,
        };
        const data = encodeFunctionResult({ abi: slotOfAbi, functionName: "slotOf", result: record });
        send({ jsonrpc: "2.0", id: call.id, result: call.method === "eth_chainId" ? "0x7a69" : data });
      });
      return;
    }
    if (path === "/v1/chain") return send({ chainId: 31337, rpcUrl: `${url}/rpc` });
    if (path === "/v1/market/markets")
      return send({ markets: [{ market, chainId: 31337, verifyingContract }] });
    if (path === `${base}/result`) return send({ mechanism: "pay-as-clear", rule: "midpoint" });
    if (path === `${base}/orders`) {
      return send({
        orders: published.map((p) => ({
          ...p,
          order: orderToJson(p.order),
          receivedAt: 1,
          status: "included",
        })),
      });
    }
    response.statusCode = 404;
    send({ error: { code: "NOT_FOUND", message: path } });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const audit = () =>
  runCli(["--node", url, "--json", "market", "audit", "--market", market, "--slot", slot.toString()], {
    GRIDLEDGER_API_KEY: "unused",
  });

describe("gridledger market audit", () => {
  it("verifies a slot whose published orders give what the chain holds", async () => {
    chainPrice = honest.price;
    const run = await audit();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const verdict = JSON.parse(run.stdout) as { verified: boolean; checks: { name: string; ok: boolean }[] };
    expect(verdict.verified).toBe(true);
    expect(verdict.checks.map((c) => c.name)).toContain("signatures");
  });

  it("reports not verified and exits 1 with MARKET_AUDIT_FAILED when the chain holds another price", async () => {
    chainPrice = honest.price + 1n;
    const run = await audit();
    expect(run.code).toBe(1);
    const verdict = JSON.parse(run.stdout) as { verified: boolean; checks: { name: string; ok: boolean }[] };
    expect(verdict.verified).toBe(false);
    expect(verdict.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["price"]);
    expect(JSON.parse(run.stderr).error.code).toBe("MARKET_AUDIT_FAILED");
  });
});
