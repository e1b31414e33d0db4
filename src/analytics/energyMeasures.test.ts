import { describe, expect, it } from "vitest";
import { analyticsConfigOf } from "./analyticsConfig.js";
import {
  co2Micrograms,
  coalEquivalentMicrograms,
  formatScaled,
  kilogramsOf,
  ratio,
  tonnesOf,
  totalsOf,
} from "./energyMeasures.js";

const config = analyticsConfigOf();

describe("standard coal equivalent (GB/T 2589)", () => {
  it("converts electricity at the equivalent value, 0.1229 kgce/kWh, by default", () => {
    // 1,000 kWh × 0.1229 = 122.9 kgce = 0.1229 tce
    expect(tonnesOf(coalEquivalentMicrograms(1, 1_000_000n, config))).toBe("0.122900");
  });

  it("converts electricity at the equal-value coefficient when configured", () => {
    const equalValue = analyticsConfigOf({
      tce: { electricityMethod: "equal-value", electricityEqualValueKgcePerKwh: 0.2996 },
    });
    // 1,000 kWh × 0.2996 = 299.6 kgce
    expect(tonnesOf(coalEquivalentMicrograms(1, 1_000_000n, equalValue))).toBe("0.299600");
  });

  it("converts natural gas per m³ and heat per MJ", () => {
    // 1,000 m³ (1,000,000 L) × 1.2143 kgce/m³ = 1,214.3 kgce
    expect(tonnesOf(coalEquivalentMicrograms(2, 1_000_000n, config))).toBe("1.214300");
    // 1,000 MJ (1,000,000 kJ) × 0.03412 kgce/MJ = 34.12 kgce
    expect(tonnesOf(coalEquivalentMicrograms(3, 1_000_000n, config))).toBe("0.034120");
    expect(coalEquivalentMicrograms(4, 1_000_000n, config)).toBe(0n);
  });
});

describe("CO2", () => {
  it("uses the region's grid factor, else the default", () => {
    const regional = analyticsConfigOf({ co2: { gridKgPerKwh: { "CN-GD": 0.4512 } } });
    // 10 kWh × 0.4512 = 4.512 kg; 10 kWh × 0.5703 = 5.703 kg
    expect(kilogramsOf(co2Micrograms(1, 10_000n, "CN-GD", regional))).toBe("4.512");
    expect(kilogramsOf(co2Micrograms(1, 10_000n, "CN-ZJ", regional))).toBe("5.703");
  });

  it("counts gas and heat by their factors", () => {
    // 1 m³ × 2.1622 kg; 1 MJ × 0.11 kg
    expect(kilogramsOf(co2Micrograms(2, 1_000n, "CN-GD", config))).toBe("2.162");
    expect(kilogramsOf(co2Micrograms(3, 1_000n, "CN-GD", config))).toBe("0.110");
  });
});

describe("totals of rollup rows", () => {
  it("leaves feeders out, splits generation by source and counts renewables", () => {
    const totals = totalsOf([
      { kind: 1, source: 0, importTotal: 700n, exportTotal: 0n, readings: 4n },
      { kind: 2, source: 1, importTotal: 5n, exportTotal: 300n, readings: 4n },
      { kind: 2, source: 4, importTotal: 0n, exportTotal: 900n, readings: 4n },
      { kind: 6, source: 0, importTotal: 800n, exportTotal: 0n, readings: 4n },
    ]);
    expect(totals).toEqual({
      consumption: 705n,
      generation: 1200n,
      generationBySource: { solar: 300n, coal: 900n },
      renewable: 300n,
      readings: 16n,
    });
  });
});

describe("formatting", () => {
  it("rounds half away from zero at the asked decimals", () => {
    expect(formatScaled(1_234_567n, 6, 3)).toBe("1.235");
    expect(formatScaled(-1_234_500n, 6, 3)).toBe("-1.235");
    expect(formatScaled(5n, 0, 2)).toBe("5.00");
    expect(formatScaled(0n, 9, 3)).toBe("0.000");
  });

  it("rounds ratios to 4 decimals and has none for a zero denominator", () => {
    expect(ratio(2n, 3n)).toBe(0.6667);
    expect(ratio(1n, 0n)).toBeNull();
  });
});

describe("analytics config", () => {
  it("names a setting that does not exist or has the wrong type", () => {
    expect(() => analyticsConfigOf({ tce: { coal: 1 } })).toThrow(/tce\.coal is not a setting/);
    expect(() => analyticsConfigOf({ detectors: { spike: { threshold: "high" } } })).toThrow(
      /detectors\.spike\.threshold must be a non-negative number/,
    );
    expect(() => analyticsConfigOf({ tce: { electricityMethod: "market" } })).toThrow(/equivalent/);
  });
});
