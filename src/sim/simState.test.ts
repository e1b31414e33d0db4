import { createPublicKey, verify } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeReading, parseReadingJson, readingToJson } from "../metering/readingFormat.js";
import { buildScenario } from "./scenario.js";
import {
  createSimState,
  loadSimState,
  meterReading,
  parseSimState,
  saveSimState,
  serialiseSimState,
} from "./simState.js";

const scenario = buildScenario({ seed: 5, size: "small" });
const newState = () => createSimState(scenario, { size: "small", duration: 900, next: 1_750_000_500 });

describe("simulator state", () => {
  it("holds a meter per device with registers at the device's initial values and seq 1", () => {
    const state = newState();
    expect(state.meters.size).toBe(scenario.devices.length);
    const device = scenario.devices[0]!;
    expect(state.meters.get(device.name)?.counters).toEqual({
      nextSeq: 1n,
      importRegister: BigInt(device.initialImport),
      exportRegister: BigInt(device.initialExport),
    });
  });

  it("survives a round trip through its JSON file, keys and 64-bit registers included", async () => {
    const state = newState();
    const meter = state.meters.get("CN-GS/wind-1")!;
    meter.counters = {
      nextSeq: 12_345n,
      importRegister: 2n ** 63n + 5n,
      exportRegister: 18_000_000_000_000_000_000n,
    };
    meter.registration = "submitted";
    const parsed = parseSimState(serialiseSimState(state));
    expect(parsed).toEqual(state);
    expect(parsed.meters.get("CN-GS/wind-1")?.key.deviceId).toBe(meter.key.deviceId);

    const dir = await mkdtemp(join(tmpdir(), "gridledger-sim-"));
    try {
      const file = join(dir, "simulator.json");
      expect(await loadSimState(file)).toBeUndefined();
      await saveSimState(file, state);
      expect(await loadSimState(file)).toEqual(state);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a state whose key does not give its deviceId, or of another version", () => {
    const json = JSON.parse(serialiseSimState(newState()));
    const name = Object.keys(json.devices)[0] as string;
    json.devices[name].deviceId = `0x${"00".repeat(32)}`;
    expect(() => parseSimState(JSON.stringify(json))).toThrow(
      expect.objectContaining({ code: "SIM_STATE_INVALID" }),
    );
    expect(() => parseSimState(JSON.stringify({ ...json, version: 2 }))).toThrow(/version 2/);
    expect(() => parseSimState("{")).toThrow(/not JSON/);
  });

  it("signs readings whose seq counts up and whose registers add the deltas", () => {
    const state = newState();
    const device = scenario.devices.find((d) => d.kind === "bidirectional")!;
    const meter = state.meters.get(device.name)!;
    const first = meterReading(
      meter,
      meter.counters,
      { importDelta: 120n, exportDelta: 30n },
      {
        start: 1_750_000_500,
        duration: 900,
        commodity: "electricity",
      },
    );
    const second = meterReading(
      meter,
      first.next,
      { importDelta: 0n, exportDelta: 400n },
      {
        start: 1_750_001_400,
        duration: 900,
        commodity: "electricity",
      },
    );
    expect([first.reading.seq, second.reading.seq]).toEqual([1n, 2n]);
    expect(second.reading.importRegister).toBe(meter.counters.importRegister + 120n);
    expect(second.reading.exportRegister).toBe(meter.counters.exportRegister + 430n);
    expect(second.next.nextSeq).toBe(3n);

    const json = readingToJson(second.reading);
    expect(json.deviceId).toBe(meter.key.deviceId.slice(2));
    const parsed = parseReadingJson(JSON.parse(JSON.stringify(json)));
    const spki = Buffer.concat([
      Buffer.from("302a300506032b6570032100", "hex"),
      Buffer.from(meter.key.publicKey),
    ]);
    const publicKey = createPublicKey({ key: spki, format: "der", type: "spki" });
    expect(verify(null, encodeReading(parsed), publicKey, parsed.signature)).toBe(true);
    // Signing is deterministic: a re-published interval is byte for byte the same reading.
    const again = meterReading(
      meter,
      first.next,
      { importDelta: 0n, exportDelta: 400n },
      {
        start: 1_750_001_400,
        duration: 900,
        commodity: "electricity",
      },
    );
    expect(readingToJson(again.reading)).toEqual(json);
  });
});
