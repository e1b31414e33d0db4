import fc from "fast-check";
import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import {
  gridDevice,
  gridValueOf,
  type SettlementOrder,
  settleSlot,
  shareProRata,
  tradeValue,
} from "./settleSlot.js";

const tariffs = { retailPrice: 40n, feedInPrice: 8n };
const gridOperator: Address = "0x00000000000000000000000000000000000000ff";
const device = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const account = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;

/** Seller device 2 (account 2) sells 1000 Wh at 23 to buyer device 1 (account 1). */
const orders = new Map<string, SettlementOrder>([
  ["buy", { account: account(1), device: device(1), side: 0 }],
  ["sell", { account: account(2), device: device(2), side: 1 }],
]);
const trades = [{ buy: "buy", sell: "sell", energyWh: 1000n, price: 23n }];

function settle(importWh: bigint | undefined, exportWh: bigint | undefined) {
  const metered = new Map<Hex, { importWh: bigint; exportWh: bigint }>();
  if (importWh !== undefined) metered.set(device(1), { importWh, exportWh: 0n });
  if (exportWh !== undefined) metered.set(device(2), { importWh: 0n, exportWh });
  const { lines } = settleSlot({ trades, orders, metered, tariffs, gridOperator });
  expect(lines.reduce((sum, l) => sum + l.tradeValue + l.gridValue, 0n)).toBe(0n);
  const [buy, sell, grid] = lines;
  return { buy, sell, grid };
}

