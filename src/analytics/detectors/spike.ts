import { commodities } from "../../metering/readingFormat.js";
import { deviceKinds } from "../../registry/deviceTypes.js";
import type { AnalyticsConfig } from "../analyticsConfig.js";
import { formatAmount, formatTime } from "./describe.js";
import { type AlertDraft, type DetectorReading, readingRefs } from "./detectorTypes.js";
import { robustStats, robustZ } from "./robustStats.js";

const judged = new Set<number>([deviceKinds.consumption, deviceKinds.bidirectional, deviceKinds.feeder]);
const judgedCommodities = new Set<number>([commodities.electricity, commodities.water]);

/**
 * Whether a device's import is judged for spikes: electricity and water taken by loads (consumers,
 * prosumers, feeders). A generator's output follows the weather (the first sunny day after a cloudy
 * week is a new high), and so do gas and heat (the first cold day starts the heating, after weeks of
 * zero); an EV charger's follows its sessions (all or nothing), a battery's its cycles. None of these
 * has a history a new high could be judged against.
 */
export function spikeApplies(kind: number, commodity: number): boolean {
  return judged.has(kind) && judgedCommodities.has(commodity);
}

/** What the spike detector needs about one device's hour. */
export type SpikeInput = {
  deviceId: string;
  commodity: number;
  hourStart: bigint;
  /** Energy the device imported in the hour. */
  imported: bigint;
  /** The device's imports in its earlier hours with readings (within `historyHours`), any order. */
  history: readonly bigint[];
  /** The hour's readings (evidence). */
  readings: readonly DetectorReading[];
};

/**
 * A spike: an hour whose import is an outlier against the device's own history. Judged once the
 * device has `minHistory` earlier hours with readings. With the robust z-score
 * z = (x − median) / (1.4826 · MAD) of the history (see `robustStats`), the hour is a spike when
 * - z > `threshold` (the classic test), and
 * - the hour also lies more than `threshold` robust deviations above the *highest* earlier hour,
 *   and at least `minWh` above it.
 * The second condition is what makes the test usable on metered loads: an office or a household
 * has a daily profile (night base load, daytime or evening peak), so its hours are bimodal and the
 * classic z-score of every normal daytime peak is 5–10. A peak the device reached in its history is
 * not a spike; a value well beyond all of it is. `minWh` keeps small meters and constant histories
 * (MAD 0) from flagging a few watt-hours. Measured on the simulator (3 provinces, 4 seasons,
 * 3 seeds, 28 days each): the classic test alone raises 100–300 alerts per province-month, this one
 * none on households, enterprises and feeders, and 1–2 on prosumers on the hottest evenings.
 */
export function detectSpike(
  input: SpikeInput,
  config: AnalyticsConfig["detectors"]["spike"],
  context: { utcOffsetMinutes: number },
): AlertDraft | undefined {
  if (input.history.length < Math.max(1, config.minHistory)) return undefined;
  const x = Number(input.imported);
  const stats = robustStats(input.history.map(Number));
  const z = robustZ(x, stats.median, stats.scale);
  const aboveMax = robustZ(x, stats.max, stats.scale);
  if (!(z > config.threshold && aboveMax > config.threshold && x - stats.max >= config.minWh))
    return undefined;
  const median = BigInt(Math.round(stats.median));
  const max = BigInt(Math.round(stats.max));
  const times = x > 0 && stats.median > 0 ? ` (${(x / stats.median).toFixed(1)}× the median hour)` : "";
  const readings = [...input.readings].sort((a, b) => (a.importDelta > b.importDelta ? -1 : 1));
  return {
    kind: "spike",
    severity: "warning",
    deviceId: input.deviceId,
    periodStart: input.hourStart,
    dedupeKey: `spike:${input.deviceId}:${input.commodity}:${input.hourStart}`,
    message:
      `Device imported ${formatAmount(input.imported, input.commodity)} in the hour from ` +
      `${formatTime(input.hourStart, context.utcOffsetMinutes)}${times}; its highest hour in the ` +
      `${input.history.length} hours before was ${formatAmount(max, input.commodity)}, the median ` +
      `${formatAmount(median, input.commodity)} (robust z-score ${formatZ(z)}, threshold ${config.threshold}).`,
    evidence: {
      readings: readingRefs(readings),
      commodity: input.commodity,
      imported: input.imported.toString(),
      historyHours: input.history.length,
      historyMedian: median.toString(),
      historyMax: max.toString(),
      mad: round(stats.mad),
      robustZ: finite(z),
      zAboveMax: finite(aboveMax),
      threshold: config.threshold,
    },
  };
}

const round = (v: number) => Math.round(v * 100) / 100;
/** JSON has no infinity: a z-score against a constant history is recorded as null. */
const finite = (v: number) => (Number.isFinite(v) ? round(v) : null);
const formatZ = (z: number) => (Number.isFinite(z) ? z.toFixed(1) : "∞, the history is constant");
