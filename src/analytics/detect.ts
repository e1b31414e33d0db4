import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { defineJobKind, type JobKind } from "../jobs/jobKinds.js";
import { commodities } from "../metering/readingFormat.js";
import { deviceKinds, deviceStatuses } from "../registry/deviceTypes.js";
import { recordAlerts } from "./alertStore.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";
import {
  hourlyImports,
  meteredSeries,
  regionDevices,
  regionName,
  regionReadings,
  signatureFailures,
  unanchoredIntervals,
  unanchoredReadings,
} from "./detectInputs.js";
import { anchorIsLate, anchorLateLookbackSeconds, detectLateAnchors } from "./detectors/anchorLate.js";
import {
  badSignaturesLookback,
  detectBadSignatures,
  type SignatureFailures,
} from "./detectors/badSignatures.js";
import { type CommunityMeter, detectCommunityImbalance } from "./detectors/communityBalance.js";
import {
  detectDeviceGaps,
  detectRegionGap,
  gapLookback,
  type HourCoverage,
  hourCoverage,
} from "./detectors/dataGap.js";
import type { AlertDraft, DetectorKind, DetectorReading } from "./detectors/detectorTypes.js";
import { detectExportWithoutGeneration } from "./detectors/exportWithoutGeneration.js";
import { detectSpike, spikeApplies } from "./detectors/spike.js";
import { detectZeroRuns, zeroRunApplies, zeroRunLookback } from "./detectors/zeroRun.js";

/** One run of the detectors: a region, an hour, and what the anchor check needs. */
export type DetectParams = {
  regionId: string;
  /** Unix start of the hour (a multiple of 3600). */
  hourStart: number | bigint;
  /** Seconds after an interval ends before the node anchors it (the node's `--anchor-grace`). */
  anchorGraceSeconds: number;
  /** The current time, Unix seconds (anchors are late relative to it). */
  now: number | bigint;
};

/** What one run found: new alerts recorded per kind, and every alert found (new or already recorded). */
export type DetectSummary = {
  regionId: string;
  hourStart: number;
  alerts: Partial<Record<DetectorKind, number>>;
  found: Partial<Record<DetectorKind, number>>;
};

const hour = 3600n;
const keyOf = (deviceId: string, commodity: number) => `${deviceId}|${commodity}`;

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function invalidParams(message: string, details: Record<string, unknown>): BaseError {
  return new BaseError("JOB_PARAMS_INVALID", message, { details });
}

/**
 * Runs every detector on one region and one hour and records what they find as alerts, each with a
 * deterministic `dedupe_key` (so running twice, or on two workers, records each alert once): data
 * gaps of devices and of the region, runs of zeros, spikes, export without generation, community
 * imbalance, bursts of bad signatures, and late anchors (of this hour and the day before it). It
 * reads the hour's raw readings of the region (and a few intervals before it), the devices' hourly
 * history from the device rollups, the registry's devices, the refused signatures and the batches.
 * Register regressions and conflicting duplicates are raised by ingest as they are refused.
 */
