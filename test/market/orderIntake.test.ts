import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContractAddresses } from "../../src/chain/manifest.js";
import {
  cancelTypes,
  marketDomain,
  marketIdOf,
  orderDigest,
  parseOrderJson,
} from "../../src/market/orderFormat.js";
import { createServer } from "../../src/server/createServer.js";
import { type MarketNode, type Prosumer, startMarketNode } from "./marketNode.js";

describe("market order intake", () => {
  let t: MarketNode;
  let seller: Prosumer;
  let buyer: Prosumer;
  let pv: Hex;
  let meter: Hex;
  let slot: bigint;
  let nonce = 0n;

  const nowSeconds = () => BigInt(Math.floor(t.clock.now / 1000));
  const order = (
    side: 0 | 1,
    device: Hex,
    fields: { energyWh?: bigint; limitPrice?: bigint; slot?: bigint } = {},
  ) => ({
    slot: fields.slot ?? slot,
    side,
    device,
    energyWh: fields.energyWh ?? 1_000n,
    limitPrice: fields.limitPrice ?? 60n,
    nonce: ++nonce,
    expiry: nowSeconds() + 86_400n,
  });
  const place = (body: unknown) => t.request("POST", "/v1/market/orders", body);
  const refusal = async (body: unknown) => {
    const answer = await place(body);
    return { status: answer.status, code: answer.body.error?.code as string | undefined };
  };

  beforeAll(async () => {
    t = await startMarketNode();
    seller = await t.prosumer();
    buyer = await t.prosumer();
    pv = (await t.device(seller.address, "generation")).id;
    meter = (await t.device(buyer.address, "consumption")).id;
    await t.fund(buyer.address, 1_000n);
    // Two slots ahead: its gate (5 minutes before it starts) is open.
    slot = (nowSeconds() / 900n) * 900n + 1800n;
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("lists the market with its EIP-712 domain and tariffs", async () => {
    const { body } = await t.request("GET", "/v1/market/markets");
    expect(body.markets).toEqual([
      expect.objectContaining({
        market: t.market,
        community: t.operator.toLowerCase(),
        slotSeconds: "900",
        gateClosureSeconds: "300",
        retailPrice: "80",
        feedInPrice: "30",
        chainId: String(t.node.context.chainId),
        verifyingContract: t.node.context.contracts.Market.toLowerCase(),
      }),
    ]);
  });

  it("stores a signed order and answers 201 with its EIP-712 digest", async () => {
    const body = await t.signOrder(seller, order(1, pv, { energyWh: 2_000n, limitPrice: 50n }));
    const answer = await place(body);
    expect(answer.status).toBe(201);
    const domain = marketDomain(t.node.context.chainId, t.node.context.contracts.Market);
    expect(answer.body).toMatchObject({
      digest: orderDigest(domain, parseOrderJson(body.order)),
      status: "open",
    });
    const { body: book } = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/book`);
    expect(book.asks).toContainEqual({ price: "50", energyWh: "2000", orders: "1" });
    expect(JSON.stringify(book)).not.toContain(seller.address.slice(2).toLowerCase());
  });

  it("refuses a malformed order, a quantity out of range and a bad signature", async () => {
    const good = await t.signOrder(seller, order(1, pv));
    expect(await refusal({ ...good, order: { ...good.order, device: "0x12" } })).toEqual({
      status: 400,
      code: "MARKET_ORDER_MALFORMED",
    });
    expect(await refusal({ ...good, order: { ...good.order, energyWh: "0" } })).toEqual({
      status: 400,
      code: "MARKET_QUANTITY_INVALID",
    });
    expect(await refusal({ ...good, order: { ...good.order, limitPrice: "1000001" } })).toEqual({
      status: 400,
      code: "MARKET_QUANTITY_INVALID",
    });
    expect(await refusal({ ...good, signature: "0x1234" })).toEqual({
      status: 400,
      code: "MARKET_BAD_SIGNATURE",
    });
  });

  it("refuses an order of an unknown market", async () => {
    const other = marketIdOf(privateKeyToAccount(generatePrivateKey()).address);
    const body = await t.signOrder(seller, { ...order(1, pv), market: other });
    expect(await refusal(body)).toEqual({ status: 404, code: "MARKET_UNKNOWN" });
  });

  it("refuses a slot not aligned, more than 7 days ahead, or whose gate closed", async () => {
    for (const bad of [slot + 1n, slot + 8n * 86_400n]) {
      expect(await refusal(await t.signOrder(seller, order(1, pv, { slot: bad })))).toEqual({
        status: 400,
        code: "MARKET_SLOT_INVALID",
      });
    }
    // The current slot has started: its gate closed 5 minutes before.
    const current = (nowSeconds() / 900n) * 900n;
    expect(await refusal(await t.signOrder(seller, order(1, pv, { slot: current })))).toEqual({
      status: 409,
      code: "MARKET_SLOT_CLOSED",
    });
  });

  it("refuses an expired order", async () => {
    const body = await t.signOrder(seller, { ...order(1, pv), expiry: nowSeconds() - 10n });
    expect(await refusal(body)).toEqual({ status: 409, code: "MARKET_ORDER_EXPIRED" });
  });

  it("refuses a signer who is not a prosumer of the community", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const body = await t.signOrder({ account: stranger, address: stranger.address }, order(1, pv));
    expect(await refusal(body)).toEqual({ status: 403, code: "MARKET_NOT_MEMBER" });
  });

  it("refuses a device the signer does not own", async () => {
    expect(await refusal(await t.signOrder(buyer, order(1, pv)))).toEqual({
      status: 403,
      code: "MARKET_DEVICE_NOT_OWNED",
    });
  });

  it("refuses a sell from a device that cannot export and a buy from one that cannot import", async () => {
    expect(await refusal(await t.signOrder(buyer, order(1, meter)))).toEqual({
      status: 400,
      code: "MARKET_WRONG_SIDE",
    });
    expect(await refusal(await t.signOrder(seller, order(0, pv)))).toEqual({
      status: 400,
      code: "MARKET_WRONG_SIDE",
    });
  });

  it("refuses a reused nonce", async () => {
    const first = order(1, pv);
    expect((await place(await t.signOrder(seller, first))).status).toBe(201);
    const again = await t.signOrder(seller, { ...first, energyWh: 5n });
    expect(await refusal(again)).toEqual({ status: 409, code: "MARKET_NONCE_REUSED" });
  });

  it("refuses a buy the escrow does not cover together with the account's open buys", async () => {
    // 10 kWh at 80 per kWh = 800 of the 1000 deposited; 3 kWh more at 80 = 240 would need 1040.
    expect(
      (await place(await t.signOrder(buyer, order(0, meter, { energyWh: 10_000n, limitPrice: 80n })))).status,
    ).toBe(201);
    expect(
      await refusal(await t.signOrder(buyer, order(0, meter, { energyWh: 3_000n, limitPrice: 80n }))),
    ).toEqual({
      status: 409,
      code: "MARKET_INSUFFICIENT_ESCROW",
    });
    expect(
      (await place(await t.signOrder(buyer, order(0, meter, { energyWh: 2_000n, limitPrice: 100n })))).status,
    ).toBe(201);
  });

  it("cancels an order signed by its signer before gate closure, and no one else's", async () => {
    const placed = await place(await t.signOrder(seller, order(1, pv, { energyWh: 777n, limitPrice: 77n })));
    const digest = placed.body.digest as Hex;
    const domain = marketDomain(t.node.context.chainId, t.node.context.contracts.Market);
    const cancel = { market: t.market, slot, order: digest };
    const sign = (who: Prosumer, message = cancel) =>
      who.account.signTypedData({ domain, types: cancelTypes, primaryType: "Cancel", message });
    const body = (signature: Hex, message = cancel) => ({
      cancel: { ...message, slot: message.slot.toString() },
      signature,
    });
    const byOther = await t.request("POST", "/v1/market/cancels", body(await sign(buyer)));
    expect(byOther).toMatchObject({ status: 400, body: { error: { code: "MARKET_BAD_SIGNATURE" } } });
    const unknown = { ...cancel, order: `0x${"ab".repeat(32)}` as Hex };
    expect(
      await t.request("POST", "/v1/market/cancels", body(await sign(seller, unknown), unknown)),
    ).toMatchObject({
      status: 404,
      body: { error: { code: "MARKET_ORDER_UNKNOWN" } },
    });
    expect(await t.request("POST", "/v1/market/cancels", body(await sign(seller)))).toEqual({
      status: 200,
      body: { order: digest, status: "cancelled" },
    });
    const { body: book } = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/book`);
    expect(book.asks).not.toContainEqual(expect.objectContaining({ price: "77" }));
  });

  it("answers MARKET_UNAVAILABLE on a node whose data directory has no Market contract", async () => {
    const { Market: _, ...older } = t.node.context.contracts;
    const app = await createServer({
      ...t.node.context,
      contracts: older as ContractAddresses,
      rpcUrl: () => undefined,
    });
    try {
      const body = await t.signOrder(seller, order(1, pv));
      const answer = await app.inject({ method: "POST", url: "/v1/market/orders", payload: body });
      expect([answer.statusCode, answer.json().error.code]).toEqual([503, "MARKET_UNAVAILABLE"]);
    } finally {
      await app.close();
    }
  });

  it("publishes no orders of a slot before it is cleared", async () => {
    const answer = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/orders`);
    expect(answer).toMatchObject({ status: 409, body: { error: { code: "MARKET_SLOT_NOT_CLEARED" } } });
  });
});
