import { describe, expect, it } from "vitest";
import { buildScenario } from "../../sim/scenario.js";
import { simulateInterval } from "../../sim/simulateInterval.js";
import { defaultAnalyticsConfig } from "../analyticsConfig.js";
import { type CommunityMeter, detectCommunityImbalance } from "./communityBalance.js";
import type { DetectorReading } from "./detectorTypes.js";

const config = defaultAnalyticsConfig.detectors.communityBalance; // 8 %, 1 kWh
const context = { utcOffsetMinutes: 480 };
const hour = 1_747_000_800n;
const community = "0x00000000000000000000000000000000000000c1";

/** A meter with one reading per quarter of the hour. */
function meter(id: string, quarters: [number, number][]): CommunityMeter {
  const readings: DetectorReading[] = quarters.map(([imported, exported], q) => ({
    deviceId: id,
    seq: BigInt(q + 1),
    commodity: 1,
    intervalStart: hour + BigInt(q * 900),
    duration: 900,
    importDelta: BigInt(imported),
    exportDelta: BigInt(exported),
  }));
  return { deviceId: id, readings, expected: 4, received: readings.length };
}
const flat = (wh: number): [number, number][] => [
  [wh, 0],
  [wh, 0],
  [wh, 0],
  [wh, 0],
];

describe("community-balance detector", () => {
  it("raises a member under-reporting by 20 %, with the feeder's and the members' figures", () => {
    // Honest: 5,000 + 3,000 Wh per quarter, 3 % losses on the feeder. The first member reports 4,000.
    const feeder = meter("feeder", flat(8240));
    const members = [meter("thief", flat(4000)), meter("honest", flat(3000))];
    const alert = detectCommunityImbalance(
      { community, hourStart: hour, feeders: [feeder], members },
      config,
      context,
    );
    expect(alert).toMatchObject({
      kind: "community_imbalance",
      severity: "critical",
      deviceId: "feeder",
      dedupeKey: `community_imbalance:${community}:${hour}`,
      evidence: {
        feederNet: "32960",
        membersNet: "28000",
        difference: "4960",
        feederGross: "32960",
        ratio: 0.1505,
        tolerance: 0.08,
      },
    });
    expect(alert!.message).toContain("the feeder metered a net 32.960 kWh");
    expect(alert!.message).toContain("its 2 member meters a net 28.000 kWh");
    expect(alert!.message).toContain("theft");
  });

  it("accepts normal losses within the tolerance", () => {
    const feeder = meter("feeder", flat(8240));
    const members = [meter("a", flat(5000)), meter("b", flat(3000))];
    expect(
      detectCommunityImbalance({ community, hourStart: hour, feeders: [feeder], members }, config, context),
    ).toBeUndefined();
  });

  it("judges against the feeder's gross flow, so an hour of near-zero net export does not explode the ratio", () => {
    // The community exports 1,000 Wh a quarter while the sun shines, then imports as much: net zero.
    const prosumer = meter("prosumer", [
      [0, 1500],
      [0, 1500],
      [500, 0],
      [500, 0],
    ]);
    const members = [prosumer, meter("home", flat(500))];
    const feeder = meter("feeder", [
      [0, 970],
      [0, 970],
      [1030, 0],
      [1030, 0],
    ]);
    const input = { community, hourStart: hour, feeders: [feeder], members };
    expect(detectCommunityImbalance(input, config, context)).toBeUndefined();
    // Over the net flow the 120 Wh of losses would be 100 %; over the gross flow they are 3 %.
    const strict = detectCommunityImbalance(input, { ...config, tolerance: 0.02 }, context);
    expect(strict?.evidence).toMatchObject({
      feederNet: "120",
      membersNet: "0",
      feederGross: "4000",
      ratio: 0.03,
    });
  });

  it("reports members recording more than the feeder delivered as a warning", () => {
    const feeder = meter("feeder", flat(6000));
    const members = [meter("a", flat(5000)), meter("b", flat(3000))];
    const alert = detectCommunityImbalance(
      { community, hourStart: hour, feeders: [feeder], members },
      config,
      context,
    );
    expect(alert).toMatchObject({ severity: "warning", evidence: { difference: "-8000" } });
    expect(alert!.message).toContain("over-reporting");
  });

  it("does not judge an hour in which a meter has missing intervals, nor a tiny flow", () => {
    const feeder = meter("feeder", flat(8240));
    const partial = { ...meter("a", flat(4000)), received: 3 };
    expect(
      detectCommunityImbalance(
        { community, hourStart: hour, feeders: [feeder], members: [partial, meter("b", flat(3000))] },
        config,
        context,
      ),
    ).toBeUndefined();
    expect(
      detectCommunityImbalance(
        {
          community,
          hourStart: hour,
          feeders: [meter("feeder", flat(200))],
          members: [meter("a", flat(100))],
        },
        config,
        context,
      ),
    ).toBeUndefined();
  });

  it("stays silent on three weeks of simulated communities (2–4 % feeder losses) and fires on a 20 % theft", () => {
    const scenario = buildScenario({ seed: 1, size: "small" });
    const start = Date.UTC(2025, 6, 7) / 1000 - 8 * 3600;
    const feeders = scenario.devices.flatMap((d, i) =>
      d.model.type === "feeder" ? [{ index: i, members: d.model.members }] : [],
    );
    let judged = 0;
    let thefts = 0;
    const alerts: string[] = [];
    for (let h = 0; h < 21 * 24; h++) {
      const hourStart = BigInt(start + h * 3600);
      const quarters = [0, 1, 2, 3].map((q) => simulateInterval(scenario, start + h * 3600 + q * 900, 900));
      const meterOf = (index: number, scale = 1): CommunityMeter =>
        meter(
          String(index),
          quarters.map((e) => [
            Math.round(Number(e[index]!.importDelta) * scale),
            Number(e[index]!.exportDelta),
          ]),
        );
      for (const f of feeders) {
        const input = {
          community,
          hourStart,
          feeders: [meterOf(f.index)],
          members: f.members.map((m) => meterOf(m)),
        };
        const alert = detectCommunityImbalance(input, config, context);
        if (alert) alerts.push(alert.message);
        judged++;
        // The community's largest consumer (an enterprise) under-reports its import by 20 %.
        const largest = f.members.reduce((a, b) =>
          quarters[0]![b]!.importDelta > quarters[0]![a]!.importDelta ? b : a,
        );
        const theft = { ...input, members: f.members.map((m) => meterOf(m, m === largest ? 0.8 : 1)) };
        if (detectCommunityImbalance(theft, config, context)) thefts++;
      }
    }
    expect(judged).toBe(21 * 24 * feeders.length);
    expect(alerts).toEqual([]);
    // The theft stands out in most hours (not at night, when the enterprise draws little).
    expect(thefts).toBeGreaterThan(judged / 3);
  });
});