export async function detectRegionHour(
  db: Queryable,
  config: AnalyticsConfig,
  params: DetectParams,
): Promise<DetectSummary> {
  const { regionId } = params;
  if (typeof regionId !== "string" || !/^0x[0-9a-f]{64}$/.test(regionId)) {
    throw invalidParams("detect needs regionId (0x + 64 lowercase hex)", { regionId: String(regionId) });
  }
  const given = params.hourStart;
  const hourStart = typeof given === "bigint" || Number.isSafeInteger(given) ? BigInt(given) : -1n;
  if (hourStart % hour !== 0n || hourStart < 0n) {
    throw invalidParams(
      `detect needs hourStart at the start of an hour (a multiple of 3600), got ${String(given)}`,
      { hourStart: String(given) },
    );
  }
  if (!Number.isFinite(Number(params.now))) {
    throw invalidParams("detect needs the current time in Unix seconds", { now: String(params.now) });
  }
  const hourEnd = hourStart + hour;
  const now = BigInt(Math.floor(Number(params.now)));
  const { detectors } = config;
  const context = { utcOffsetMinutes: config.utcOffsetMinutes };
  const inHour = (r: DetectorReading) => r.intervalStart >= hourStart && r.intervalStart < hourEnd;

  const [name, devices, series] = await Promise.all([
    regionName(db, regionId),
    regionDevices(db, regionId),
    meteredSeries(db, regionId, hourEnd),
  ]);
  const active = (deviceId: string) => devices.get(deviceId)?.status === deviceStatuses.active;
  const expected = series.filter((s) => active(s.deviceId));
  const longest = BigInt(Math.max(900, ...expected.map((s) => s.duration)));
  const lookback = BigInt(Math.max(zeroRunLookback(detectors.zeroRun), gapLookback(detectors.gap))) * longest;
  const readings = await regionReadings(db, regionId, hourStart - lookback, hourEnd);
  const bySeries = group(readings, (r) => keyOf(r.deviceId, r.commodity));
  const hourOf = (key: string) => (bySeries.get(key) ?? []).filter(inHour);

  const drafts: AlertDraft[] = [];

  // Data gaps: per device, then per region and commodity.
  const coverage: HourCoverage[] = [];
  for (const s of expected) {
    const own = bySeries.get(keyOf(s.deviceId, s.commodity)) ?? [];
    drafts.push(...detectDeviceGaps(s, own, hourStart, detectors.gap, context));
    const c = hourCoverage(s, own, hourStart);
    if (c.expected > 0) coverage.push(c);
  }
  for (const [commodity, list] of group(coverage, (c) => String(c.series.commodity))) {
    const draft = detectRegionGap(
      { regionId, commodity: Number(commodity), hourStart, coverage: list },
      detectors.gap,
      { ...context, regionName: name },
    );
    if (draft) drafts.push(draft);
  }

  // Zero runs, export without generation, and the spike candidates.
  const spikeCandidates: { key: string; deviceId: string; commodity: number; hour: DetectorReading[] }[] = [];
  for (const [key, own] of bySeries) {
    const { deviceId, commodity } = own[0]!;
    const device = devices.get(deviceId);
    if (!device || device.status !== deviceStatuses.active) continue;
    if (zeroRunApplies(device.kind, commodity)) {
      drafts.push(...detectZeroRuns(own, hourStart, detectors.zeroRun, context));
    }
    const hourReadings = own.filter(inHour);
    if (hourReadings.length === 0) continue;
    const exported = detectExportWithoutGeneration(
      device,
      hourReadings,
      hourStart,
      detectors.exportWithoutGeneration,
      context,
    );
    if (exported) drafts.push(exported);
    if (spikeApplies(device.kind, commodity))
      spikeCandidates.push({ key, deviceId, commodity, hour: hourReadings });
  }

  // Spikes against each device's hours before this one.
  const historyFrom = hourStart - BigInt(Math.max(1, Math.round(detectors.spike.historyHours))) * hour;
  const history = await hourlyImports(
    db,
    regionId,
    [...new Set(spikeCandidates.map((c) => c.deviceId))],
    historyFrom,
    hourStart,
  );
  for (const c of spikeCandidates) {
    const draft = detectSpike(
      {
        deviceId: c.deviceId,
        commodity: c.commodity,
        hourStart,
        imported: c.hour.reduce((sum, r) => sum + r.importDelta, 0n),
        history: history.get(c.key) ?? [],
        readings: c.hour,
      },
      detectors.spike,
      context,
    );
    if (draft) drafts.push(draft);
  }

  // Community balance: each community's feeders against its other electricity meters.
  const coverageOf = new Map(coverage.map((c) => [keyOf(c.series.deviceId, c.series.commodity), c]));
  const communities = group(
    [...devices.values()].filter((d) => d.community !== null && d.status === deviceStatuses.active),
    (d) => d.community!,
  );
  for (const [community, members] of communities) {
    const meters: { feeders: CommunityMeter[]; members: CommunityMeter[] } = { feeders: [], members: [] };
    for (const device of members) {
      const key = keyOf(device.deviceId, commodities.electricity);
      const c = coverageOf.get(key);
      if (!c) continue; // not (yet) expected to report electricity in this hour: not part of the balance
      const meter = {
        deviceId: device.deviceId,
        readings: hourOf(key),
        expected: c.expected,
        received: c.received,
      };
      (device.kind === deviceKinds.feeder ? meters.feeders : meters.members).push(meter);
    }
    const draft = detectCommunityImbalance(
      { community, hourStart, ...meters },
      detectors.communityBalance,
      context,
    );
    if (draft) drafts.push(draft);
  }

  // Bursts of refused signatures.
  const failures = await signatureFailures(
    db,
    regionId,
    hourStart - BigInt(badSignaturesLookback(detectors.badSignatures)),
    hourEnd,
  );
  for (const own of group(failures, (f: SignatureFailures) => f.deviceId).values()) {
    drafts.push(...detectBadSignatures(own, hourStart, detectors.badSignatures, context));
  }

  // Late anchors, in this hour and the day before it.
  const intervals = await unanchoredIntervals(
    db,
    regionId,
    hourStart - BigInt(anchorLateLookbackSeconds),
    hourEnd,
  );
  const late = intervals.filter((i) =>
    anchorIsLate(i, now, params.anchorGraceSeconds, detectors.anchorLate.afterSeconds),
  );
  const samples = await unanchoredReadings(db, regionId, late, 5);
  drafts.push(
    ...detectLateAnchors(
      {
        regionId,
        intervals: late.map((i) => ({
          ...i,
          readings: samples.get(`${i.commodity}|${i.intervalStart}`) ?? [],
        })),
        now,
        anchorGraceSeconds: params.anchorGraceSeconds,
      },
      detectors.anchorLate,
      { ...context, regionName: name },
    ),
  );

  const found: Partial<Record<DetectorKind, number>> = {};
  for (const d of drafts) found[d.kind] = (found[d.kind] ?? 0) + 1;
  const alerts = (await recordAlerts(db, regionId, drafts)) as Partial<Record<DetectorKind, number>>;
  return { regionId, hourStart: Number(hourStart), alerts, found };
}

/**
 * The handler of `detect` jobs {regionId, hourStart}: {@link detectRegionHour} with the node's anchor
 * grace and the job's clock. Idempotent (dedupe keys), so a retried or repeated job records nothing twice.
 */
export function createDetectJob(deps: {
  anchorGraceSeconds: number;
  config: AnalyticsConfig;
}): JobKind<{ regionId: string; hourStart: bigint }> {
  return defineJobKind({
    kind: "detect",
    parse(params) {
      const { regionId, hourStart } = (params ?? {}) as { regionId?: unknown; hourStart?: unknown };
      if (
        !(typeof hourStart === "number" && Number.isSafeInteger(hourStart)) &&
        !(typeof hourStart === "string" && /^\d+$/.test(hourStart))
      ) {
        throw invalidParams("detect needs hourStart in Unix seconds", { hourStart: String(hourStart) });
      }
      return { regionId: String(regionId), hourStart: BigInt(hourStart) };
    },
    run(ctx, params) {
      ctx.signal.throwIfAborted();
      return detectRegionHour(ctx.db, deps.config, {
        ...params,
        anchorGraceSeconds: deps.anchorGraceSeconds,
        now: ctx.now(),
      });
    },
  });
}
