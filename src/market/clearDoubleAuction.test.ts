import { describe, expect, it } from "vitest";
import { type AuctionOrder, clearDoubleAuction } from "./clearDoubleAuction.js";

const order = (id: string, side: "buy" | "sell", account: string, energyWh: number, limitPrice: number) =>
  ({ id, side, account, energyWh: BigInt(energyWh), limitPrice: BigInt(limitPrice) }) satisfies AuctionOrder;

/** docs/market.md, worked example 1 (array order = time of receipt). */
const book = [
  order("b1", "buy", "0xa", 1000, 30),
  order("s1", "sell", "0xd", 600, 15),
  order("b2", "buy", "0xb", 500, 25),
  order("s2", "sell", "0xe", 700, 22),
  order("b3", "buy", "0xc", 800, 20),
  order("s3", "sell", "0xf", 900, 28),
];

const plain = (trades: { buy: string; sell: string; energyWh: bigint; price: bigint }[]) =>
  trades.map((t) => `${t.buy}-${t.sell} ${t.energyWh}@${t.price}`);

describe("clearDoubleAuction", () => {
  it("clears the worked example at the midpoint of the marginal bid and ask by default", () => {
    const result = clearDoubleAuction(book);
    expect(result).toMatchObject({
      mechanism: "pay-as-clear",
      rule: "midpoint",
      price: 23n,
      volumeWh: 1300n,
    });
    expect(plain(result.trades)).toEqual(["b1-s1 600@23", "b1-s2 400@23", "b2-s2 300@23"]);
  });

  it("prices at the lowest filled bid or the highest filled ask by rule", () => {
    expect(clearDoubleAuction(book, { rule: "marginal-bid" }).price).toBe(25n);
    expect(clearDoubleAuction(book, { rule: "marginal-ask" }).price).toBe(22n);
  });

  it("prices each pay-as-bid trade at its bid's limit and reports no uniform price", () => {
    const result = clearDoubleAuction(book, { mechanism: "pay-as-bid" });
    expect(result.price).toBeNull();
    expect(result.volumeWh).toBe(1300n);
    expect(plain(result.trades)).toEqual(["b1-s1 600@30", "b1-s2 400@30", "b2-s2 300@25"]);
  });

  it("trades nothing when no bid reaches an ask", () => {
    const result = clearDoubleAuction([order("b", "buy", "0xa", 10, 5), order("s", "sell", "0xb", 10, 6)]);
    expect(result).toEqual({
      mechanism: "pay-as-clear",
      rule: "midpoint",
      price: null,
      volumeWh: 0n,
      trades: [],
    });
  });

  it("rations the margin by time of receipt", () => {
    const first = order("early", "buy", "0xa", 500, 20);
    const second = order("late", "buy", "0xb", 500, 20);
    const sell = order("s", "sell", "0xc", 600, 10);
    expect(plain(clearDoubleAuction([first, second, sell]).trades)).toEqual([
      "early-s 500@15",
      "late-s 100@15",
    ]);
    expect(plain(clearDoubleAuction([second, first, sell]).trades)).toEqual([
      "late-s 500@15",
      "early-s 100@15",
    ]);
  });

  it("never lets an account trade with itself, even at the cost of volume", () => {
    const result = clearDoubleAuction([order("b", "buy", "0xA", 10, 10), order("s", "sell", "0xa", 10, 1)]);
    expect(result.volumeWh).toBe(0n);
  });

  it("pairs around a self-trade so that the volume stays maximal", () => {
    // Taking the cheapest other sell (s1) for b1 would leave b2 facing its own s2: 10 Wh instead of 20.
    const result = clearDoubleAuction([
      order("b1", "buy", "0xa", 10, 10),
      order("b2", "buy", "0xb", 10, 10),
      order("s1", "sell", "0xc", 10, 1),
      order("s2", "sell", "0xb", 10, 1),
    ]);
    expect(result.volumeWh).toBe(20n);
    expect(plain(result.trades)).toEqual(["b1-s2 10@5", "b2-s1 10@5"]);
  });

  it("caps an account's sells at what the other accounts bid for, and fills others' buys instead", () => {
    const result = clearDoubleAuction([
      order("b1", "buy", "0xa", 10, 10),
      order("b2", "buy", "0xb", 5, 10),
      order("s1", "sell", "0xa", 10, 1),
    ]);
    expect(plain(result.trades)).toEqual(["b2-s1 5@5"]);
  });

  it("refuses a repeated id or a quantity of zero", () => {
    const same = [order("x", "buy", "0xa", 1, 1), order("x", "sell", "0xb", 1, 1)];
    expect(() => clearDoubleAuction(same)).toThrow(
      expect.objectContaining({ code: "MARKET_CLEARING_INPUT_INVALID" }),
    );
    const zero = [order("x", "buy", "0xa", 0, 1)];
    expect(() => clearDoubleAuction(zero)).toThrow(
      expect.objectContaining({ code: "MARKET_CLEARING_INPUT_INVALID" }),
    );
  });
});
