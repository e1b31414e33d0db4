import { describe, expect, it } from "vitest";
import { median, robustStats, robustZ } from "./robustStats.js";

describe("robust statistics", () => {
  it("takes the median of odd and even samples", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it("scales the MAD by 1.4826 so it estimates σ (Iglewicz & Hoaglin)", () => {
    const stats = robustStats([1, 2, 3, 4, 100]);
    expect(stats.median).toBe(3);
    expect(stats.mad).toBe(1);
    expect(stats.scale).toBeCloseTo(1.4826, 6);
    expect(stats.max).toBe(100);
    expect(robustZ(100, stats.median, stats.scale)).toBeCloseTo(97 / 1.4826, 6);
  });

  it("falls back to 1.2533 × the mean absolute deviation when more than half the sample is identical", () => {
    const stats = robustStats([0, 0, 0, 0, 0, 0, 10, 20]);
    expect(stats.mad).toBe(0);
    expect(stats.scale).toBeCloseTo((1.2533 * 30) / 8, 6);
  });

  it("calls any excess over a constant sample infinitely many deviations, and no excess 0", () => {
    const stats = robustStats([7, 7, 7]);
    expect(stats.scale).toBe(0);
    expect(robustZ(8, stats.median, stats.scale)).toBe(Number.POSITIVE_INFINITY);
    expect(robustZ(7, stats.median, stats.scale)).toBe(0);
    expect(robustZ(6, stats.median, stats.scale)).toBe(Number.NEGATIVE_INFINITY);
  });
});
