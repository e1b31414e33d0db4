import { describe, expect, it } from "vitest";
import { deviceKinds, energySources } from "../../registry/deviceTypes.js";
import { defaultAnalyticsConfig } from "../analyticsConfig.js";
import type { DetectorReading } from "./detectorTypes.js";
import { detectExportWithoutGeneration, mayExport } from "./exportWithoutGeneration.js";

const config = defaultAnalyticsConfig.detectors.exportWithoutGeneration;
const context = { utcOffsetMinutes: 480 };
const hour = 1_747_000_800n;
const deviceId = `0x${"12".repeat(32)}`;
const readings = (exports: number[]): DetectorReading[] =>
  exports.map((wh, i) => ({
    deviceId,
    seq: BigInt(i + 1),
    commodity: 1,
    intervalStart: hour + BigInt(i * 900),
    duration: 900,
    importDelta: 50n,
    exportDelta: BigInt(wh),
  }));

describe("export-without-generation detector", () => {
  it("flags a consumption meter with no source that exports, listing the exporting readings", () => {
    const device = { deviceId, kind: deviceKinds.consumption, source: energySources.none };
    const alert = detectExportWithoutGeneration(device, readings([0, 400, 0, 1200]), hour, config, context);
    expect(alert).toMatchObject({
      kind: "export_without_generation",
      deviceId,
      periodStart: hour,
      dedupeKey: `export_without_generation:${deviceId}:1:${hour}`,
      evidence: { exported: "1600", kind: "consumption", readings: [{ seq: "4" }, { seq: "2" }] },
    });
    expect(alert!.message).toContain("exported 1.600 kWh in 2 interval(s)");
  });

  it("accepts export from generators, prosumers with a source, feeders and batteries", () => {
    for (const [kind, source] of [
      [deviceKinds.generation, energySources.wind],
      [deviceKinds.bidirectional, energySources.solar],
      [deviceKinds.feeder, energySources.none],
      [deviceKinds.storage, energySources.none],
    ] as const) {
      expect(mayExport({ deviceId, kind, source })).toBe(true);
      expect(
        detectExportWithoutGeneration({ deviceId, kind, source }, readings([900]), hour, config, context),
      ).toBeUndefined();
    }
    expect(mayExport({ deviceId, kind: deviceKinds.bidirectional, source: energySources.none })).toBe(false);
  });

  it("stays silent when nothing is exported or less than minWh", () => {
    const device = { deviceId, kind: deviceKinds.consumption, source: energySources.none };
    expect(detectExportWithoutGeneration(device, readings([0, 0]), hour, config, context)).toBeUndefined();
    expect(detectExportWithoutGeneration(device, readings([1]), hour, { minWh: 2 }, context)).toBeUndefined();
  });
});
