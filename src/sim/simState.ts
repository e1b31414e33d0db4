import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { BaseError } from "../core/errors.js";
import { type DeviceKey, deviceKeyFromSecret, signReading } from "../metering/deviceKey.js";
import { commodities, type SignedReading } from "../metering/readingFormat.js";
import { writeFileDurably } from "../node/nodeState.js";
import { deviceIdOf } from "../registry/publicKey.js";
import type { Scenario, SimDevice, SimSize } from "./scenario.js";
import type { IntervalEnergy } from "./simulateInterval.js";

/** A meter's counters: the seq of its next reading and its cumulative registers. */
export type MeterCounters = { nextSeq: bigint; importRegister: bigint; exportRegister: bigint };

/** Where a device stands with the node's registry. `submitted` means a registration may be on chain. */
export type Registration = "new" | "submitted" | "registered";

/** One simulated meter: its key, its registration and its counters. */
export type SimMeter = { name: string; key: DeviceKey; registration: Registration; counters: MeterCounters };

/** Everything a simulator must remember across restarts. */
export type SimState = {
  seed: number;
  size: SimSize;
  /** Interval length, seconds. */
  duration: number;
  /** Unix start of the next interval to publish: every earlier interval is acknowledged. */
  next: number;
  meters: Map<string, SimMeter>;
};

/** Version of the state file's JSON layout. */
export const simStateVersion = 1;

/** A new meter for a scenario device: a fresh Ed25519 key and registers at the device's initial values. */
export function newMeter(device: SimDevice, secretKey: Uint8Array = randomBytes(32)): SimMeter {
  return {
    name: device.name,
    key: deviceKeyFromSecret("ed25519", secretKey),
    registration: "new",
    counters: {
      nextSeq: 1n,
      importRegister: BigInt(device.initialImport),
      exportRegister: BigInt(device.initialExport),
    },
  };
}

/** A state for a new simulation of `scenario` starting at `next`; meters are added by `addMissingMeters`. */
export function createSimState(
  scenario: Scenario,
  options: { size: SimSize; duration: number; next: number },
): SimState {
  const state: SimState = { seed: scenario.seed, ...options, meters: new Map() };
  addMissingMeters(state, scenario);
  return state;
}

/** Gives every scenario device without a meter a new one; answers how many were added. */
export function addMissingMeters(state: SimState, scenario: Scenario): number {
  let added = 0;
  for (const device of scenario.devices) {
    if (state.meters.has(device.name)) continue;
    state.meters.set(device.name, newMeter(device));
    added++;
  }
  return added;
}

/**
 * The signed reading of a meter for one interval and the counters after it: seq + 1, registers plus
 * the interval's deltas.
 */
export function meterReading(
  meter: SimMeter,
  counters: MeterCounters,
  energy: IntervalEnergy,
  interval: { start: number; duration: number; commodity: keyof typeof commodities },
): { reading: SignedReading; next: MeterCounters } {
  const next: MeterCounters = {
    nextSeq: counters.nextSeq + 1n,
    importRegister: counters.importRegister + energy.importDelta,
    exportRegister: counters.exportRegister + energy.exportDelta,
  };
  const reading = signReading(meter.key, {
    seq: counters.nextSeq,
    intervalStart: BigInt(interval.start),
    duration: interval.duration,
    commodity: commodities[interval.commodity],
    quality: 0,
    importRegister: next.importRegister,
    exportRegister: next.exportRegister,
    importDelta: energy.importDelta,
    exportDelta: energy.exportDelta,
  });
  return { reading, next };
}

type StateJson = {
  version: number;
  seed: number;
  size: SimSize;
  durationSeconds: number;
  next: string;
  devices: Record<
    string,
    {
      scheme: "ed25519";
      secretKey: string;
      publicKey: string;
      deviceId: string;
      registration: Registration;
      nextSeq: string;
      importRegister: string;
      exportRegister: string;
    }
  >;
};

/** The state as the JSON text of the state file (secret keys as hex). */
export function serialiseSimState(state: SimState): string {
  const devices: StateJson["devices"] = {};
  for (const meter of state.meters.values()) {
    devices[meter.name] = {
      scheme: "ed25519",
      secretKey: Buffer.from(meter.key.secretKey).toString("hex"),
      publicKey: Buffer.from(meter.key.publicKey).toString("hex"),
      deviceId: meter.key.deviceId,
      registration: meter.registration,
      nextSeq: meter.counters.nextSeq.toString(),
      importRegister: meter.counters.importRegister.toString(),
      exportRegister: meter.counters.exportRegister.toString(),
    };
  }
  const json: StateJson = {
    version: simStateVersion,
    seed: state.seed,
    size: state.size,
    durationSeconds: state.duration,
    next: new Date(state.next * 1000).toISOString(),
    devices,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function invalidState(message: string, details: Record<string, unknown> = {}): BaseError {
  return new BaseError("SIM_STATE_INVALID", message, { details });
}

/** Parses the state file's text; throws `SIM_STATE_INVALID` naming what is wrong. */
export function parseSimState(text: string): SimState {
  let json: StateJson;
  try {
    json = JSON.parse(text) as StateJson;
  } catch (cause) {
    throw invalidState(`the simulator state is not JSON: ${(cause as Error).message}`);
  }
  if (json?.version !== simStateVersion) {
    throw invalidState(`simulator state version ${String(json?.version)} is not supported`, {
      version: json?.version,
    });
  }
  const next = Date.parse(json.next) / 1000;
  if (!Number.isInteger(json.seed) || !Number.isInteger(json.durationSeconds) || !Number.isFinite(next)) {
    throw invalidState("the simulator state lacks seed, durationSeconds or next");
  }
  const meters = new Map<string, SimMeter>();
  for (const [name, device] of Object.entries(json.devices ?? {})) {
    try {
      // Deriving public keys from secrets costs milliseconds each with OpenSSL; the stored public key
      // is checked against the deviceId instead, and a mismatched secret shows as refused signatures.
      const secretKey = new Uint8Array(Buffer.from(device.secretKey, "hex"));
      const publicKey = new Uint8Array(Buffer.from(device.publicKey, "hex"));
      if (secretKey.length !== 32 || publicKey.length !== 32)
        throw new Error("its keys must be 32 bytes of hex");
      const key: DeviceKey = { scheme: "ed25519", secretKey, publicKey, deviceId: deviceIdOf(publicKey) };
      if (key.deviceId !== device.deviceId) throw new Error("its deviceId does not match its public key");
      meters.set(name, {
        name,
        key,
        registration: device.registration,
        counters: {
          nextSeq: BigInt(device.nextSeq),
          importRegister: BigInt(device.importRegister),
          exportRegister: BigInt(device.exportRegister),
        },
      });
    } catch (cause) {
      throw invalidState(`device ${name} in the simulator state is invalid: ${(cause as Error).message}`, {
        device: name,
      });
    }
  }
  return { seed: json.seed, size: json.size, duration: json.durationSeconds, next, meters };
}

/** Reads the state file, or undefined when there is none yet. */
export async function loadSimState(file: string): Promise<SimState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseSimState(text);
}

/** Writes the state file atomically (temporary file, fsync, rename), readable by its owner only: it holds keys. */
export async function saveSimState(file: string, state: SimState): Promise<void> {
  await writeFileDurably(file, serialiseSimState(state), 0o600);
}
