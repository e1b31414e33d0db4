import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DetectSummary, detectRegionHour } from "../../src/analytics/detect.js";
import { createNodeApi } from "../../src/cli/nodeApi.js";
import type { DeviceKey } from "../../src/metering/deviceKey.js";
import { generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { readingToJson, type SignedReading } from "../../src/metering/readingFormat.js";
import { regionIdOf } from "../../src/registry/regionCode.js";
import {
  admitSimCommunities,
  communityAddressOf,
  deviceRequestOf,
} from "../../src/sim/registerSimDevices.js";
import { buildScenario } from "../../src/sim/scenario.js";
import { meterReading, newMeter } from "../../src/sim/simState.js";
import { simulateInterval } from "../../src/sim/simulateInterval.js";
import { postgresAvailable } from "../helpers/database.js";
import { type Json, type MeteringNode, startMeteringNode } from "../helpers/metering.js";

type Node = MeteringNode & { restart(): Promise<void> };

/** A whole hour `hoursAgo` hours before the current one. */
const hourAgo = (hoursAgo: number) => BigInt(Math.floor(Date.now() / 3_600_000) * 3600 - hoursAgo * 3600);

/**
 * Signed readings of one device: one per entry, at the given interval start with the given deltas,
 * seqs counting up from `firstSeq` and registers growing from `registers`.
 */
function signed(
  key: DeviceKey,
  points: readonly { start: bigint; imported: bigint; exported?: bigint }[],
  options: { firstSeq?: bigint; registers?: [bigint, bigint]; commodity?: number } = {},
): SignedReading[] {
  let [importRegister, exportRegister] = options.registers ?? [1_000_000n, 0n];
  return points.map((p, i) => {
    importRegister += p.imported;
    exportRegister += p.exported ?? 0n;
    return signReading(key, {
      seq: (options.firstSeq ?? 1n) + BigInt(i),
      intervalStart: p.start,
      duration: 900,
      commodity: options.commodity ?? 1,
      quality: 0,
      importRegister,
      exportRegister,
      importDelta: p.imported,
      exportDelta: p.exported ?? 0n,
    });
  });
}

/** `count` consecutive quarter-hours from `start`, each importing `imported` Wh. */
const quarters = (start: bigint, count: number, imported: bigint, exported = 0n) =>
  Array.from({ length: count }, (_, i) => ({ start: start + BigInt(i * 900), imported, exported }));

const pgAvailable = await postgresAvailable();
// PostgreSQL runs on developer machines and in CI: there a missing server fails the suite, not skips it.
const engines = (["pglite", "postgres"] as const).filter(
  (e) => e === "pglite" || pgAvailable || process.env.CI,
);

describe.each(engines)("alert detectors on a node on %s", (engine) => {
  let t: Node;
  const db = () => t.node.context.db;

  async function submit(readings: readonly SignedReading[], expectStatus: string | null = "accepted") {
    const results: Json[] = [];
    for (let i = 0; i < readings.length; i += 4000) {
      const answer = await t.post("/v1/readings", {
        readings: readings.slice(i, i + 4000).map(readingToJson),
      });
      expect(answer.status).toBe(200);
      results.push(...answer.body.results);
    }
    if (expectStatus !== null) expect(results.filter((r) => r.status !== expectStatus)).toEqual([]);
    return results;
  }

  async function approve(code: string, nameZh = code, nameEn = code) {
    await t.node.context.indexer.sync();
    if (!(await t.node.context.store.getRegion(code))) {
      await t.node.context.registry.propose({ kind: "approve-region", code, nameZh, nameEn });
      await t.node.context.indexer.sync();
    }
    return regionIdOf(code);
  }

  /** Registers devices (with an optional community address) in a region; answers their keys. */
  async function register(
    region: string,
    devices: readonly { kind: string; source?: string; community?: string }[],
  ): Promise<DeviceKey[]> {
    await approve(region);
    const keys = devices.map(() => generateDeviceKey());
    const answer = await t.post("/v1/devices", {
      devices: devices.map((d, i) => ({
        region,
        kind: d.kind,
        source: d.source,
        community: d.community,
        scheme: "ed25519",
        publicKey: Buffer.from(keys[i]!.publicKey).toString("hex"),
      })),
    });
    expect(answer.status).toBe(200);
    return keys;
  }

  /** Runs the detectors on a region's hour; by default at a time when no anchor is due yet. */
  function detect(region: string, hourStart: bigint, now: bigint | number = hourStart + 3660n) {
    return detectRegionHour(db(), t.node.analytics, {
      regionId: regionIdOf(region),
      hourStart,
      anchorGraceSeconds: 300,
      now,
    });
  }

  /** Admits simulated communities as the simulator does (proposals the node's only seat executes). */
  async function admit(names: string[]) {
    const api = createNodeApi(t.node.apiUrl, async () => t.node.context.apiToken);
    expect(await admitSimCommunities(api, names)).toEqual(new Set(names));
  }

  async function alertsOf(region: string) {
    const { rows } = await db().query<Json>(
      "select kind, severity, device_id, period_start::text as period_start, message, evidence, dedupe_key from alerts where region_id = $1 order by id",
      [regionIdOf(region)],
    );
    return rows;
  }

  beforeAll(async () => {
    // No in-process workers: the node's own schedule would otherwise raise data_gap alerts for the
    // test's regions (every hour from their first reading to now) while a test counts alerts. Each
    // test runs the detectors it checks itself.
    t = await startMeteringNode({ engine, flags: { workers: "0" } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("raises a device's data gap and its region's completeness, once however often it runs", async () => {
    const hour = hourAgo(6);
    const [key] = await register("T-GAP", [{ kind: "consumption" }]);
    // A full hour before, then only the first and last quarter of the hour.
    await submit(
      signed(key!, [
        ...quarters(hour - 3600n, 4, 250n),
        { start: hour, imported: 250n },
        { start: hour + 2700n, imported: 250n },
      ]),
    );
    const first = await detect("T-GAP", hour);
    expect(first.alerts).toEqual({ data_gap: 1, region_data_gap: 1 });
    const again = await detect("T-GAP", hour);
    expect(again.alerts).toEqual({});
    expect(again.found).toEqual({ data_gap: 1, region_data_gap: 1 });
    const alerts = await alertsOf("T-GAP");
    expect(alerts.map((a) => a.kind)).toEqual(["data_gap", "region_data_gap"]);
    expect(alerts[0]).toMatchObject({
      device_id: key!.deviceId,
      period_start: String(hour + 900n),
      dedupe_key: `data_gap:${key!.deviceId}:1:${hour + 900n}`,
      evidence: { missingIntervals: 2, expectedInHour: 4, receivedInHour: 2 },
    });
    expect(alerts[0].evidence.readings).toEqual([
      { deviceId: key!.deviceId, seq: "5" },
      { deviceId: key!.deviceId, seq: "6" },
    ]);
    expect(alerts[1].evidence).toMatchObject({ expected: 4, received: 2, completeness: 0.5 });
    expect(alerts[1].message).toContain("received 2 of 4 expected electricity readings (50.0 %)");
    // The hour before was complete.
    expect((await detect("T-GAP", hour - 3600n)).found).toEqual({});
  });

  it("raises a meter that records nothing for 16 intervals once, in the hour the run reaches 16", async () => {
    const start = hourAgo(10);
    const [key] = await register("T-ZERO", [{ kind: "consumption" }]);
    // Two normal quarters, then 22 zero ones: the 16th zero falls in the fifth hour (quarter 17).
    await submit(signed(key!, [...quarters(start, 2, 300n), ...quarters(start + 1800n, 22, 0n)]));
    const found: DetectSummary["alerts"][] = [];
    for (let h = 0; h < 6; h++) found.push((await detect("T-ZERO", start + BigInt(h * 3600))).alerts);
    expect(found).toEqual([{}, {}, {}, {}, { zero_run: 1 }, {}]);
    const [alert] = await alertsOf("T-ZERO");
    expect(alert).toMatchObject({ kind: "zero_run", period_start: String(start + 1800n) });
    expect(alert.evidence.readings).toHaveLength(18);
    expect(alert.message).toContain(
      "0 Wh imported and 0 Wh exported in 18 consecutive intervals (4 h 30 min)",
    );
  });

  it("raises an hour far above the device's own history as a spike, with the hour's readings", async () => {
    const start = hourAgo(40);
    const [key] = await register("T-SPIKE", [{ kind: "consumption" }]);
    const normal = quarters(start, 30 * 4, 250n).map((p, i) => ({
      ...p,
      imported: 230n + BigInt((i * 7) % 41),
    }));
    const spikeHour = start + 30n * 3600n;
    await submit(
      signed(key!, [...normal, ...quarters(spikeHour, 4, 2500n), ...quarters(spikeHour + 3600n, 4, 260n)]),
    );
    expect((await detect("T-SPIKE", spikeHour - 3600n)).found).toEqual({});
    expect((await detect("T-SPIKE", spikeHour)).alerts).toEqual({ spike: 1 });
    expect((await detect("T-SPIKE", spikeHour + 3600n)).found).toEqual({});
    const [alert] = await alertsOf("T-SPIKE");
    expect(alert).toMatchObject({
      kind: "spike",
      device_id: key!.deviceId,
      dedupe_key: `spike:${key!.deviceId}:1:${spikeHour}`,
      evidence: { imported: "10000", historyHours: 30 },
    });
    expect(alert.evidence.readings).toHaveLength(4);
    expect(alert.message).toContain("imported 10.000 kWh");
  });

  it("raises export on a consumption meter with no generation source, not on a solar prosumer", async () => {
    const hour = hourAgo(5);
    const [consumer, prosumer] = await register("T-EXPORT", [
      { kind: "consumption" },
      { kind: "bidirectional", source: "solar" },
    ]);
    await submit([
      ...signed(consumer!, quarters(hour, 4, 100n, 300n)),
      ...signed(prosumer!, quarters(hour, 4, 0n, 800n)),
    ]);
    expect((await detect("T-EXPORT", hour)).alerts).toEqual({ export_without_generation: 1 });
    const [alert] = await alertsOf("T-EXPORT");
    expect(alert).toMatchObject({ device_id: consumer!.deviceId, evidence: { exported: "1200" } });
    expect(alert.message).toContain("exported 1.200 kWh");
  });

  it("raises a community whose member under-reports by 20 %, and only that hour", async () => {
    const hour = hourAgo(8);
    await admit(["T-BAL/c01"]);
    const community = communityAddressOf("T-BAL/c01");
    const [feeder, factory, home, gas] = await register("T-BAL", [
      { kind: "feeder", community },
      { kind: "consumption", community },
      { kind: "consumption", community },
      { kind: "consumption", community },
    ]);
    // Honest hour: members 5,000 + 3,000 Wh a quarter, the feeder 3 % more. Next hour the factory
    // reports 4,000 instead of 5,000. The community's gas meter is no member of the electricity balance.
    await submit([
      ...signed(feeder!, quarters(hour, 8, 8240n)),
      ...signed(factory!, [...quarters(hour, 4, 5000n), ...quarters(hour + 3600n, 4, 4000n)]),
      ...signed(home!, quarters(hour, 8, 3000n)),
      ...signed(gas!, quarters(hour, 8, 90_000n), { commodity: 2 }),
    ]);
    expect((await detect("T-BAL", hour)).found).toEqual({});
    expect((await detect("T-BAL", hour + 3600n)).alerts).toEqual({ community_imbalance: 1 });
    const [alert] = await alertsOf("T-BAL");
    expect(alert).toMatchObject({
      severity: "critical",
      device_id: feeder!.deviceId,
      evidence: {
        community: community.toLowerCase(),
        feederNet: "32960",
        membersNet: "28000",
        difference: "4960",
        members: expect.arrayContaining([factory!.deviceId, home!.deviceId]),
      },
    });
    expect(alert.evidence.members).toHaveLength(2);
    expect(alert.message).toContain("the feeder metered a net 32.960 kWh");
  });

  it("raises a burst of readings whose signatures do not verify", async () => {
    const [key] = await register("T-SIG", [{ kind: "consumption" }]);
    const forged = signed(key!, quarters(hourAgo(3), 6, 100n)).map((r) => {
      const signature = new Uint8Array(r.signature);
      signature[0] = signature[0]! ^ 0xff;
      return { ...r, signature };
    });
    const results = await submit(forged, "rejected");
    expect(new Set(results.map((r) => r.code))).toEqual(new Set(["READING_BAD_SIGNATURE"]));
    const { rows } = await db().query<{ minute: string }>(
      "select minute::text as minute from signature_failures where device_id = $1",
      [key!.deviceId],
    );
    expect(rows.length).toBeGreaterThan(0);
    const minute = BigInt(rows[0]!.minute);
    const summary = await detect("T-SIG", minute - (minute % 3600n));
    expect(summary.alerts).toEqual({ bad_signatures: 1 });
    const [alert] = await alertsOf("T-SIG");
    expect(alert).toMatchObject({ kind: "bad_signatures", severity: "critical", device_id: key!.deviceId });
    expect(alert.evidence.failures).toBe(6);
  });

  it("raises intervals left unanchored past the grace, and not once they are anchored", async () => {
    const hour = hourAgo(4);
    const [key] = await register("T-ANCHOR", [{ kind: "consumption" }]);
    await submit(signed(key!, quarters(hour, 8, 100n)));
    const now = Math.floor(Date.now() / 1000) + 3600;
    // The detection of an hour looks at the day before it too: both hours are late.
    expect((await detect("T-ANCHOR", hour + 3600n, now)).alerts).toEqual({ anchor_late: 2 });
    const alerts = await alertsOf("T-ANCHOR");
    expect(alerts.map((a) => a.period_start)).toEqual([String(hour), String(hour + 3600n)]);
    expect(alerts[0].evidence).toMatchObject({
      unbatchedReadings: 4,
      anchorGraceSeconds: 300,
      afterSeconds: 900,
    });
    expect(alerts[0].evidence.readings).toHaveLength(4);

    const anchored = await t.post("/v1/anchors", { region: "T-ANCHOR" });
    expect(anchored.status).toBe(200);
    await submit(
      signed(key!, quarters(hour + 7200n, 4, 100n), { firstSeq: 9n, registers: [1_000_800n, 0n] }),
    );
    await t.post("/v1/anchors", { region: "T-ANCHOR" });
    expect((await detect("T-ANCHOR", hour + 7200n, now)).found).toEqual({});
  });

  it("records register regressions and conflicting duplicates refused at ingest with their evidence", async () => {
    const hour = hourAgo(7);
    const [key] = await register("T-INGEST", [{ kind: "consumption" }]);
    await submit(signed(key!, quarters(hour, 2, 100n)));
    const backwards = signed(key!, [{ start: hour + 1800n, imported: 100n }], {
      firstSeq: 3n,
      registers: [900_000n, 0n],
    });
    const conflicting = signed(key!, [{ start: hour, imported: 999n }]);
    for (let i = 0; i < 2; i++) {
      const results = await submit([...backwards, ...conflicting], null);
      expect(results.map((r) => r.code)).toEqual(["READING_REGISTER_BACKWARDS", "READING_SEQ_CONFLICT"]);
    }
    const alerts = await alertsOf("T-INGEST");
    expect(alerts.map((a) => a.kind).sort()).toEqual(["reading_conflict", "register_regression"]);
    const regression = alerts.find((a) => a.kind === "register_regression");
    expect(regression.evidence.readings).toEqual([{ deviceId: key!.deviceId, seq: "2" }]);
  });

  it("refuses a region or an hour that is not one, with JOB_PARAMS_INVALID", async () => {
    await expect(detect("T-GAP", hourAgo(3) + 900n)).rejects.toMatchObject({ code: "JOB_PARAMS_INVALID" });
    await expect(
      detectRegionHour(db(), t.node.analytics, {
        regionId: "CN-GD",
        hourStart: 0,
        anchorGraceSeconds: 300,
        now: 0,
      }),
    ).rejects.toMatchObject({ code: "JOB_PARAMS_INVALID" });
  });

  it("stays silent on three days of a simulated province: no alert of any kind", async () => {
    const scenario = buildScenario({ seed: 1, size: "small" });
    const region = "CN-GD";
    await approve(region, "广东省", "Guangdong");
    const picked = scenario.devices.flatMap((device, index) =>
      device.province.code === region ? [{ device, index }] : [],
    );
    const meters = picked.map(({ device }) => newMeter(device));
    await admit(["CN-GD/c01", "CN-GD/c02"]);
    const registered = await t.post("/v1/devices", {
      devices: picked.map(({ device }, i) => deviceRequestOf(device, meters[i]!)),
    });
    expect(registered.status).toBe(200);
    expect(picked.filter(({ device }) => device.community !== null).length).toBe(24);

    // Three days of 15-minute readings from local midnight (UTC+8) of Monday 14 April 2025: a fixed
    // window, so the simulated energies (and the outcome) are the same on every run.
    const days = 3;
    const start = Date.UTC(2025, 3, 14) / 1000 - 8 * 3600;
    let counters = meters.map((m) => ({ ...m.counters }));
    const readings: SignedReading[] = [];
    for (let k = 0; k < days * 96; k++) {
      const energies = simulateInterval(scenario, start + k * 900, 900);
      counters = picked.map(({ device, index }, i) => {
        const { reading, next } = meterReading(meters[i]!, counters[i]!, energies[index]!, {
          start: start + k * 900,
          duration: 900,
          commodity: device.commodity,
        });
        readings.push(reading);
        return next;
      });
    }
    await submit(readings);
    expect((await t.post("/v1/anchors", { region })).status).toBe(200);

    const now = Math.floor(Date.now() / 1000);
    const found: Record<string, number> = {};
    for (let h = 0; h < days * 24; h++) {
      const summary = await detect(region, BigInt(start + h * 3600), now);
      for (const [kind, n] of Object.entries(summary.found)) found[kind] = (found[kind] ?? 0) + n;
    }
    expect(found).toEqual({});
    expect(await alertsOf(region)).toEqual([]);
    // The detectors did look: the rollups (or raw readings) gave the spike detector its history.
    const { rows } = await db().query<{ n: number }>(
      "select count(*)::int as n from readings where region_id = $1",
      [regionIdOf(region)],
    );
    expect(rows[0]!.n).toBe(days * 96 * picked.length);
  });
});
