import { BaseError } from "../core/errors.js";

/** Granularities of a series: hours and days come from their rollups, months are summed from days. */
export type SeriesGranularity = "hour" | "day" | "month";

/** Most points one series answers (a leap year of hours). */
export const maxSeriesPoints = 8_784;

/** Start of the period `t` lies in, at the UTC offset for days and months. */
export function periodFloor(t: number, granularity: SeriesGranularity, offsetSeconds: number): number {
  if (granularity === "hour") return Math.floor(t / 3600) * 3600;
  if (granularity === "day") return Math.floor((t + offsetSeconds) / 86400) * 86400 - offsetSeconds;
  const local = new Date((t + offsetSeconds) * 1000);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) / 1000 - offsetSeconds;
}

/** Start of the period after the one starting at `start`. */
export function periodNext(start: number, granularity: SeriesGranularity, offsetSeconds: number): number {
  if (granularity === "hour") return start + 3600;
  if (granularity === "day") return start + 86400;
  const local = new Date((start + offsetSeconds) * 1000);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) / 1000 - offsetSeconds;
}

/** The period starts covering [from, to): `from` widened down, `to` up, to whole periods. */
export function periodsOf(
  from: number,
  to: number,
  granularity: SeriesGranularity,
  offsetSeconds: number,
): number[] {
  const starts: number[] = [];
  for (
    let t = periodFloor(from, granularity, offsetSeconds);
    t < to;
    t = periodNext(t, granularity, offsetSeconds)
  ) {
    starts.push(t);
    if (starts.length > maxSeriesPoints) {
      throw new BaseError(
        "STATS_RANGE_TOO_LARGE",
        `the range holds more than ${maxSeriesPoints} ${granularity}s; choose a coarser granularity or a shorter range`,
        { details: { from, to, granularity, max: maxSeriesPoints } },
      );
    }
  }
  return starts;
}