describe("settleSlot", () => {
  it("settles full delivery at the trade value with nothing for the grid", () => {
    const { buy, sell, grid } = settle(1000n, 1000n);
    expect(buy).toEqual({
      account: account(1),
      device: device(1),
      side: 0,
      tradedWh: 1000n,
      meteredWh: 1000n,
      deliveredWh: 1000n,
      tradeValue: -23n,
      gridValue: 0n,
      rewardWh: 1000n,
    });
    expect(sell).toMatchObject({
      side: 1,
      tradeValue: 23n,
      gridValue: 0n,
      deliveredWh: 1000n,
      rewardWh: 1000n,
    });
    expect(grid).toEqual({
      account: gridOperator,
      device: gridDevice,
      side: 2,
      tradedWh: 0n,
      meteredWh: 0n,
      deliveredWh: 0n,
      tradeValue: 0n,
      gridValue: 0n,
      rewardWh: 0n,
    });
  });

  it("makes a short seller buy its undelivered energy at retail", () => {
    const { buy, sell, grid } = settle(1000n, 600n);
    expect(sell).toMatchObject({ deliveredWh: 600n, gridValue: -16n, rewardWh: 600n });
    expect(buy).toMatchObject({ deliveredWh: 1000n, gridValue: 0n, rewardWh: 600n });
    expect(grid?.gridValue).toBe(16n);
  });

  it("sells a short buyer's unused energy back at feed-in", () => {
    const { buy, sell, grid } = settle(700n, 1000n);
    expect(buy).toMatchObject({ deliveredWh: 700n, gridValue: 2n, rewardWh: 700n });
    expect(sell).toMatchObject({ gridValue: 0n, rewardWh: 700n });
    expect(grid?.gridValue).toBe(-2n);
  });

  it("settles both sides short with the grid", () => {
    const { buy, sell, grid } = settle(700n, 600n);
    expect(sell?.gridValue).toBe(-16n);
    expect(buy?.gridValue).toBe(2n);
    expect(grid?.gridValue).toBe(14n);
    expect(buy?.rewardWh).toBe(600n);
  });

  it("pays excess export at feed-in and charges excess import at retail", () => {
    expect(settle(1000n, 1300n).sell).toMatchObject({ deliveredWh: 1000n, gridValue: 2n });
    expect(settle(1250n, 1000n).buy).toMatchObject({ deliveredWh: 1000n, gridValue: -10n });
  });

  it("counts a missing reading as zero delivery", () => {
    const { buy, sell, grid } = settle(1000n, undefined);
    expect(sell).toMatchObject({ meteredWh: 0n, deliveredWh: 0n, gridValue: -40n, rewardWh: 0n });
    expect(buy?.rewardWh).toBe(0n);
    expect(grid?.gridValue).toBe(40n);
  });

  it("shares a line's delivery over its trades pro rata, the remainder to the earliest of equal parts", () => {
    const three = new Map<string, SettlementOrder>([
      ["sell", { account: account(9), device: device(9), side: 1 }],
      ["b1", { account: account(1), device: device(1), side: 0 }],
      ["b2", { account: account(2), device: device(2), side: 0 }],
      ["b3", { account: account(3), device: device(3), side: 0 }],
    ]);
    const metered = new Map<Hex, { importWh: bigint; exportWh: bigint }>([
      [device(9), { importWh: 0n, exportWh: 1000n }],
      [device(1), { importWh: 1000n, exportWh: 0n }],
      [device(2), { importWh: 1000n, exportWh: 0n }],
      [device(3), { importWh: 1000n, exportWh: 0n }],
    ]);
    const { lines, deliveries } = settleSlot({
      trades: ["b1", "b2", "b3"].map((buy) => ({ buy, sell: "sell", energyWh: 1000n, price: 20n })),
      orders: three,
      metered,
      tariffs,
      gridOperator,
    });
    expect(deliveries.map((d) => d.deliveredWh)).toEqual([334n, 333n, 333n]);
    expect(lines.map((l) => [l.device, l.side, l.rewardWh])).toEqual([
      [device(1), 0, 334n],
      [device(2), 0, 333n],
      [device(3), 0, 333n],
      [device(9), 1, 1000n],
      [gridDevice, 2, 0n],
    ]);
    expect(lines[3]?.gridValue).toBe(-80n);
  });

  it("shares pro rata in whole Wh, the remainder to the largest fractional parts", () => {
    expect(shareProRata(10n, [1n, 1n, 1n])).toEqual([4n, 3n, 3n]);
    expect(shareProRata(5n, [3n, 5n])).toEqual([2n, 3n]);
    expect(shareProRata(0n, [3n, 5n])).toEqual([0n, 0n]);
  });

  it("values energy at floor(price × Wh / 1000)", () => {
    expect(tradeValue(23n, 1499n)).toBe(34n);
    expect(gridValueOf(1, 1000n, 0n, tariffs)).toBe(-40n);
  });

  it("nets to zero, never delivers more than traded and never rewards more than delivered", () => {
    const trade = fc.record({
      buyer: fc.integer({ min: 1, max: 4 }),
      seller: fc.integer({ min: 3, max: 6 }),
      energyWh: fc.bigInt({ min: 1n, max: 5_000n }),
      price: fc.bigInt({ min: 1n, max: 1_000n }),
    });
    const reading = fc.option(
      fc.record({
        importWh: fc.bigInt({ min: 0n, max: 9_000n }),
        exportWh: fc.bigInt({ min: 0n, max: 9_000n }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(trade, { minLength: 1, maxLength: 12 }),
        fc.array(reading, { minLength: 6, maxLength: 6 }),
        fc.record({
          retailPrice: fc.bigInt({ min: 0n, max: 1_000n }),
          feedInPrice: fc.bigInt({ min: 0n, max: 1_000n }),
        }),
        (drawn, readings, tariffs) => {
          const byId = new Map<string, SettlementOrder>();
          const list = drawn.map((t, i) => {
            byId.set(`b${i}`, { account: account(t.buyer), device: device(t.buyer), side: 0 });
            byId.set(`s${i}`, { account: account(t.seller), device: device(t.seller), side: 1 });
            return { buy: `b${i}`, sell: `s${i}`, energyWh: t.energyWh, price: t.price };
          });
          const metered = new Map<Hex, { importWh: bigint; exportWh: bigint }>();
          readings.forEach((r, i) => {
            if (r !== null) metered.set(device(i + 1), r);
          });
          const { lines, deliveries } = settleSlot({
            trades: list,
            orders: byId,
            metered,
            tariffs,
            gridOperator,
          });
          expect(lines.reduce((sum, l) => sum + l.tradeValue + l.gridValue, 0n)).toBe(0n);
          for (const l of lines) {
            expect(l.deliveredWh).toBeLessThanOrEqual(l.tradedWh);
            expect(l.rewardWh).toBeLessThanOrEqual(l.deliveredWh);
          }
          deliveries.forEach((d, i) => {
            expect(d.deliveredWh).toBeLessThanOrEqual(list[i]?.energyWh as bigint);
          });
          expect(lines[lines.length - 1]?.side).toBe(2);
        },
      ),
      { seed: 20_261_203, numRuns: 300 },
    );
  });
});
