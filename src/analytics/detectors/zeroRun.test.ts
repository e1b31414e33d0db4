import { describe, expect, it } from "vitest";
import { deviceKinds } from "../../registry/deviceTypes.js";
import { defaultAnalyticsConfig } from "../analyticsConfig.js";
import type { DetectorReading } from "./detectorTypes.js";
import { detectZeroRuns, zeroRunApplies } from "./zeroRun.js";

const config = defaultAnalyticsConfig.detectors.zeroRun; // 16 intervals
const context = { utcOffsetMinutes: 0 };
const device = `0x${"cd".repeat(32)}`;
const hour = 1_747_000_800n;

/** Readings of consecutive 15-minute intervals from `start`, importing the given Wh each. */
function series(start: bigint, imports: number[], firstSeq = 1): DetectorReading[] {
  return imports.map((wh, i) => ({
    deviceId: device,
    seq: BigInt(firstSeq + i),
    commodity: 1,
    intervalStart: start + BigInt(i * 900),
    duration: 900,
    importDelta: BigInt(wh),
    exportDelta: 0n,
  }));
}

describe("zero-run detector", () => {
  it("raises a run in the hour it reaches minIntervals, keyed by its first interval", () => {
    // 13 zeros before the hour, the run reaches 16 at the hour's third interval.
    const start = hour - 14n * 900n;
    const readings = series(start, [120, ...new Array(17).fill(0)]);
    const alerts = detectZeroRuns(readings, hour, config, context);
    expect(alerts).toHaveLength(1);
    const runStart = start + 900n;
    expect(alerts[0]).toMatchObject({
      kind: "zero_run",
      deviceId: device,
      periodStart: runStart,
      dedupeKey: `zero_run:${device}:1:${runStart}`,
      evidence: { intervals: 17, from: Number(runStart), threshold: 16 },
    });
    expect(alerts[0]!.evidence.readings).toHaveLength(17);
    expect(alerts[0]!.evidence.readings[0]).toEqual({ deviceId: device, seq: "2" });
    expect(alerts[0]!.message).toContain("17 consecutive intervals (4 h 15 min)");
  });

  it("does not raise a run again in a later hour", () => {
    const readings = series(hour - 16n * 900n, new Array(20).fill(0));
    expect(detectZeroRuns(readings, hour, config, context)).toEqual([]);
    expect(detectZeroRuns(readings, hour - 3600n, config, context)).toHaveLength(1);
  });

  it("counts neither across a non-zero reading nor across a missing interval", () => {
    const broken = series(hour - 12n * 900n, [...new Array(8).fill(0), 5, ...new Array(8).fill(0)]);
    expect(detectZeroRuns(broken, hour, config, context)).toEqual([]);
    const gap = [
      ...series(hour - 12n * 900n, new Array(8).fill(0)),
      ...series(hour - 3n * 900n, new Array(7).fill(0), 9),
    ];
    expect(detectZeroRuns(gap, hour, config, context)).toEqual([]);
  });

  it("applies to electricity meters of consumers, prosumers and feeders only", () => {
    expect(zeroRunApplies(deviceKinds.consumption, 1)).toBe(true);
    expect(zeroRunApplies(deviceKinds.bidirectional, 1)).toBe(true);
    expect(zeroRunApplies(deviceKinds.feeder, 1)).toBe(true);
    expect(zeroRunApplies(deviceKinds.consumption, 2)).toBe(false); // gas: no heating in summer
    expect(zeroRunApplies(deviceKinds.generation, 1)).toBe(false); // PV at night
    expect(zeroRunApplies(deviceKinds["ev-charger"], 1)).toBe(false);
  });
});
