import type { AnalyticsConfig } from "../analyticsConfig.js";
import { formatAmount, formatPercent, formatTime } from "./describe.js";
import { type AlertDraft, type DetectorReading, readingRefs } from "./detectorTypes.js";

/** One meter of a community in the hour: its electricity readings and how complete they are. */
export type CommunityMeter = {
  deviceId: string;
  readings: readonly DetectorReading[];
  /** Intervals of the hour the meter is expected to report, and how many it did. */
  expected: number;
  received: number;
};

/** Import, export and net (import − export) of some meters in the hour. */
type Flow = { imported: bigint; exported: bigint; net: bigint };

function flowOf(meters: readonly CommunityMeter[]): Flow {
  let imported = 0n;
  let exported = 0n;
  for (const meter of meters) {
    for (const r of meter.readings) {
      imported += r.importDelta;
      exported += r.exportDelta;
    }
  }
  return { imported, exported, net: imported - exported };
}

/**
 * Community balance: the feeder meter(s) of a community against the sum of its member meters, one
 * hour of electricity. Both sides are netted (import − export), so prosumers exporting at midday
 * are accounted for; the difference is judged as a share of the feeder's gross flow (import +
 * export), which stays meaningful in hours where the community's net flow is near zero (a ratio
 * over the net would explode there). A difference beyond `tolerance` raises an alert with both
 * figures: positive (the feeder delivered more than the members recorded) is losses beyond the
 * normal or unmetered consumption (theft, a bypassed meter); negative (members recorded more than
 * the feeder delivered) is a member meter over-reporting or a faulty feeder meter. Skipped below
 * `minFeederWh` of feeder flow and when a meter has missing intervals in the hour (a gap is not a
 * theft; the data-gap detector reports it). The simulator's feeders lose 2–4 % (I²R losses), a
 * ratio of at most 3.8 % in any hour measured, well inside the default tolerance of 8 %.
 */
export function detectCommunityImbalance(
  input: {
    community: string;
    hourStart: bigint;
    feeders: readonly CommunityMeter[];
    members: readonly CommunityMeter[];
  },
  config: AnalyticsConfig["detectors"]["communityBalance"],
  context: { utcOffsetMinutes: number },
): AlertDraft | undefined {
  const { feeders, members } = input;
  if (feeders.length === 0 || members.length === 0) return undefined;
  if ([...feeders, ...members].some((m) => m.received < m.expected || m.expected === 0)) return undefined;
  const feeder = flowOf(feeders);
  const membersFlow = flowOf(members);
  const gross = feeder.imported + feeder.exported;
  if (gross === 0n || gross < BigInt(Math.ceil(config.minFeederWh))) return undefined;
  const difference = feeder.net - membersFlow.net;
  const magnitude = difference < 0n ? -difference : difference;
  const ratio = Number(magnitude) / Number(gross);
  if (!(ratio > config.tolerance)) return undefined;
  const at = formatTime(input.hourStart, context.utcOffsetMinutes);
  const figures =
    `the feeder metered a net ${formatAmount(feeder.net)} (${formatAmount(feeder.imported)} in, ` +
    `${formatAmount(feeder.exported)} out), its ${members.length} member meters a net ${formatAmount(membersFlow.net)}`;
  const verdict =
    difference > 0n
      ? `${formatAmount(magnitude)} delivered to the community was not metered by its members: losses beyond normal or unmetered consumption (theft, a bypassed meter)`
      : `the members recorded ${formatAmount(magnitude)} more than the feeder delivered: a member meter over-reporting or a faulty feeder meter`;
  const readings = [
    ...feeders.flatMap((m) => m.readings),
    ...[...members]
      .sort((a, b) => {
        const net = (m: CommunityMeter) => flowOf([m]).net;
        return net(b) > net(a) ? 1 : -1;
      })
      .flatMap((m) => m.readings),
  ];
  return {
    kind: "community_imbalance",
    severity: difference > 0n ? "critical" : "warning",
    deviceId: feeders.length === 1 ? feeders[0]!.deviceId : undefined,
    periodStart: input.hourStart,
    dedupeKey: `community_imbalance:${input.community}:${input.hourStart}`,
    message:
      `In the hour from ${at} ${figures}; ${verdict}. The difference is ${formatPercent(ratio)} of the ` +
      `feeder's flow (tolerance ${formatPercent(config.tolerance)}).`,
    evidence: {
      readings: readingRefs(readings),
      community: input.community,
      feeders: feeders.map((m) => m.deviceId),
      members: members.map((m) => m.deviceId),
      feederImport: feeder.imported.toString(),
      feederExport: feeder.exported.toString(),
      feederNet: feeder.net.toString(),
      feederGross: gross.toString(),
      membersImport: membersFlow.imported.toString(),
      membersExport: membersFlow.exported.toString(),
      membersNet: membersFlow.net.toString(),
      difference: difference.toString(),
      ratio: Math.round(ratio * 10_000) / 10_000,
      tolerance: config.tolerance,
    },
  };
}
