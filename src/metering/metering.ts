import type { Address } from "viem";
import type { ChainClient } from "../chain/chainClient.js";
import { createEventIndexer } from "../chain/indexer/eventIndexer.js";
import { BaseError } from "../core/errors.js";
import type { Database } from "../db/database.js";
import type { GridHooks } from "../hooks/gridHooks.js";
import { anchorsHandler } from "./anchorEvents.js";
import { type Anchorer, createAnchorer } from "./anchorer.js";
import { type AuditReport, auditBatches } from "./audit.js";
import { type BatchKey, parseBatchKeyText } from "./batchKey.js";
import { type Batch, type BatchLeaf, type BatchStore, batchKeyText, createBatchStore } from "./batchStore.js";
import { createDeviceDirectory, type DeviceDirectory } from "./deviceDirectory.js";
import { createIngest, type Ingest } from "./ingest.js";
import { type LoopHealth, meteringStatus, type NodeStatus } from "./meteringStatus.js";
import { decodeReading, type ReadingJson, readingToJson } from "./readingFormat.js";
import { proofOf, type ReadingProof } from "./readingProof.js";
import { bytesOf, createReadingStore } from "./readingStore.js";
import { createVerifyPool, type VerifyPool } from "./verifyPool.js";

/** Metering settings of a node. */
export type MeteringOptions = {
  db: Database;
  client: ChainClient;
  meterAnchor: Address;
  /** The node operator: it ingests and anchors the readings of the regions it operates. */
  operator: Address;
  /** Syncs the registry index from the chain (new devices, status changes). */
  syncIndex: () => Promise<void>;
  /** The last block the registry index holds (for `/v1/status`); unknown when not given. */
  indexedBlock?: () => Promise<bigint>;
  /** Block the contracts were deployed at (where to look for anchors after a crash). */
  fromBlock: bigint;
  /** Seconds after an interval ends before it is anchored. */
  anchorGraceSeconds: number;
  /** Blocks held back from the head before `Anchored` events are read (0: instant finality). */
  confirmations?: number;
  /** Signature verification threads (default: one per core). */
  verifyThreads?: number;
  maxClockSkew?: number;
  /** Hooks published inside metering's transactions; other modules (analytics) register on them. */
  hooks: GridHooks;
  now?: () => number;
};

/** Ingest, batches, anchoring, proofs and audit of one node. */
export type Metering = {
  ingest: Ingest;
  batches: BatchStore;
  anchorer: Anchorer;
  pool: VerifyPool;
  /** Registered devices as ingest sees them (the embedded MQTT broker authenticates devices with it). */
  devices: DeviceDirectory;
  /** Region id → code, from the registry index (refreshed when an unknown id is asked for). */
  regionCodes(): Promise<Map<string, string>>;
  /** Region ids for region codes; `METERING_UNKNOWN_REGION` for a code that is not approved. */
  regionIdsOf(codes: readonly string[]): Promise<string[]>;
  /** A stored reading (JSON form), when it arrived and the batch it is in (null until batched). */
  reading(deviceId: `0x${string}`, seq: bigint): Promise<StoredReadingView>;
  /** The proof of one reading; `READING_NOT_FOUND` or `READING_NOT_ANCHORED` when there is none yet. */
  proof(deviceId: `0x${string}`, seq: bigint): Promise<ReadingProof>;
  audit(filter: { regionCodes?: readonly string[]; from?: bigint; to?: bigint }): Promise<AuditReport>;
  stats(): Promise<MeteringStats>;
  /** The node's health for `GET /v1/status`: anchoring backlog, index lag, job queue, degraded reasons. */
  status(): Promise<NodeStatus>;
  /** A batch by its key text (`<region>/<commodity>/<intervalStart>/<part>`): its key and canonical name. */
  resolveBatch(text: string): Promise<{ key: BatchKey; name: string }>;
  /** Releases (back to pending) or drops a quarantined batch named by its key text. */
  decideBatch(text: string, decision: "release" | "drop"): Promise<Batch & { key: string }>;
  /** Runs an anchoring round every `everyMs` until `close`. */
  startAnchoring(everyMs: number, onError: (error: unknown) => void): void;
  close(): Promise<void>;
};

/** A stored reading as `GET /v1/readings/<deviceId>/<seq>` shows it. */
export type StoredReadingView = {
  reading: ReadingJson;
  receivedAt: string;
  batch: { region: string; commodity: number; intervalStart: number; part: number; status: string } | null;
};

/** Counts shown by `/v1/metering/stats`. */
export type MeteringStats = {
  readings: number;
  devices: number;
  unbatched: number;
  batches: number;
  anchored: number;
  pending: number;
  conflicts: number;
  quarantined: number;
  dropped: number;
  alerts: number;
  lastReadingAt: string | null;
};

