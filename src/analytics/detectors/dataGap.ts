import { commodityName } from "../../metering/readingFormat.js";
import type { AnalyticsConfig } from "../analyticsConfig.js";
import { formatPercent, formatSpan, formatTime } from "./describe.js";
import { type AlertDraft, type DetectorReading, maxEvidenceReadings, readingRefs } from "./detectorTypes.js";

/** A device expected to report a commodity: every `duration` seconds from `firstInterval` on. */
export type MeteredSeries = { deviceId: string; commodity: number; firstInterval: bigint; duration: number };

type GapConfig = AnalyticsConfig["detectors"]["gap"];

/**
 * Interval starts a series expects in [from, to): the multiples of its duration (ingest refuses
 * unaligned intervals) from its first interval on.
 */
export function expectedStarts(series: MeteredSeries, from: bigint, to: bigint): bigint[] {
  const d = BigInt(series.duration);
  if (d <= 0n) return [];
  const lower = from > series.firstInterval ? from : series.firstInterval;
  const starts: bigint[] = [];
  for (let t = lower + ((d - (((lower % d) + d) % d)) % d); t < to; t += d) starts.push(t);
  return starts;
}

/** Intervals before the hour a device's readings are needed for: a gap may have begun there. */
export function gapLookback(config: GapConfig): number {
  return Math.max(1, config.minMissingIntervals);
}

/** Expected and received intervals of one series in the hour. */
export type HourCoverage = { series: MeteredSeries; expected: number; received: number };

/** How many of the series' expected intervals of the hour have a reading. */
export function hourCoverage(
  series: MeteredSeries,
  readings: readonly DetectorReading[],
  hourStart: bigint,
): HourCoverage {
  const got = new Set(readings.map((r) => r.intervalStart));
  const expected = expectedStarts(series, hourStart, hourStart + 3600n);
  return { series, expected: expected.length, received: expected.filter((t) => got.has(t)).length };
}

/**
 * Gaps of one device: runs of at least `minMissingIntervals` expected intervals without a reading.
 * `readings` are the series' readings from `gapLookback` intervals before the hour to its end. A gap
 * is raised by the hour in which it reaches the threshold, keyed by its first missing interval, so
 * a device that stays silent for days is raised once. The evidence names the last reading before the
 * gap and the first after it (when it resumed within the hour).
 */
export function detectDeviceGaps(
  series: MeteredSeries,
  readings: readonly DetectorReading[],
  hourStart: bigint,
  config: GapConfig,
  context: { utcOffsetMinutes: number },
): AlertDraft[] {
  const threshold = gapLookback(config);
  const d = BigInt(series.duration);
  const hourEnd = hourStart + 3600n;
  const byStart = new Map(readings.map((r) => [r.intervalStart, r]));
  const starts = expectedStarts(series, hourStart - BigInt(threshold) * d, hourEnd);
  const coverage = hourCoverage(series, readings, hourStart);
  const alerts: AlertDraft[] = [];
  let missing = 0;
  for (const [i, t] of starts.entries()) {
    if (byStart.has(t)) {
      missing = 0;
      continue;
    }
    missing++;
    if (missing !== threshold || t < hourStart) continue;
    const gapStart = t - BigInt(threshold - 1) * d;
    let j = i;
    while (starts[j + 1] !== undefined && !byStart.has(starts[j + 1]!)) j++;
    const count = j - i + threshold;
    const gapEnd = gapStart + BigInt(count) * d;
    const before = byStart.get(gapStart - d);
    const after = gapEnd < hourEnd ? byStart.get(gapEnd) : undefined;
    const ongoing = after === undefined;
    alerts.push({
      kind: "data_gap",
      severity: "warning",
      deviceId: series.deviceId,
      periodStart: gapStart,
      dedupeKey: `data_gap:${series.deviceId}:${series.commodity}:${gapStart}`,
      message:
        `No ${commodityName(series.commodity)} readings for ${count} consecutive ${formatSpan(series.duration)} intervals ` +
        `from ${formatTime(gapStart, context.utcOffsetMinutes)}` +
        (ongoing ? " (still missing at the end of the hour)" : "") +
        `; ${coverage.received} of ${coverage.expected} expected intervals of the hour from ` +
        `${formatTime(hourStart, context.utcOffsetMinutes)} were received (threshold ${threshold} missing).`,
      evidence: {
        readings: readingRefs([before, after].filter((r) => r !== undefined)),
        commodity: series.commodity,
        from: Number(gapStart),
        to: Number(gapEnd),
        missingIntervals: count,
        ongoing,
        durationSeconds: series.duration,
        expectedInHour: coverage.expected,
        receivedInHour: coverage.received,
        threshold,
      },
    });
  }
  return alerts;
}

/**
 * A region's completeness of one commodity in the hour (received / expected intervals over every
 * device expected to report) below `regionCompletenessBelow`. One alert per region, commodity and
 * hour; the evidence lists the devices with missing intervals.
 */
export function detectRegionGap(
  input: { regionId: string; commodity: number; hourStart: bigint; coverage: readonly HourCoverage[] },
  config: GapConfig,
  context: { utcOffsetMinutes: number; regionName: string },
): AlertDraft | undefined {
  let expected = 0;
  let received = 0;
  for (const c of input.coverage) {
    expected += c.expected;
    received += c.received;
  }
  if (expected === 0) return undefined;
  const completeness = received / expected;
  if (!(completeness < config.regionCompletenessBelow)) return undefined;
  const short = input.coverage.filter((c) => c.received < c.expected);
  return {
    kind: "region_data_gap",
    severity: "warning",
    periodStart: input.hourStart,
    dedupeKey: `region_data_gap:${input.regionId}:${input.commodity}:${input.hourStart}`,
    message:
      `${context.regionName} received ${received} of ${expected} expected ${commodityName(input.commodity)} readings ` +
      `(${formatPercent(completeness)}) in the hour from ${formatTime(input.hourStart, context.utcOffsetMinutes)}; ` +
      `${short.length} of ${input.coverage.length} devices are missing intervals ` +
      `(threshold ${formatPercent(config.regionCompletenessBelow)}).`,
    evidence: {
      readings: [],
      commodity: input.commodity,
      expected,
      received,
      completeness: Math.round(completeness * 10_000) / 10_000,
      threshold: config.regionCompletenessBelow,
      devices: input.coverage.length,
      devicesMissing: short.slice(0, maxEvidenceReadings).map((c) => ({
        deviceId: c.series.deviceId,
        expected: c.expected,
        received: c.received,
      })),
    },
  };
}
