import { describe, expect, it } from "vitest";
import { demoRegions } from "../node/demoRegions.js";
import { provinces } from "./provinces.js";
import { buildScenario, parseSize, resolveSize } from "./scenario.js";

const perProvince = (size: Parameters<typeof buildScenario>[0]["size"]) => {
  const counts: Record<string, number> = {};
  for (const device of buildScenario({ seed: 1, size }).devices) {
    counts[device.province.code] = (counts[device.province.code] ?? 0) + 1;
  }
  return counts;
};

describe("scenario", () => {
  it("simulates exactly the demo provinces seedDemoRegions approves", () => {
    expect(provinces.map((p) => p.code)).toEqual(demoRegions.map((r) => r.code));
  });

  it("sizes small, medium and large at 26, 160 and 786 devices per province", () => {
    expect(perProvince("small")).toEqual({ "CN-GD": 26, "CN-ZJ": 26, "CN-GS": 26 });
    expect(perProvince("medium")["CN-ZJ"]).toBe(160);
    expect(perProvince("large")["CN-GS"]).toBe(786);
    expect(perProvince({ communities: 1, households: 3, prosumers: 0, gasMeters: false })["CN-GD"]).toBe(
      3 + 1 + 1 + 1 + 2,
    );
  });

  it("parses named and explicit sizes and refuses anything else", () => {
    expect(parseSize("LARGE")).toBe("large");
    expect(parseSize("4x25")).toEqual({ communities: 4, households: 25 });
    expect(resolveSize("small")).toMatchObject({
      communities: 2,
      households: 6,
      prosumers: 2,
      enterprises: 1,
    });
    expect(() => parseSize("huge")).toThrow(expect.objectContaining({ code: "SIM_INVALID_SIZE" }));
    expect(() => resolveSize({ communities: 0, households: 5 })).toThrow(/size must be/);
  });

  it("builds the same devices from the same seed and different ones from another", () => {
    const strip = (seed: number) =>
      buildScenario({ seed, size: "small" }).devices.map(({ province, ...rest }) => ({
        ...rest,
        code: province.code,
      }));
    expect(strip(42)).toEqual(strip(42));
    expect(strip(42).map((d) => d.name)).toEqual(strip(43).map((d) => d.name));
    expect(strip(42).map((d) => d.model)).not.toEqual(strip(43).map((d) => d.model));
  });

  it("names devices uniquely and registers them with kinds, sources and capacities the registry takes", () => {
    const { devices } = buildScenario({ seed: 1, size: "medium" });
    expect(new Set(devices.map((d) => d.name)).size).toBe(devices.length);
    for (const device of devices) {
      expect(Number.isInteger(device.capacityW) && device.capacityW >= 0).toBe(true);
      // Plants and rooftop-PV prosumers generate; nothing else has a source (its export would be an alert).
      expect(device.kind === "generation" || device.kind === "bidirectional").toBe(device.source !== "none");
      expect(Number.isInteger(device.initialImport) && device.initialImport >= 0).toBe(true);
    }
    const kinds = new Set(devices.map((d) => `${d.kind}/${d.source}/${d.commodity}`));
    expect([...kinds].sort()).toEqual([
      "bidirectional/solar/electricity",
      "consumption/none/electricity",
      "consumption/none/gas",
      "ev-charger/none/electricity",
      "feeder/none/electricity",
      "generation/solar/electricity",
      "generation/wind/electricity",
    ]);
  });

  it("puts every electricity meter of a community, and nothing else, behind its feeder", () => {
    const { devices } = buildScenario({ seed: 1, size: "small" });
    for (const feeder of devices.filter((d) => d.model.type === "feeder")) {
      if (feeder.model.type !== "feeder") continue;
      const members = feeder.model.members.map((i) => devices[i]);
      const expected = devices.filter(
        (d) => d.community === feeder.community && d.commodity === "electricity" && d.kind !== "feeder",
      );
      expect(members).toEqual(expected);
      expect(feeder.model.ratingW).toBeGreaterThan(0);
    }
  });
});
