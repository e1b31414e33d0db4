/**
 * Robust location and spread of a sample: the median and the median absolute deviation (MAD).
 * Robust z-score after Iglewicz & Hoaglin, "How to Detect and Handle Outliers" (ASQC, 1993):
 * z = (x − median) / (1.4826 · MAD), where 1.4826 makes the MAD estimate σ of a normal sample.
 * When more than half of the sample is identical the MAD is 0; the spread then falls back to
 * 1.2533 · mean absolute deviation around the median (IBM SPSS Modeler's modified z-score), and is 0
 * only for a constant sample.
 */

/** The median of a non-empty sample. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of an empty sample");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Location and robust spread of a sample. */
export type RobustStats = {
  median: number;
  /** Median absolute deviation around the median. */
  mad: number;
  /** The estimate of σ used for z-scores: 1.4826 · MAD, or 1.2533 · mean absolute deviation when MAD is 0. */
  scale: number;
  max: number;
};

/** Median, MAD and robust scale of a non-empty sample. */
export function robustStats(values: readonly number[]): RobustStats {
  const m = median(values);
  const deviations = values.map((v) => Math.abs(v - m));
  const mad = median(deviations);
  let scale = 1.4826 * mad;
  if (scale === 0) scale = (1.2533 * deviations.reduce((sum, d) => sum + d, 0)) / deviations.length;
  return { median: m, mad, scale, max: Math.max(...values) };
}

/**
 * How many robust standard deviations `x` lies above `from` (the median for the classic robust
 * z-score). With a zero spread (a constant sample) any excess is infinitely many and none is 0.
 */
export function robustZ(x: number, from: number, scale: number): number {
  if (scale > 0) return (x - from) / scale;
  if (x > from) return Number.POSITIVE_INFINITY;
  return x < from ? Number.NEGATIVE_INFINITY : 0;
}
