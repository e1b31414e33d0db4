/** Figures in alert messages, written for a regulator: energy with its unit, local times with the offset. */

const bigUnits: Record<number, { small: string; big: string; divisor: bigint }> = {
  1: { small: "Wh", big: "kWh", divisor: 1000n },
  2: { small: "L", big: "m³", divisor: 1000n },
  3: { small: "kJ", big: "MJ", divisor: 1000n },
  4: { small: "L", big: "m³", divisor: 1000n },
};

/** An amount of a commodity in its unit, e.g. `350 Wh`, `12.345 kWh`, `1.200 m³` (gas and water in litres). */
export function formatAmount(amount: bigint, commodity = 1): string {
  const unit = bigUnits[commodity] ?? bigUnits[1]!;
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const sign = negative ? "−" : "";
  if (abs < unit.divisor) return `${sign}${abs} ${unit.small}`;
  const whole = abs / unit.divisor;
  const fraction = (abs % unit.divisor).toString().padStart(3, "0");
  return `${sign}${whole.toLocaleString("en-US")}.${fraction} ${unit.big}`;
}

/** A Unix time as local clock time at `utcOffsetMinutes`, e.g. `2025-05-12 10:00 (UTC+8)`. */
export function formatTime(t: bigint | number, utcOffsetMinutes = 0): string {
  const date = new Date((Number(t) + utcOffsetMinutes * 60) * 1000);
  const iso = date.toISOString();
  const hours = Math.trunc(Math.abs(utcOffsetMinutes) / 60);
  const minutes = Math.abs(utcOffsetMinutes) % 60;
  const offset =
    utcOffsetMinutes === 0
      ? "UTC"
      : `UTC${utcOffsetMinutes < 0 ? "−" : "+"}${hours}${minutes ? `:${String(minutes).padStart(2, "0")}` : ""}`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} (${offset})`;
}

/** A span of seconds, e.g. `45 min`, `4 h`, `2 h 15 min`. */
export function formatSpan(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** A ratio as a percentage with one decimal, e.g. `12.3 %`. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)} %`;
}

/** Short form of a device id for messages (the evidence holds the full id). */
export function shortId(id: string): string {
  return `${id.slice(0, 10)}…`;
}
