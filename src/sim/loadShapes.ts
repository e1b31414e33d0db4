import type { Province } from "./provinces.js";
import { unit } from "./random.js";
import { chinaUtcOffsetSeconds } from "./simClock.js";

/** What a load depends on besides its own parameters: local time, day type and weather. */
export type LoadContext = { hour: number; weekend: boolean; temperatureC: number; province: Province };

// Hourly shapes, hour h at index h (value holds at h:30), relative to their weekday mean. Household
// shapes follow the double-peak profile of Chinese residential load surveys (breakfast 7–8 h, evening
// 19–21 h); the weekend one rises later and stays higher at midday.
const householdWeekday = [
  0.55, 0.45, 0.4, 0.38, 0.38, 0.45, 0.75, 1.2, 1.05, 0.8, 0.72, 0.78, 0.92, 0.82, 0.72, 0.72, 0.85, 1.1,
  1.55, 1.9, 1.95, 1.7, 1.3, 0.85,
];
const householdWeekend = [
  0.6, 0.5, 0.42, 0.4, 0.4, 0.42, 0.52, 0.78, 1.05, 1.15, 1.12, 1.18, 1.22, 1.05, 0.95, 0.92, 0.98, 1.18, 1.6,
  1.9, 1.9, 1.72, 1.35, 0.92,
];
const officeWeekday = [
  0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.4, 0.65, 1.25, 1.75, 1.8, 1.8, 1.45, 1.75, 1.8, 1.8, 1.75, 1.45, 0.95,
  0.65, 0.5, 0.42, 0.38, 0.35,
];
const officeWeekend = [
  0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.32, 0.38, 0.42, 0.45, 0.45, 0.42, 0.42, 0.42, 0.4, 0.38, 0.35, 0.32,
  0.3, 0.3, 0.3, 0.3, 0.3,
];
// Two shifts, 06:00–22:00, lunch and shift-change dips, night base load of the plant.
const factoryWeekday = [
  0.45, 0.45, 0.45, 0.45, 0.45, 0.5, 1.0, 1.35, 1.38, 1.4, 1.4, 1.35, 1.15, 1.35, 1.4, 1.38, 1.3, 1.2, 1.35,
  1.35, 1.3, 1.2, 0.8, 0.5,
];

function normalised(table: number[], reference: number[] = table): number[] {
  const mean = reference.reduce((a, b) => a + b, 0) / reference.length;
  return table.map((v) => v / mean);
}

const shapes = {
  household: {
    weekday: normalised(householdWeekday),
    weekend: normalised(householdWeekend).map((v) => v * 1.05),
  },
  office: { weekday: normalised(officeWeekday), weekend: normalised(officeWeekend, officeWeekday) },
  factory: { weekday: normalised(factoryWeekday), weekend: normalised(factoryWeekday).map((v) => v * 0.6) },
};

/** Load shape names: a household, an office building, a two-shift factory. */
export type ShapeName = keyof typeof shapes;

/** The relative load (1 = weekday mean) of a shape at a fractional local hour, interpolated between hours. */
export function shapeAt(name: ShapeName, hour: number, weekend: boolean): number {
  const table = weekend ? shapes[name].weekend : shapes[name].weekday;
  const x = (((hour - 0.5) % 24) + 24) % 24;
  const i = Math.floor(x);
  const f = x - i;
  return (table[i] ?? 1) * (1 - f) + (table[(i + 1) % 24] ?? 1) * f;
}

/**
 * Weather-driven load multiplier: 1 + cooling × (T − 24 °C)⁺ + heating × (14 °C − T)⁺, with the
 * province's coefficients (degree-hour method).
 */
export function climateFactor(province: Province, temperatureC: number): number {
  return (
    1 +
    province.coolingPerK * Math.max(0, temperatureC - 24) +
    province.heatingPerK * Math.max(0, 14 - temperatureC)
  );
}

/** Mean electric power in W of a load of `dailyWh` (a mild weekday's energy) with shape `name`. */
export function loadPowerW(name: ShapeName, dailyWh: number, context: LoadContext): number {
  return (
    (dailyWh / 24) *
    shapeAt(name, context.hour, context.weekend) *
    climateFactor(context.province, context.temperatureC)
  );
}

/**
 * Gas flow in litres per hour of an enterprise: space heating below 16 °C while the building is used
 * (`heatingLph` per 10 K), plus for a factory process heat on its shifts (`processLph` at full load).
 */
export function gasFlowLph(
  shape: "office" | "factory",
  gas: { heatingLph: number; processLph: number },
  context: LoadContext,
): number {
  const occupancy = Math.min(1, shapeAt(shape, context.hour, context.weekend) / 1.3);
  const heating = (gas.heatingLph * Math.max(0, 16 - context.temperatureC)) / 10;
  const process = shape === "factory" ? gas.processLph * occupancy : 0;
  return heating * (0.3 + 0.7 * occupancy) + process;
}

/** An EV charger: its power and the energy a car takes per session. */
export type EvCharger = { powerW: number; minSessionWh: number; maxSessionWh: number };

/** One charging session: Unix start and end, and the charging power. */
export type EvSession = { start: number; end: number; powerW: number };

/**
 * The charging session plugged in on local day `dayIndex`, if any: on 75% of weekdays a car arrives
 * between 17:30 and 22:00, on 50% of weekend days between 10:00 and 20:00, and charges a uniformly
 * drawn energy at the charger's power (95% efficiency).
 */
export function evSession(
  seed: number,
  stream: number,
  charger: EvCharger,
  dayIndex: number,
): EvSession | null {
  const weekday = (((dayIndex + 4) % 7) + 7) % 7;
  const weekend = weekday === 0 || weekday === 6;
  if (unit(seed, stream, dayIndex, 1) >= (weekend ? 0.5 : 0.75)) return null;
  const arrivalHour = weekend
    ? 10 + 10 * unit(seed, stream, dayIndex, 2)
    : 17.5 + 4.5 * unit(seed, stream, dayIndex, 2);
  const energyWh =
    charger.minSessionWh + (charger.maxSessionWh - charger.minSessionWh) * unit(seed, stream, dayIndex, 3);
  const powerW = charger.powerW * 0.95;
  const start = dayIndex * 86_400 - chinaUtcOffsetSeconds + arrivalHour * 3600;
  return { start, end: start + (energyWh / powerW) * 3600, powerW };
}

/** Energy in Wh an EV charger delivers in [from, to) (Unix seconds), from the sessions overlapping it. */
export function evEnergyWh(
  seed: number,
  stream: number,
  charger: EvCharger,
  from: number,
  to: number,
): number {
  let energy = 0;
  const firstDay = Math.floor((from + chinaUtcOffsetSeconds) / 86_400) - 1; // yesterday's session may run past midnight
  const lastDay = Math.floor((to + chinaUtcOffsetSeconds) / 86_400);
  for (let day = firstDay; day <= lastDay; day++) {
    const session = evSession(seed, stream, charger, day);
    if (!session) continue;
    const overlap = Math.min(to, session.end) - Math.max(from, session.start);
    if (overlap > 0) energy += (session.powerW * overlap) / 3600;
  }
  return energy;
}
