import { commodityName } from "../../metering/readingFormat.js";
import type { AnalyticsConfig } from "../analyticsConfig.js";
import { formatSpan, formatTime } from "./describe.js";
import { type AlertDraft, maxEvidenceReadings, type ReadingRef } from "./detectorTypes.js";

/** What is not anchored yet of one interval of a region and commodity. */
export type IntervalAnchorState = {
  commodity: number;
  intervalStart: bigint;
  duration: number;
  /** Readings not in any batch yet (`part is null`), and when the last of them arrived (Unix s). */
  unbatched: number;
  lastReceivedAt: bigint | null;
  /** Batches built but not anchored: `pending` (not on chain yet) or `conflict` (the chain holds another root). */
  batches: readonly { part: number; status: "pending" | "conflict"; createdAt: bigint }[];
  /** Some of the readings concerned (evidence). */
  readings: readonly ReadingRef[];
};

/** How far back (seconds before the hour) the detector of an hour looks for intervals still unanchored. */
export const anchorLateLookbackSeconds = 24 * 3600;

/**
 * Whether an interval's anchor is late at `now` (Unix seconds): a batch in conflict at once; readings
 * not batched, or a batch still pending, `afterSeconds` after the anchor was due. An anchor is due
 * `anchorGraceSeconds` after the interval ends, or when the readings (or the batch) came in, if later.
 */
export function anchorIsLate(
  interval: Omit<IntervalAnchorState, "readings">,
  now: bigint,
  anchorGraceSeconds: number,
  afterSeconds: number,
): boolean {
  const grace = BigInt(Math.max(0, Math.round(anchorGraceSeconds)));
  const after = BigInt(Math.max(0, Math.round(afterSeconds)));
  const due = interval.intervalStart + BigInt(interval.duration) + grace;
  const dueBy = (arrived: bigint | null) => (arrived !== null && arrived > due ? arrived : due) + after;
  if (interval.batches.some((b) => b.status === "conflict")) return true;
  if (interval.unbatched > 0 && dueBy(interval.lastReceivedAt) <= now) return true;
  return interval.batches.some((b) => b.status === "pending" && dueBy(b.createdAt) <= now);
}

/**
 * Late or missing anchors: intervals whose readings should be on chain by now and are not. An
 * interval is anchored `anchorGraceSeconds` after it ends (late readings: after they arrive); it is
 * late once `afterSeconds` more have passed with readings not batched or batches still pending, and
 * at once when a batch is in conflict. Late intervals are grouped by the hour they start in: one
 * alert per region and hour, critical when a batch is in conflict. The detector of an hour looks at
 * the hours of the day before it too (`anchorLateLookbackSeconds`), since an hour's last intervals
 * are due only after that hour's detection has run.
 */
export function detectLateAnchors(
  input: {
    regionId: string;
    intervals: readonly IntervalAnchorState[];
    now: bigint;
    anchorGraceSeconds: number;
  },
  config: AnalyticsConfig["detectors"]["anchorLate"],
  context: { utcOffsetMinutes: number; regionName: string },
): AlertDraft[] {
  const grace = BigInt(Math.max(0, Math.round(input.anchorGraceSeconds)));
  const after = BigInt(Math.max(0, Math.round(config.afterSeconds)));
  const late = input.intervals.filter((i) =>
    anchorIsLate(i, input.now, input.anchorGraceSeconds, config.afterSeconds),
  );
  const byHour = new Map<bigint, IntervalAnchorState[]>();
  for (const interval of late) {
    const hour = interval.intervalStart - (((interval.intervalStart % 3600n) + 3600n) % 3600n);
    byHour.set(hour, [...(byHour.get(hour) ?? []), interval]);
  }
  const alerts: AlertDraft[] = [];
  for (const [hourStart, intervals] of [...byHour].sort(([a], [b]) => (a < b ? -1 : 1))) {
    intervals.sort((a, b) =>
      a.intervalStart === b.intervalStart
        ? a.commodity - b.commodity
        : a.intervalStart < b.intervalStart
          ? -1
          : 1,
    );
    const unbatched = intervals.reduce((sum, i) => sum + i.unbatched, 0);
    const pending = intervals.flatMap((i) => i.batches.filter((b) => b.status === "pending")).length;
    const conflicts = intervals.flatMap((i) => i.batches.filter((b) => b.status === "conflict")).length;
    const parts = [
      unbatched > 0 ? `${unbatched} readings not yet put in a batch` : "",
      pending > 0 ? `${pending} batches built but not on chain` : "",
      conflicts > 0 ? `${conflicts} batches whose key the chain holds with another root` : "",
    ].filter(Boolean);
    const commodities = [...new Set(intervals.map((i) => commodityName(i.commodity)))].join(", ");
    alerts.push({
      kind: "anchor_late",
      severity: conflicts > 0 ? "critical" : "warning",
      periodStart: hourStart,
      dedupeKey: `anchor_late:${input.regionId}:${hourStart}`,
      message:
        `${intervals.length} ${commodities} interval(s) of ${context.regionName} in the hour from ` +
        `${formatTime(hourStart, context.utcOffsetMinutes)} are not anchored on chain: ${parts.join(", ")}. ` +
        `Anchoring is due ${formatSpan(Number(grace))} after an interval ends and counts as late ` +
        `${formatSpan(Number(after))} after that.`,
      evidence: {
        readings: intervals.flatMap((i) => i.readings).slice(0, maxEvidenceReadings),
        intervals: intervals.map((i) => ({
          commodity: i.commodity,
          intervalStart: Number(i.intervalStart),
          unbatchedReadings: i.unbatched,
          batches: i.batches.map((b) => ({ part: b.part, status: b.status })),
        })),
        unbatchedReadings: unbatched,
        pendingBatches: pending,
        conflictBatches: conflicts,
        anchorGraceSeconds: Number(grace),
        afterSeconds: Number(after),
        checkedAt: Number(input.now),
      },
    });
  }
  return alerts;
}
