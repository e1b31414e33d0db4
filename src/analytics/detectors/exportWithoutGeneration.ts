import { decodeDeviceKind, deviceKinds, energySources } from "../../registry/deviceTypes.js";
import type { AnalyticsConfig } from "../analyticsConfig.js";
import { formatAmount, formatTime } from "./describe.js";
import { type AlertDraft, type DetectorReading, readingRefs } from "./detectorTypes.js";

/** A registered device as this detector sees it. */
export type RegisteredDevice = { deviceId: string; kind: number; source: number };

/**
 * Export is expected from devices with a generation source, from feeders (a community that
 * exports as a whole) and from batteries (discharging); from any other device registered with
 * source `none` it is electricity of unknown origin (unregistered generation, or a meter wired
 * backwards).
 */
export function mayExport(device: RegisteredDevice): boolean {
  return (
    device.source !== energySources.none ||
    device.kind === deviceKinds.feeder ||
    device.kind === deviceKinds.storage
  );
}

/**
 * Export of at least `minWh` in the hour by a device that may not export (see {@link mayExport}).
 * `readings` are the device's readings of one commodity in the hour. One alert per device,
 * commodity and hour.
 */
export function detectExportWithoutGeneration(
  device: RegisteredDevice,
  readings: readonly DetectorReading[],
  hourStart: bigint,
  config: AnalyticsConfig["detectors"]["exportWithoutGeneration"],
  context: { utcOffsetMinutes: number },
): AlertDraft | undefined {
  if (mayExport(device)) return undefined;
  const exporting = readings.filter((r) => r.exportDelta > 0n);
  const exported = exporting.reduce((sum, r) => sum + r.exportDelta, 0n);
  if (exported === 0n || exported < BigInt(Math.ceil(config.minWh))) return undefined;
  const commodity = readings[0]!.commodity;
  return {
    kind: "export_without_generation",
    severity: "warning",
    deviceId: device.deviceId,
    periodStart: hourStart,
    dedupeKey: `export_without_generation:${device.deviceId}:${commodity}:${hourStart}`,
    message:
      `A ${decodeDeviceKind(device.kind)} meter registered with no generation source exported ` +
      `${formatAmount(exported, commodity)} in ${exporting.length} interval(s) of the hour from ` +
      `${formatTime(hourStart, context.utcOffsetMinutes)}: unregistered generation or a meter connected backwards.`,
    evidence: {
      readings: readingRefs([...exporting].sort((a, b) => (a.exportDelta > b.exportDelta ? -1 : 1))),
      commodity,
      exported: exported.toString(),
      kind: decodeDeviceKind(device.kind),
      source: "none",
      threshold: config.minWh,
    },
  };
}
