import { describe, expect, it } from "vitest";
import { deviceKinds } from "../../registry/deviceTypes.js";
import { buildScenario } from "../../sim/scenario.js";
import { simulateInterval } from "../../sim/simulateInterval.js";
import { defaultAnalyticsConfig } from "../analyticsConfig.js";
import type { DetectorReading } from "./detectorTypes.js";
import { detectSpike, spikeApplies } from "./spike.js";

const config = defaultAnalyticsConfig.detectors.spike;
const context = { utcOffsetMinutes: 480 };
const device = `0x${"ab".repeat(32)}`;
const hourStart = 1_747_000_800n; // a whole hour

const reading = (seq: number, importDelta: bigint): DetectorReading => ({
  deviceId: device,
  seq: BigInt(seq),
  commodity: 1,
  intervalStart: hourStart + BigInt((seq % 4) * 900),
  duration: 900,
  importDelta,
  exportDelta: 0n,
});

/** An office-like day: 0.35 of the mean at night, 1.8 in working hours, with a little noise. */
const officeDay = (day: number) =>
  Array.from({ length: 24 }, (_, h) => {
    const level = h >= 8 && h < 18 ? 18_000 : 3_500;
    return BigInt(Math.round(level * (1 + 0.05 * Math.sin(day * 7 + h * 3))));
  });

describe("spike detector", () => {
  it("flags an hour far above everything in the device's history, with its figures", () => {
    const history = Array.from({ length: 48 }, (_, h) => BigInt(900 + ((h * 37) % 200)));
    const readings = [reading(1, 2500n), reading(2, 2500n), reading(3, 2500n), reading(4, 2500n)];
    const alert = detectSpike(
      { deviceId: device, commodity: 1, hourStart, imported: 10_000n, history, readings },
      config,
      context,
    );
    expect(alert).toMatchObject({
      kind: "spike",
      severity: "warning",
      deviceId: device,
      periodStart: hourStart,
      dedupeKey: `spike:${device}:1:${hourStart}`,
      evidence: { imported: "10000", historyHours: 48, threshold: 3.5 },
    });
    expect(alert!.evidence.readings).toHaveLength(4);
    expect(alert!.evidence.robustZ).toBeGreaterThan(3.5);
    expect(alert!.message).toContain("10.000 kWh");
  });

  it("judges no device before it has minHistory hours of history", () => {
    const history = Array.from({ length: config.minHistory - 1 }, () => 1000n);
    expect(
      detectSpike(
        { deviceId: device, commodity: 1, hourStart, imported: 50_000n, history, readings: [] },
        config,
        context,
      ),
    ).toBeUndefined();
  });

  it("does not take an office's normal working-hour peak for a spike (the classic z-score would)", () => {
    const history = [...officeDay(1), ...officeDay(2), ...officeDay(3)];
    const peak = 18_500n;
    expect(
      detectSpike(
        { deviceId: device, commodity: 1, hourStart, imported: peak, history, readings: [] },
        config,
        context,
      ),
    ).toBeUndefined();
    // The same peak hour is 10+ robust deviations above the (night-dominated) median.
    const sorted = history.map(Number).sort((a, b) => a - b);
    expect(Number(peak)).toBeGreaterThan(sorted[36]! * 4);
    expect(
      detectSpike(
        { deviceId: device, commodity: 1, hourStart, imported: 60_000n, history, readings: [] },
        config,
        context,
      ),
    ).toBeDefined();
  });

  it("handles a constant history (MAD 0): only an excess of at least minWh is a spike", () => {
    const history = Array.from({ length: 30 }, () => 1000n);
    const at = (imported: bigint) =>
      detectSpike(
        { deviceId: device, commodity: 1, hourStart, imported, history, readings: [] },
        config,
        context,
      );
    expect(at(1000n)).toBeUndefined();
    expect(at(1000n + BigInt(config.minWh) - 1n)).toBeUndefined();
    const alert = at(1000n + BigInt(config.minWh));
    expect(alert?.evidence.robustZ).toBeNull();
    expect(alert?.message).toContain("history is constant");
  });

  it("judges the electricity and water of loads only: consumers, prosumers and feeders", () => {
    expect(spikeApplies(deviceKinds.consumption, 1)).toBe(true);
    expect(spikeApplies(deviceKinds.bidirectional, 1)).toBe(true);
    expect(spikeApplies(deviceKinds.feeder, 1)).toBe(true);
    expect(spikeApplies(deviceKinds.consumption, 4)).toBe(true);
    expect(spikeApplies(deviceKinds.consumption, 2)).toBe(false); // gas heating follows the weather
    expect(spikeApplies(deviceKinds.generation, 1)).toBe(false);
    expect(spikeApplies(deviceKinds["ev-charger"], 1)).toBe(false);
    expect(spikeApplies(deviceKinds.storage, 1)).toBe(false);
  });

  it("stays silent on three weeks of simulated loads of every province", () => {
    const scenario = buildScenario({ seed: 1, size: "small" });
    const start = Date.UTC(2025, 3, 7) / 1000 - 8 * 3600;
    const hours = 21 * 24;
    const imports = scenario.devices.map(() => new Array<bigint>(hours).fill(0n));
    for (let h = 0; h < hours; h++) {
      for (let q = 0; q < 4; q++) {
        simulateInterval(scenario, start + h * 3600 + q * 900, 900).forEach((e, i) => {
          imports[i]![h]! += e.importDelta;
        });
      }
    }
    let judged = 0;
    const alerts: string[] = [];
    for (const [i, d] of scenario.devices.entries()) {
      if (!spikeApplies(deviceKinds[d.kind], d.commodity === "electricity" ? 1 : 2)) continue;
      const series = imports[i]!;
      for (let h = config.minHistory; h < hours; h++) {
        const history = series.slice(Math.max(0, h - config.historyHours), h);
        const alert = detectSpike(
          {
            deviceId: device,
            commodity: 1,
            hourStart: BigInt(start + h * 3600),
            imported: series[h]!,
            history,
            readings: [],
          },
          config,
          context,
        );
        judged++;
        if (alert) alerts.push(`${d.name} ${alert.message}`);
      }
    }
    expect(judged).toBeGreaterThan(10_000);
    expect(alerts).toEqual([]);
  });
});
