import type { Queryable } from "../db/database.js";
import { createHook, type Hook } from "./hook.js";

/**
 * A reading as stored, with what the registry says of its device: what a module that follows stored
 * readings (analytics' rollups) needs. Energy in the commodity's integer base unit (Wh for electricity).
 */
export type StoredReading = {
  deviceId: string;
  regionId: string;
  commodity: number;
  intervalStart: bigint;
  duration: number;
  importDelta: bigint;
  exportDelta: bigint;
  /** Device kind and source as registered (src/registry/deviceTypes.ts). */
  kind: number;
  source: number;
};

/**
 * Something a capability noticed that a person should look at (a refused reading that looks like
 * tampering, a batch the chain refused, odd text on chain). Analytics records incidents as alerts
 * (the `alerts` table); `dedupeKey` makes recording one twice harmless.
 */
export type Incident = {
  kind: string;
  severity: "info" | "warning" | "critical";
  regionId?: string | undefined;
  deviceId?: string | undefined;
  message: string;
  evidence?: Record<string, unknown>;
  /** Unix time of the data the incident is about. */
  periodStart?: bigint | undefined;
  /** An incident with the key of an earlier one is not recorded again. */
  dedupeKey?: string | undefined;
};

/** Payload of `readingsStored`: the readings one ingest transaction stored (duplicates left out). */
export type ReadingsStored = { readings: readonly StoredReading[] };

/** Payload of `batchAnchored`: a batch of readings whose Merkle root the chain now holds. */
export type BatchAnchored = {
  regionId: `0x${string}`;
  commodity: number;
  intervalStart: bigint;
  part: number;
  root: `0x${string}`;
  leafCount: number;
  contract: string;
  txHash: string;
  blockNumber: bigint;
  /** Unix time of the anchoring block. */
  anchoredAt: bigint;
};

/**
 * The hooks modules talk through instead of importing each other's insides. Every handler runs inside
 * the publisher's database transaction (`tx`), so rollups stay exact and a crash loses both or neither.
 * - `readingsStored`: ingest stored readings (published once per ingest transaction that stored any);
 * - `batchAnchored`: the anchorer recorded a batch as anchored (once per batch);
 * - `incidents`: a module noticed something for a person (metering refusals, quarantines, conflicts).
 */
export type GridHooks = {
  readingsStored: Hook<ReadingsStored, Queryable>;
  batchAnchored: Hook<BatchAnchored, Queryable>;
  incidents: Hook<readonly Incident[], Queryable>;
};

/** Creates the node's hooks, with no handler registered. */
export function createGridHooks(): GridHooks {
  return {
    readingsStored: createHook(),
    batchAnchored: createHook(),
    incidents: createHook(),
  };
}
