import { describe, expect, it } from "vitest";
import { marketDomain, marketIdOf, orderDigest, orderToJson, parseOrderJson } from "./orderFormat.js";

const json = {
  market: "0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8",
  slot: "1767225600",
  side: "sell",
  device: `0x${"11".repeat(32)}`,
  energyWh: "1500",
  limitPrice: "22",
  nonce: "7",
  expiry: "1767225300",
};

const code = (c: string) => expect.objectContaining({ code: c });

describe("orders in JSON and EIP-712", () => {
  it("gives a community's market id as its address left-padded to 32 bytes", () => {
    expect(marketIdOf("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBe(json.market);
  });

  it("parses decimal strings, JSON numbers, side names or codes, and any hex case", () => {
    const order = parseOrderJson(json);
    expect(order).toEqual({
      market: json.market,
      slot: 1_767_225_600n,
      side: 1,
      device: json.device,
      energyWh: 1500n,
      limitPrice: 22n,
      nonce: 7n,
      expiry: 1_767_225_300n,
    });
    expect(
      parseOrderJson({
        ...json,
        side: 1,
        energyWh: 1500,
        device: json.device.toUpperCase().replace("0X", "0x"),
      }),
    ).toEqual(order);
    expect(parseOrderJson({ ...json, side: "buy" }).side).toBe(0);
    expect(orderToJson(order)).toEqual(json);
  });

  it("refuses a missing field, bad hex, a fraction, a side it does not know or an expiry of 0", () => {
    const { nonce: _, ...noNonce } = json;
    expect(() => parseOrderJson(noNonce)).toThrow(code("MARKET_ORDER_MALFORMED"));
    expect(() => parseOrderJson({ ...json, device: "0x1234" })).toThrow(code("MARKET_ORDER_MALFORMED"));
    expect(() => parseOrderJson({ ...json, energyWh: 1.5 })).toThrow(code("MARKET_ORDER_MALFORMED"));
    expect(() => parseOrderJson({ ...json, side: "bid" })).toThrow(code("MARKET_ORDER_MALFORMED"));
    expect(() => parseOrderJson({ ...json, expiry: "0" })).toThrow(code("MARKET_ORDER_MALFORMED"));
    expect(() => parseOrderJson({ ...json, slot: (2n ** 64n).toString() })).toThrow(
      code("MARKET_ORDER_MALFORMED"),
    );
    expect(() => parseOrderJson([json])).toThrow(code("MARKET_ORDER_MALFORMED"));
  });

  it("refuses zero or absurd quantities", () => {
    expect(() => parseOrderJson({ ...json, energyWh: "0" })).toThrow(code("MARKET_QUANTITY_INVALID"));
    expect(() => parseOrderJson({ ...json, energyWh: "10000001" })).toThrow(code("MARKET_QUANTITY_INVALID"));
    expect(() => parseOrderJson({ ...json, limitPrice: "0" })).toThrow(code("MARKET_QUANTITY_INVALID"));
    expect(() => parseOrderJson({ ...json, limitPrice: "1000001" })).toThrow(code("MARKET_QUANTITY_INVALID"));
    expect(parseOrderJson({ ...json, energyWh: "10000000", limitPrice: "1000000" }).energyWh).toBe(
      10_000_000n,
    );
  });

  it("gives a different digest for another chain, contract or any field", () => {
    const domain = marketDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const order = parseOrderJson(json);
    const digest = orderDigest(domain, order);
    expect(digest).toMatch(/^0x[0-9a-f]{64}$/);
    expect(orderDigest({ ...domain, chainId: 1 }, order)).not.toBe(digest);
    expect(orderDigest(marketDomain(31337, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"), order)).not.toBe(
      digest,
    );
    expect(orderDigest(domain, { ...order, energyWh: 1501n })).not.toBe(digest);
  });
});
