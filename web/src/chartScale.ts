/**
 * The Y axis of an energy chart: a unit chosen by the range of the values (Wh, kWh, MWh, GWh, TWh)
 * and "nice" ticks (steps of 1, 2 or 5 × 10ⁿ) shown with just enough decimals that no two ticks read
 * the same ("0.1, 0.1") and small values never read "0, 0, 0".
 */

const energyUnits = ["Wh", "kWh", "MWh", "GWh", "TWh"] as const;

/** The unit of an axis and the factor from Wh to it. */
export type EnergyUnit = { unit: (typeof energyUnits)[number]; factor: number };

/** The largest unit in which the biggest value (Wh, absolute) is still at least 1: 2 330 000 Wh → MWh. */
export function energyUnitFor(maxWh: number): EnergyUnit {
  let index = 0;
  let magnitude = Math.abs(maxWh);
  while (magnitude >= 1000 && index < energyUnits.length - 1) {
    magnitude /= 1000;
    index++;
  }
  return { unit: energyUnits[index]!, factor: 1000 ** index };
}

/** Ticks of an axis from 0 (or the minimum, when negative) to at least the maximum, and their decimals. */
export type Ticks = { ticks: number[]; decimals: number };

/**
 * About `count` evenly spaced ticks covering [min, max] (and 0) with a step of 1, 2 or 5 × 10ⁿ; the
 * decimals are those of the step, so consecutive ticks always print differently.
 */
export function niceTicks(min: number, max: number, count = 5): Ticks {
  const low = Math.min(0, min);
  let high = Math.max(0, max);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return { ticks: [0, 1], decimals: 0 };
  if (high === low) high = low + 1;
  const rough = (high - low) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(low / step + 1e-9);
  const last = Math.ceil(high / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return { ticks, decimals };
}

/** The unit and ticks of an energy axis for values in Wh: the values divided by `factor` fit `ticks`. */
export function energyAxis(valuesWh: number[], count = 5): EnergyUnit & Ticks {
  const finite = valuesWh.filter(Number.isFinite);
  const max = finite.length ? Math.max(...finite) : 0;
  const min = finite.length ? Math.min(...finite) : 0;
  const unit = energyUnitFor(Math.max(Math.abs(max), Math.abs(min)));
  return { ...unit, ...niceTicks(min / unit.factor, max / unit.factor, count) };
}
