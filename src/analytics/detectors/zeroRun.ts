import { commodities } from "../../metering/readingFormat.js";
import { deviceKinds } from "../../registry/deviceTypes.js";
import type { AnalyticsConfig } from "../analyticsConfig.js";
import { formatSpan, formatTime } from "./describe.js";
import { type AlertDraft, type DetectorReading, readingRefs } from "./detectorTypes.js";

const judged = new Set<number>([deviceKinds.consumption, deviceKinds.bidirectional, deviceKinds.feeder]);

/**
 * Whether zero runs are a sign of trouble for a device: electricity meters of consumers, prosumers
 * and feeders always record some standby load. Generators (night, calm), EV chargers and batteries
 * (idle) and gas, heat or water meters (no heating in summer, no use at night) legitimately read zero.
 */
export function zeroRunApplies(kind: number, commodity: number): boolean {
  return judged.has(kind) && commodity === commodities.electricity;
}

/** Intervals before the hour a device's readings are needed for: a run may have begun there. */
export function zeroRunLookback(config: AnalyticsConfig["detectors"]["zeroRun"]): number {
  return Math.max(1, config.minIntervals);
}

/**
 * Runs of `minIntervals` consecutive readings with zero import and zero export. `readings` are one
 * device's readings of one commodity from `zeroRunLookback` intervals before the hour to its end.
 * A run is raised by the hour in which it reaches `minIntervals` readings, keyed by the start of its
 * first interval, so it is raised once however long it lasts and whichever hour is checked first.
 * A missing interval ends a run (gaps are the data-gap detector's).
 */
export function detectZeroRuns(
  readings: readonly DetectorReading[],
  hourStart: bigint,
  config: AnalyticsConfig["detectors"]["zeroRun"],
  context: { utcOffsetMinutes: number },
): AlertDraft[] {
  const minIntervals = Math.max(1, config.minIntervals);
  const hourEnd = hourStart + 3600n;
  const sorted = [...readings].sort((a, b) => (a.intervalStart < b.intervalStart ? -1 : 1));
  const alerts: AlertDraft[] = [];
  let run: DetectorReading[] = [];
  for (const [i, r] of sorted.entries()) {
    const previous = sorted[i - 1];
    const contiguous =
      previous !== undefined && previous.intervalStart + BigInt(previous.duration) === r.intervalStart;
    if (r.importDelta !== 0n || r.exportDelta !== 0n) {
      run = [];
      continue;
    }
    run = contiguous && run.length > 0 ? [...run, r] : [r];
    if (run.length !== minIntervals || r.intervalStart < hourStart || r.intervalStart >= hourEnd) continue;
    // The run reached the threshold in this hour: follow it to the end of the hour for the figures.
    let last = i;
    while (
      sorted[last + 1] !== undefined &&
      sorted[last + 1]!.intervalStart < hourEnd &&
      sorted[last + 1]!.importDelta === 0n &&
      sorted[last + 1]!.exportDelta === 0n &&
      sorted[last]!.intervalStart + BigInt(sorted[last]!.duration) === sorted[last + 1]!.intervalStart
    ) {
      last++;
    }
    const whole = [...run, ...sorted.slice(i + 1, last + 1)];
    const first = whole[0]!;
    const end = whole.at(-1)!.intervalStart + BigInt(whole.at(-1)!.duration);
    alerts.push({
      kind: "zero_run",
      severity: "warning",
      deviceId: r.deviceId,
      periodStart: first.intervalStart,
      dedupeKey: `zero_run:${r.deviceId}:${r.commodity}:${first.intervalStart}`,
      message:
        `Meter recorded 0 Wh imported and 0 Wh exported in ${whole.length} consecutive intervals ` +
        `(${formatSpan(Number(end - first.intervalStart))}) from ${formatTime(first.intervalStart, context.utcOffsetMinutes)}; ` +
        `a connected meter records at least its standby load (threshold ${minIntervals} intervals).`,
      evidence: {
        readings: readingRefs(whole),
        commodity: r.commodity,
        intervals: whole.length,
        from: Number(first.intervalStart),
        to: Number(end),
        threshold: minIntervals,
      },
    });
  }
  return alerts;
}
