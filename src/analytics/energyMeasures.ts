import { commodities } from "../metering/readingFormat.js";
import { decodeEnergySource, deviceKinds, energySources } from "../registry/deviceTypes.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";

/** Sources counted as renewable (GB/T 2589 treats their electricity like any other; CO2 factor zero). */
export const renewableSources: ReadonlySet<number> = new Set([
  energySources.solar,
  energySources.wind,
  energySources.hydro,
  energySources.biomass,
]);

/** One rollup row: what devices of one kind and source imported and exported in a period. */
export type SourceSums = {
  kind: number;
  source: number;
  importTotal: bigint;
  exportTotal: bigint;
  readings: bigint;
};

/** Energy figures of one period, in the commodity's unit (Wh, litres, kJ). */
export type EnergyTotals = {
  /** Import of every meter but feeders (feeders measure what their members already report). */
  consumption: bigint;
  /** Export of every meter but feeders, by the device's registered energy source. */
  generation: bigint;
  generationBySource: Record<string, bigint>;
  renewable: bigint;
  /** Readings received, feeders included. */
  readings: bigint;
};

/** Sums rollup rows of one period into consumption, generation by source and renewable generation. */
export function totalsOf(rows: readonly SourceSums[]): EnergyTotals {
  const totals: EnergyTotals = {
    consumption: 0n,
    generation: 0n,
    generationBySource: {},
    renewable: 0n,
    readings: 0n,
  };
  for (const row of rows) {
    totals.readings += row.readings;
    if (row.kind === deviceKinds.feeder) continue;
    totals.consumption += row.importTotal;
    totals.generation += row.exportTotal;
    if (row.exportTotal > 0n || row.source !== energySources.none) {
      const name = row.source === energySources.none ? "unknown" : decodeEnergySource(row.source);
      totals.generationBySource[name] = (totals.generationBySource[name] ?? 0n) + row.exportTotal;
    }
    if (renewableSources.has(row.source)) totals.renewable += row.exportTotal;
  }
  return totals;
}

/** A coefficient (per kWh, m³ or MJ) as an exact integer in millionths. */
const micro = (coefficient: number) => BigInt(Math.round(coefficient * 1e6));

/**
 * Standard coal equivalent of consumption in micrograms of coal equivalent (GB/T 2589-2020):
 * electricity at the equivalent value (0.1229 kgce/kWh) or the equal-value coefficient, natural gas
 * per m³ (litres / 1000), heat per MJ (kJ / 1000). A unit of 1 Wh, 1 litre or 1 kJ times a
 * coefficient in kg per kWh, m³ or MJ is that coefficient in grams, hence the integer arithmetic.
 */
export function coalEquivalentMicrograms(
  commodity: number,
  consumption: bigint,
  config: AnalyticsConfig,
): bigint {
  const { tce } = config;
  const coefficient =
    commodity === commodities.electricity
      ? tce.electricityMethod === "equal-value"
        ? tce.electricityEqualValueKgcePerKwh
        : tce.electricityEquivalentKgcePerKwh
      : commodity === commodities.gas
        ? tce.naturalGasKgcePerM3
        : commodity === commodities.heat
          ? tce.heatKgcePerMj
          : 0;
  return consumption * micro(coefficient);
}

/**
 * CO2 of consumption in micrograms: electricity at the region's grid average factor (`co2.gridKgPerKwh`
 * by region code, else its `default`), natural gas and heat by their factors. Renewable generation
 * carries a factor of zero: it adds nothing here.
 */
export function co2Micrograms(
  commodity: number,
  consumption: bigint,
  regionCode: string,
  config: AnalyticsConfig,
): bigint {
  const { co2 } = config;
  const factor =
    commodity === commodities.electricity
      ? (co2.gridKgPerKwh[regionCode] ?? co2.gridKgPerKwh.default ?? 0)
      : commodity === commodities.gas
        ? co2.naturalGasKgPerM3
        : commodity === commodities.heat
          ? co2.heatKgPerMj
          : 0;
  return consumption * micro(factor);
}

/** `value / 10^scale` as a decimal string with `digits` decimals, rounded half away from zero. */
export function formatScaled(value: bigint, scale: number, digits: number): string {
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  const drop = scale - digits;
  if (drop > 0) {
    const divisor = 10n ** BigInt(drop);
    magnitude = (magnitude + divisor / 2n) / divisor;
  } else if (drop < 0) magnitude *= 10n ** BigInt(-drop);
  const text = magnitude.toString().padStart(digits + 1, "0");
  const whole = digits > 0 ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return negative && magnitude !== 0n ? `-${whole}` : whole;
}

/** Micrograms as tonnes with 6 decimals (to the gram). */
export const tonnesOf = (micrograms: bigint) => formatScaled(micrograms, 12, 6);
/** Micrograms as kilograms with 3 decimals (to the gram). */
export const kilogramsOf = (micrograms: bigint) => formatScaled(micrograms, 9, 3);

/** A ratio of two non-negative integers rounded to 4 decimals, or null when the denominator is zero. */
export function ratio(numerator: bigint, denominator: bigint): number | null {
  if (denominator <= 0n) return null;
  return Number((numerator * 20_000n + denominator) / (2n * denominator)) / 10_000;
}
