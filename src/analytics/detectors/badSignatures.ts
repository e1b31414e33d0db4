import type { AnalyticsConfig } from "../analyticsConfig.js";
import { formatTime } from "./describe.js";
import type { AlertDraft } from "./detectorTypes.js";

/** Refused signatures of a device in one minute (`minute`: Unix seconds of its start). */
export type SignatureFailures = { deviceId: string; minute: bigint; failures: number };

type Config = AnalyticsConfig["detectors"]["badSignatures"];

/** Seconds before the hour whose failures are needed: a burst's window may begin there. */
export function badSignaturesLookback(config: Config): number {
  return 2 * Math.max(1, config.windowMinutes) * 60;
}

/**
 * Bursts of refused signatures of one device: `count` or more within `windowMinutes` (a sliding
 * window of whole minutes). A burst begins at the first minute whose window reaches the count after
 * one that did not; it is raised by the hour it begins in, keyed by that minute, so a device sending
 * forged readings for hours is one alert per burst, not one per minute. `failures` are the device's
 * rows from `badSignaturesLookback` seconds before the hour to its end. Refused readings are not
 * stored, so the evidence lists no readings, only the failures per minute.
 */
export function detectBadSignatures(
  failures: readonly SignatureFailures[],
  hourStart: bigint,
  config: Config,
  context: { utcOffsetMinutes: number },
): AlertDraft[] {
  const window = BigInt(Math.max(1, config.windowMinutes) * 60);
  const count = Math.max(1, config.count);
  const byMinute = new Map<bigint, number>();
  for (const f of failures) byMinute.set(f.minute, (byMinute.get(f.minute) ?? 0) + f.failures);
  const inWindow = (end: bigint) => {
    let sum = 0;
    for (const [minute, n] of byMinute) if (minute > end - window && minute <= end) sum += n;
    return sum;
  };
  const alerts: AlertDraft[] = [];
  const deviceId = failures[0]?.deviceId;
  const minutes = [...byMinute.keys()].sort((a, b) => (a < b ? -1 : 1));
  for (const minute of minutes) {
    if (minute < hourStart || minute >= hourStart + 3600n) continue;
    const total = inWindow(minute);
    if (total < count || inWindow(minute - 60n) >= count) continue;
    const perMinute = minutes
      .filter((m) => m > minute - window && m <= minute)
      .map((m) => ({ minute: Number(m), failures: byMinute.get(m)! }));
    alerts.push({
      kind: "bad_signatures",
      severity: "critical",
      deviceId,
      periodStart: BigInt(perMinute[0]!.minute),
      dedupeKey: `bad_signatures:${deviceId}:${minute}`,
      message:
        `${total} readings signed in the name of this device were refused because their signature does not ` +
        `verify with its registered key, between ${formatTime(perMinute[0]!.minute, context.utcOffsetMinutes)} and ` +
        `${formatTime(minute + 60n, context.utcOffsetMinutes)} (threshold ${count} within ${config.windowMinutes} minutes): ` +
        "forged readings, tampering or a replaced key.",
      evidence: {
        readings: [],
        failures: total,
        windowMinutes: config.windowMinutes,
        threshold: count,
        perMinute,
      },
    });
  }
  return alerts;
}
