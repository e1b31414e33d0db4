import { describe, expect, it } from "vitest";
import { buildScenario } from "./scenario.js";
import { simulateInterval } from "./simulateInterval.js";

const scenario = buildScenario({ seed: 11, size: "small" });
/** Local midnight (UTC+8) of 2025-05-12, a Monday with sun in all three provinces' seasons. */
const monday = Date.UTC(2025, 4, 12) / 1000 - 8 * 3600;
const day = Array.from({ length: 96 }, (_, k) => simulateInterval(scenario, monday + k * 900, 900));

describe("simulateInterval", () => {
  it("meters non-negative whole Wh (and litres) as bigints", () => {
    for (const energies of day) {
      expect(energies).toHaveLength(scenario.devices.length);
      for (const { importDelta, exportDelta } of energies) {
        expect(typeof importDelta).toBe("bigint");
        expect(typeof exportDelta).toBe("bigint");
        expect(importDelta >= 0n && exportDelta >= 0n).toBe(true);
      }
    }
  });

  it("makes feeders read their members' net import plus 2–4% technical losses", () => {
    const { minBp, maxBp } = scenario.lossBand;
    let checked = 0;
    for (const energies of day) {
      for (const [index, device] of scenario.devices.entries()) {
        if (device.model.type !== "feeder") continue;
        let net = 0n;
        for (const m of device.model.members) net += energies[m]!.importDelta - energies[m]!.exportDelta;
        const flow = net < 0n ? -net : net;
        const feeder = energies[index]!;
        const metered = net >= 0n ? feeder.importDelta : feeder.exportDelta;
        const loss = net >= 0n ? metered - flow : flow - metered;
        expect(net >= 0n ? feeder.exportDelta : feeder.importDelta).toBe(0n);
        expect(loss * 10_000n >= flow * BigInt(minBp) - 5000n).toBe(true);
        expect(loss * 10_000n <= flow * BigInt(maxBp) + 5000n).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(96 * 6);
  });

  it("gives households their evening peak and lets prosumers export at midday, plants only export", () => {
    const total = (name: string, from: number, to: number, field: "importDelta" | "exportDelta") => {
      const i = scenario.devices.findIndex((d) => d.name === name);
      return day.slice(from * 4, to * 4).reduce((sum, e) => sum + e[i]![field], 0n);
    };
    let evening = 0n;
    let night = 0n;
    for (const d of scenario.devices.filter((d) => d.model.type === "household")) {
      evening += total(d.name, 19, 21, "importDelta");
      night += total(d.name, 2, 4, "importDelta");
    }
    expect(evening).toBeGreaterThan(2n * night);
    expect(total("CN-GS/c01/prosumer-01", 11, 15, "exportDelta")).toBeGreaterThan(0n);
    expect(total("CN-GS/c01/prosumer-01", 0, 5, "exportDelta")).toBe(0n);
    expect(total("CN-GS/solar-1", 0, 5, "exportDelta")).toBe(0n);
    expect(total("CN-GS/solar-1", 10, 16, "exportDelta")).toBeGreaterThan(0n);
    for (const name of ["CN-GS/solar-1", "CN-GD/wind-1"]) expect(total(name, 0, 24, "importDelta")).toBe(0n);
    for (const d of scenario.devices.filter((d) => d.kind === "consumption")) {
      expect(total(d.name, 0, 24, "exportDelta")).toBe(0n);
    }
  });

  it("is deterministic from the seed and does not depend on what was simulated before", () => {
    const again = buildScenario({ seed: 11, size: "small" });
    expect(simulateInterval(again, monday + 50 * 900, 900)).toEqual(day[50]);
    const other = buildScenario({ seed: 12, size: "small" });
    expect(simulateInterval(other, monday + 50 * 900, 900)).not.toEqual(day[50]);
  });

  it("meters about the same energy in one hour as in its four quarters", () => {
    const hour = simulateInterval(scenario, monday + 12 * 3600, 3600);
    const index = scenario.devices.findIndex((d) => d.name === "CN-GD/solar-1");
    const quarters = day.slice(48, 52).reduce((sum, e) => sum + e[index]!.exportDelta, 0n);
    const whole = hour[index]!.exportDelta;
    expect(Number(whole)).toBeGreaterThan(0.9 * Number(quarters));
    expect(Number(whole)).toBeLessThan(1.1 * Number(quarters));
  });
});
