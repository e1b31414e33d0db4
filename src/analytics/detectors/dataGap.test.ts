import { describe, expect, it } from "vitest";
import { defaultAnalyticsConfig } from "../analyticsConfig.js";
import {
  detectDeviceGaps,
  detectRegionGap,
  expectedStarts,
  hourCoverage,
  type MeteredSeries,
} from "./dataGap.js";
import type { DetectorReading } from "./detectorTypes.js";

const config = defaultAnalyticsConfig.detectors.gap; // 2 missing intervals, region below 90 %
const context = { utcOffsetMinutes: 480 };
const hour = 1_747_000_800n;
const device = `0x${"ef".repeat(32)}`;
const meter: MeteredSeries = { deviceId: device, commodity: 1, firstInterval: hour - 86_400n, duration: 900 };

/** Readings of the given interval indices (0 = the hour's first interval; negative = before it). */
function at(indices: number[], deviceId = device): DetectorReading[] {
  return indices.map((k, i) => ({
    deviceId,
    seq: BigInt(1000 + i),
    commodity: 1,
    intervalStart: hour + BigInt(k * 900),
    duration: 900,
    importDelta: 100n,
    exportDelta: 0n,
  }));
}

describe("data-gap detector", () => {
  it("expects the multiples of the duration from the first interval on", () => {
    expect(expectedStarts(meter, hour, hour + 3600n)).toEqual([
      hour,
      hour + 900n,
      hour + 1800n,
      hour + 2700n,
    ]);
    expect(expectedStarts({ ...meter, firstInterval: hour + 1800n }, hour, hour + 3600n)).toEqual([
      hour + 1800n,
      hour + 2700n,
    ]);
    expect(expectedStarts({ ...meter, duration: 3600 }, hour - 1n, hour + 3600n)).toEqual([hour]);
  });

  it("raises a device missing two intervals in a row, naming the readings on both sides", () => {
    const readings = at([-2, -1, 0, 3]);
    const alerts = detectDeviceGaps(meter, readings, hour, config, context);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: "data_gap",
      deviceId: device,
      periodStart: hour + 900n,
      dedupeKey: `data_gap:${device}:1:${hour + 900n}`,
      evidence: { missingIntervals: 2, ongoing: false, expectedInHour: 4, receivedInHour: 2 },
    });
    expect(alerts[0]!.evidence.readings).toEqual([
      { deviceId: device, seq: "1002" },
      { deviceId: device, seq: "1003" },
    ]);
    expect(alerts[0]!.message).toContain("2 of 4 expected intervals");
  });

  it("ignores a single missing interval", () => {
    expect(detectDeviceGaps(meter, at([-2, -1, 0, 2, 3]), hour, config, context)).toEqual([]);
  });

  it("raises a device that falls silent once, in the hour its gap reaches the threshold", () => {
    // Last reading at the previous hour's third interval; silent since.
    const readings = at([-4, -3, -2]);
    const previousHour = detectDeviceGaps(meter, readings, hour - 3600n, config, context);
    expect(previousHour).toEqual([]); // one interval missing by the end of the previous hour
    const alerts = detectDeviceGaps(meter, readings, hour, config, context);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      periodStart: hour - 900n,
      evidence: { missingIntervals: 5, ongoing: true },
    });
    expect(detectDeviceGaps(meter, [], hour + 3600n, config, context)).toEqual([]);
    expect(detectDeviceGaps(meter, [], hour + 7200n, config, context)).toEqual([]);
  });

  it("expects nothing before a device's first interval", () => {
    const fresh = { ...meter, firstInterval: hour + 2700n };
    expect(detectDeviceGaps(fresh, [], hour, config, context)).toEqual([]);
  });

  it("raises a region whose completeness falls below the threshold, listing the devices short of readings", () => {
    const others = Array.from({ length: 9 }, (_, i) => ({ ...meter, deviceId: `0x${String(i).repeat(64)}` }));
    const full = others.map((s) => hourCoverage(s, at([0, 1, 2, 3], s.deviceId), hour));
    const input = (coverage: typeof full) => ({
      regionId: `0x${"11".repeat(32)}`,
      commodity: 1,
      hourStart: hour,
      coverage,
    });
    const regionContext = { ...context, regionName: "CN-GD (Guangdong)" };
    // 36 + 2 of 40 = 95 %: fine.
    expect(
      detectRegionGap(input([...full, hourCoverage(meter, at([0, 1]), hour)]), config, regionContext),
    ).toBeUndefined();
    // 36 + 0 of 40 = 90 %: not below.
    expect(
      detectRegionGap(input([...full, hourCoverage(meter, [], hour)]), config, regionContext),
    ).toBeUndefined();
    const short = [
      ...full.slice(0, 8),
      hourCoverage(others[8]!, at([0], others[8]!.deviceId), hour),
      hourCoverage(meter, [], hour),
    ];
    const alert = detectRegionGap(input(short), config, regionContext);
    expect(alert).toMatchObject({
      kind: "region_data_gap",
      dedupeKey: `region_data_gap:0x${"11".repeat(32)}:1:${hour}`,
      evidence: { expected: 40, received: 33, completeness: 0.825, devices: 10 },
    });
    expect(alert!.evidence.devicesMissing).toHaveLength(2);
    expect(alert!.message).toContain(
      "CN-GD (Guangdong) received 33 of 40 expected electricity readings (82.5 %)",
    );
  });
});
