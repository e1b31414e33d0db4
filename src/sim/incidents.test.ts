import { describe, expect, it } from "vitest";
import { demoTheft, stageIncidents } from "./incidents.js";
import { buildScenario } from "./scenario.js";
import { simulateInterval } from "./simulateInterval.js";

const scenario = buildScenario({ seed: 7, size: "small" });
const thief = scenario.devices.findIndex((d) => d.name === demoTheft.device);
const feeder = scenario.devices.findIndex((d) => d.model.type === "feeder" && d.community === "CN-GD/c01");
// 2026-06-03, a Wednesday; local time is UTC+8.
const localNoon = Date.UTC(2026, 5, 3, 12 - 8) / 1000;

/** The feeder's net import against the members' reported net import, over one interval. */
function balance(energies: readonly { importDelta: bigint; exportDelta: bigint }[]) {
  const model = scenario.devices[feeder]!.model as { type: "feeder"; members: number[] };
  const members = model.members.reduce(
    (sum, i) => sum + energies[i]!.importDelta - energies[i]!.exportDelta,
    0n,
  );
  const fed = energies[feeder]!.importDelta - energies[feeder]!.exportDelta;
  return Number(fed - members) / Number(energies[feeder]!.importDelta + energies[feeder]!.exportDelta);
}

describe("demo incidents", () => {
  it("has the enterprise report half its import from 13:00 to 15:00 local time, the feeder unchanged", () => {
    const start = localNoon + 3600; // 13:00
    const honest = simulateInterval(scenario, start, 900);
    const staged = stageIncidents(scenario, honest, start);
    expect(thief).toBeGreaterThanOrEqual(0);
    expect(staged[thief]!.importDelta).toBe(honest[thief]!.importDelta / 2n);
    expect(staged[feeder]).toEqual(honest[feeder]);
    // Normal losses stay inside the detector's 8 % tolerance; the theft goes far beyond it.
    expect(balance(honest)).toBeLessThan(0.08);
    expect(balance(staged)).toBeGreaterThan(0.08);
  });

  it("leaves every other hour as simulated", () => {
    for (const start of [localNoon, localNoon + 3 * 3600, localNoon - 6 * 3600]) {
      const honest = simulateInterval(scenario, start, 900);
      expect(stageIncidents(scenario, honest, start)).toEqual(honest);
    }
  });
});
