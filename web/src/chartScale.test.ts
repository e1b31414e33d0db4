import { describe, expect, it } from "vitest";
import { energyAxis, energyUnitFor, niceTicks } from "./chartScale.js";
import { formatNumber } from "./format.js";

const labels = (values: number[]) => {
  const axis = energyAxis(values);
  return { unit: axis.unit, labels: axis.ticks.map((v) => formatNumber(v, "en", axis.decimals)) };
};

describe("energy chart axis", () => {
  it("chooses the unit by the range of the values", () => {
    expect(energyUnitFor(804).unit).toBe("Wh");
    expect(energyUnitFor(80_400).unit).toBe("kWh");
    expect(energyUnitFor(2_330_000).unit).toBe("MWh");
    expect(energyUnitFor(4.2e9).unit).toBe("GWh");
    expect(energyUnitFor(-5_000)).toEqual({ unit: "kWh", factor: 1000 });
  });

  it("never repeats a tick label and never shows 0,0,0 for small values", () => {
    // 120 Wh per hour at most: the old axis in kWh with one decimal read 0, 0.1, 0.1 or 0, 0, 0.
    for (const values of [[0, 12, 120], [0, 3, 7], [0, 0.4], [250, 1_250, 99_000], [0, 2_330_000], [0]]) {
      const { labels: text } = labels(values);
      expect(new Set(text).size, text.join(", ")).toBe(text.length);
      expect(text.length).toBeGreaterThanOrEqual(2);
    }
    expect(labels([0, 120])).toEqual({ unit: "Wh", labels: ["0", "50", "100", "150"] });
    expect(labels([0, 1_500, 2_330])).toMatchObject({ unit: "kWh" });
    expect(labels([0, 1_500, 2_330]).labels).toEqual(["0", "1", "2", "3"]);
  });

  it("covers the values with steps of 1, 2 or 5 × 10ⁿ and includes 0", () => {
    const { ticks } = niceTicks(3, 47);
    expect(ticks[0]).toBe(0);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(47);
    expect(niceTicks(-12, 30).ticks[0]).toBeLessThanOrEqual(-12);
    expect(niceTicks(0, 0.03)).toEqual({ ticks: [0, 0.01, 0.02, 0.03], decimals: 2 });
  });
});

describe("quantities with their commodity's unit", () => {
  it("shows gas in litres, heat in kJ and electricity in Wh, scaled", async () => {
    const { formatQuantity } = await import("./format.js");
    expect(formatQuantity("0", 2, "en")).toBe("0 L");
    expect(formatQuantity("1500", "gas", "en")).toBe("1.5 m³");
    expect(formatQuantity("12000", 3, "zh")).toBe("12 MJ");
    expect(formatQuantity("2330000", 1, "en")).toBe("2.33 MWh");
  });
});

describe("exact quantities of a reading", () => {
  it("keeps every digit of a register, in the reading's unit", async () => {
    const { formatExactQuantity } = await import("./format.js");
    expect(formatExactQuantity("1000250", 1, "en")).toBe("1,000,250 Wh");
    expect(formatExactQuantity("0", "gas", "en")).toBe("0 L");
    expect(formatExactQuantity("18446744073709551615", "heat", "en")).toBe("18,446,744,073,709,551,615 kJ");
  });
});