/** Wires the metering capability of a node from its database and chain client. */
export function createMetering(options: MeteringOptions): Metering {
  const { db } = options;
  const store = createReadingStore(db);
  const batches = createBatchStore(db, options.hooks);
  const pool = createVerifyPool({ size: options.verifyThreads });
  const operator = options.operator.toLowerCase();
  const devices = createDeviceDirectory({ store, syncIndex: options.syncIndex });
  const ingest = createIngest({
    db,
    store,
    devices,
    pool,
    operator,
    maxClockSkew: options.maxClockSkew,
    hooks: options.hooks,
    now: options.now,
  });
  let regions = new Map<string, { code: string; operator: string }>();
  const anchorEvents = createEventIndexer({
    db,
    publicClient: options.client.publicClient,
    confirmations: options.confirmations,
  });
  anchorEvents.register(
    anchorsHandler({
      meterAnchor: options.meterAnchor,
      fromBlock: options.fromBlock,
      publicClient: options.client.publicClient,
      batches,
    }),
  );

  async function loadRegions() {
    const { rows } = await db.query<{ region_id: string; code: string; operator: string }>(
      "select region_id, code, operator from regions",
    );
    regions = new Map(
      rows.map((row) => [row.region_id, { code: row.code, operator: row.operator.toLowerCase() }]),
    );
    return regions;
  }
  const codeOf = (regionId: string) => regions.get(regionId)?.code ?? regionId;

  const anchorer = createAnchorer({
    client: options.client,
    batches,
    meterAnchor: options.meterAnchor,
    regionCode: codeOf,
    regionIds: async () =>
      [...(await loadRegions())].filter(([, region]) => region.operator === operator).map(([id]) => id),
    graceSeconds: options.anchorGraceSeconds,
    anchorEvents,
    now: options.now,
  });
  const indexing: LoopHealth = { consecutiveFailures: 0, lastError: null };

  async function resolveBatch(text: string): Promise<{ key: BatchKey; name: string }> {
    const parsed = parseBatchKeyText(text);
    const regionId = /^0x[0-9a-fA-F]{64}$/.test(parsed.region)
      ? (parsed.region.toLowerCase() as `0x${string}`)
      : ((await regionIdsOf([parsed.region]))[0] as `0x${string}`);
    await loadRegions();
    const key = {
      regionId,
      commodity: parsed.commodity,
      intervalStart: parsed.intervalStart,
      part: parsed.part,
    };
    return { key, name: batchKeyText(codeOf(regionId), key) };
  }

  async function storedReading(deviceId: `0x${string}`, seq: bigint) {
    const { rows } = await db.query<Record<string, unknown>>(
      `select region_id, commodity, interval_start, part, message, signature, received_at from readings
        where device_id = $1 and seq = $2`,
      [deviceId, seq.toString()],
    );
    const row = rows[0];
    if (!row) {
      throw new BaseError("READING_NOT_FOUND", `no reading of device ${deviceId.slice(2)} with seq ${seq}`, {
        details: { deviceId, seq: seq.toString() },
      });
    }
    if (!regions.has(row.region_id as string)) await loadRegions();
    const key = {
      regionId: row.region_id as `0x${string}`,
      commodity: row.commodity as number,
      intervalStart: BigInt(row.interval_start as string),
      part: row.part as number | null,
    };
    return { row, key };
  }

  // An anchored batch never changes: its leaves are kept for the next proofs of it (an alert's
  // evidence, an explorer lookup), a few batches at most.
  const leafCache = new Map<string, Promise<BatchLeaf[]>>();
  function anchoredLeaves(key: BatchKey): Promise<BatchLeaf[]> {
    const id = `${key.regionId}:${key.commodity}:${key.intervalStart}:${key.part}`;
    let leaves = leafCache.get(id);
    if (!leaves) {
      leaves = batches.leaves(key);
      leaves.catch(() => leafCache.delete(id));
      leafCache.set(id, leaves);
      if (leafCache.size > 16) leafCache.delete(leafCache.keys().next().value!);
    }
    return leaves;
  }

  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function regionIdsOf(codes: readonly string[]): Promise<string[]> {
    await loadRegions();
    return codes.map((code) => {
      const found = [...regions].find(
        ([, region]) => region.code.toLowerCase() === code.trim().toLowerCase(),
      );
      if (!found) {
        throw new BaseError("METERING_UNKNOWN_REGION", `no approved region has the code "${code}"`, {
          details: { region: code },
        });
      }
      return found[0];
    });
  }

  return {
    ingest,
    batches,
    anchorer,
    pool,
    devices,
    async regionCodes() {
      return new Map([...(await loadRegions())].map(([id, region]) => [id, region.code]));
    },
    regionIdsOf,

    async reading(deviceId, seq) {
      const { row, key } = await storedReading(deviceId, seq);
      const batch = key.part === null ? undefined : await batches.get({ ...key, part: key.part });
      return {
        reading: readingToJson({ ...decodeReading(bytesOf(row.message)), signature: bytesOf(row.signature) }),
        receivedAt: (row.received_at as Date).toISOString(),
        batch: batch
          ? {
              region: codeOf(batch.regionId),
              commodity: batch.commodity,
              intervalStart: Number(batch.intervalStart),
              part: batch.part,
              status: batch.status,
            }
          : null,
      };
    },

    async proof(deviceId, seq) {
      const { row, key: stored } = await storedReading(deviceId, seq);
      const key = { ...stored, part: stored.part ?? 0 };
      const batch = stored.part === null ? undefined : await batches.get(key);
      if (batch?.status !== "anchored") {
        throw new BaseError(
          "READING_NOT_ANCHORED",
          `the reading is stored but its batch is not anchored yet; anchoring follows the interval's end plus ${options.anchorGraceSeconds} s`,
          { details: { deviceId, seq: seq.toString() } },
        );
      }
      const leaves = await anchoredLeaves(key);
      const index = leaves.findIndex((leaf) => leaf.deviceId === deviceId && leaf.seq === seq);
      return proofOf(
        { ...decodeReading(bytesOf(row.message)), signature: bytesOf(row.signature) },
        leaves.map((leaf) => leaf.leafHash),
        index,
        Buffer.from(batch.root.slice(2), "hex"),
        {
          region: codeOf(key.regionId),
          regionId: key.regionId.slice(2),
          commodity: key.commodity,
          intervalStart: Number(key.intervalStart),
          part: key.part,
        },
        { contract: batch.contract!, txHash: batch.txHash!, blockNumber: Number(batch.blockNumber) },
      );
    },

    async audit(filter) {
      const regionIds = filter.regionCodes?.length ? await regionIdsOf(filter.regionCodes) : undefined;
      await loadRegions();
      return auditBatches({
        db,
        batches,
        store,
        pool,
        client: options.client,
        meterAnchor: options.meterAnchor,
        regionCode: codeOf,
        regionIds,
        from: filter.from,
        to: filter.to,
      });
    },

    async stats() {
      const { rows } = await db.query<Record<string, unknown>>(
        `select (select count(*) from readings)::int as readings,
                (select count(distinct device_id) from readings)::int as devices,
                (select count(*) from readings where part is null)::int as unbatched,
                (select count(*) from reading_batches)::int as batches,
                (select count(*) from reading_batches where status = 'anchored')::int as anchored,
                (select count(*) from reading_batches where status = 'pending')::int as pending,
                (select count(*) from reading_batches where status = 'conflict')::int as conflicts,
                (select count(*) from reading_batches where status = 'quarantined')::int as quarantined,
                (select count(*) from reading_batches where status = 'dropped')::int as dropped,
                (select count(*) from alerts)::int as alerts,
                (select max(received_at) from readings) as last_reading_at`,
      );
      const row = rows[0]!;
      return {
        readings: row.readings as number,
        devices: row.devices as number,
        unbatched: row.unbatched as number,
        batches: row.batches as number,
        anchored: row.anchored as number,
        pending: row.pending as number,
        conflicts: row.conflicts as number,
        quarantined: row.quarantined as number,
        dropped: row.dropped as number,
        alerts: row.alerts as number,
        lastReadingAt: row.last_reading_at ? (row.last_reading_at as Date).toISOString() : null,
      };
    },

    async status() {
      await loadRegions();
      return meteringStatus({
        db,
        anchoring: anchorer.health(),
        indexing: { ...indexing },
        regionCode: codeOf,
        indexedBlock: options.indexedBlock ?? (async () => 0n),
        chainHead: () => options.client.publicClient.getBlockNumber({ cacheTime: 0 }),
        backlogLimitSeconds: options.anchorGraceSeconds + 7_200,
        nowMs: (options.now ?? Date.now)(),
      });
    },

    resolveBatch,

    async decideBatch(text, decision) {
      const { key, name } = await resolveBatch(text);
      return { ...(await batches.decide(key, decision, name)), key: name };
    },

    startAnchoring(everyMs, onError) {
      const sync = async () => {
        try {
          await options.syncIndex();
          indexing.consecutiveFailures = 0;
          indexing.lastError = null;
        } catch (error) {
          indexing.consecutiveFailures++;
          indexing.lastError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
          throw error;
        }
      };
      const tick = async () => {
        try {
          await sync();
          devices.clear();
          await anchorer.run();
        } catch (error) {
          if (!closed) onError(error);
        }
        if (!closed) timer = setTimeout(tick, everyMs);
      };
      timer = setTimeout(tick, 0);
    },

    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ingest.drain().catch(() => undefined);
      await anchorer.run({ regionIds: [] }).catch(() => undefined);
      await pool.close();
    },
  };
}
