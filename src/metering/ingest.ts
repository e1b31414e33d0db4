import { BaseError, isBaseError } from "../core/errors.js";
import type { Database, Queryable } from "../db/database.js";
import type { GridHooks, Incident, StoredReading } from "../hooks/gridHooks.js";
import type { DeviceDirectory } from "./deviceDirectory.js";
import type { IngestResult } from "./ingestTypes.js";
import {
  checkAgainstDevice,
  checkContinuity,
  checkRanges,
  type DeviceRecord,
  type Refusal,
} from "./readingChecks.js";
import { encodeReading, parseReadingJson, type SignedReading } from "./readingFormat.js";
import type { NeighbourWithDeltas, ReadingStore } from "./readingStore.js";
import type { VerifyPool } from "./verifyPool.js";

/** Most readings one HTTP request (or one MQTT message) may carry. */
export const maxReadingsPerRequest = 5_000;

/** Ingest settings. */
export type IngestOptions = {
  db: Database;
  store: ReadingStore;
  devices: DeviceDirectory;
  pool: VerifyPool;
  /** The node operator's address: readings are accepted for devices of regions it operates. */
  operator: string;
  /** How far (seconds) a reading's interval end may lie ahead of the node's clock (default 300). */
  maxClockSkew?: number;
  /** Most readings processed as one batch (one transaction). */
  maxBatch?: number;
  /** `readingsStored` and `incidents` run inside each ingest transaction (analytics' rollups and alerts). */
  hooks: Pick<GridHooks, "readingsStored" | "incidents">;
  /** Clock in milliseconds (tests). */
  now?: () => number;
};

/** The ingest pipeline: parse → device checks → signatures (worker threads) → continuity → store. */
export type Ingest = {
  /** Checks and stores readings (JSON form); answers one result per reading, in order, once stored. */
  submit(readings: readonly unknown[], options?: SubmitOptions): Promise<IngestResult[]>;
  /** Resolves when everything submitted so far is stored. */
  drain(): Promise<void>;
};

/**
 * Who sent the readings: `topicDeviceId`, the MQTT topic's device (others → `READING_TOPIC_MISMATCH`);
 * `deviceId`, the device an HTTP device token names, and `regions`, the region codes of a collector's
 * API key (readings of other devices or regions → `READING_OUT_OF_SCOPE`).
 */
export type SubmitOptions = {
  topicDeviceId?: `0x${string}`;
  deviceId?: `0x${string}`;
  regions?: readonly string[];
};

type Item = {
  reading?: SignedReading;
  /** Region codes the sender may submit for (a collector's key); undefined: any. */
  regions?: readonly string[];
  /** Seq of a reading refused before it entered the pipeline, echoed in its result. */
  seq?: bigint;
  message?: Uint8Array;
  result?: IngestResult;
};

const refused = (refusal: Refusal): IngestResult => ({ status: "rejected", ...refusal });

/**
 * Creates the ingest pipeline. Concurrent submissions (HTTP requests, MQTT messages) are merged into
 * batches; while one batch is written in a transaction, the next one's signatures are verified.
 * A result is `accepted` only after the transaction that stored the reading has committed.
 */
export function createIngest(options: IngestOptions): Ingest {
  const { db, store, devices, pool, hooks } = options;
  const operator = options.operator.toLowerCase();
  const maxBatch = options.maxBatch ?? 2_000;
  const now = options.now ?? Date.now;
  const queue: { items: Item[]; done: (error?: unknown) => void }[] = [];
  let pumping: Promise<void> | undefined;
  let writing: Promise<void> = Promise.resolve();

  function parse(input: unknown, { topicDeviceId, deviceId, regions }: SubmitOptions): Item {
    try {
      const reading = parseReadingJson(input);
      if (deviceId !== undefined && reading.deviceId !== deviceId) {
        return {
          result: refused({
            code: "READING_OUT_OF_SCOPE",
            message: `a device token lets device ${deviceId.slice(2)} submit only its own readings, not ${reading.deviceId.slice(2)}'s`,
          }),
          seq: reading.seq,
        };
      }
      if (topicDeviceId !== undefined && reading.deviceId !== topicDeviceId) {
        return {
          result: refused({
            code: "READING_TOPIC_MISMATCH",
            message: `the reading's deviceId ${reading.deviceId.slice(2)} differs from the topic's ${topicDeviceId.slice(2)}`,
          }),
          seq: reading.seq,
        };
      }
      return { reading, message: encodeReading(reading), ...(regions ? { regions } : {}) };
    } catch (error) {
      if (isBaseError(error))
        return { result: { status: "rejected", code: error.code, message: error.message } };
      throw error;
    }
  }

  /** Device checks and signatures: everything that needs no lock on the readings table. */
  async function verify(items: Item[]): Promise<Map<Item, DeviceRecord>> {
    const open = items.filter((item) => item.result === undefined);
    const known = await devices.get([...new Set(open.map((item) => item.reading!.deviceId))]);
    const nowSeconds = BigInt(Math.floor(now() / 1000));
    const toVerify: Item[] = [];
    const deviceOf = new Map<Item, DeviceRecord>();
    for (const item of open) {
      const device = known.get(item.reading!.deviceId);
      const refusal =
        checkRanges(item.reading!) ??
        checkAgainstDevice(item.reading!, device, {
          operator,
          now: nowSeconds,
          maxClockSkew: options.maxClockSkew ?? 300,
        }) ??
        (device && item.regions && !item.regions.includes(device.regionCode)
          ? {
              code: "READING_OUT_OF_SCOPE",
              message: `device ${device.deviceId.slice(2)} is in ${device.regionCode}, outside this key's regions (${item.regions.join(", ")})`,
            }
          : undefined);
      if (refusal) item.result = refused(refusal);
      else {
        toVerify.push(item);
        deviceOf.set(item, device!);
      }
    }
    const valid = await pool.verify(
      toVerify.map((item) => {
        const device = known.get(item.reading!.deviceId)!;
        return {
          scheme: device.scheme,
          publicKey: device.publicKey,
          signature: item.reading!.signature,
          message: item.message!,
        };
      }),
    );
    toVerify.forEach((item, i) => {
      if (!valid[i]) {
        item.result = refused({
          code: "READING_BAD_SIGNATURE",
          message: `the signature does not verify with the public key registered for device ${item.reading!.deviceId}`,
        });
      }
    });
    return deviceOf;
  }

  /**
   * Duplicates, conflicts and continuity against what is stored, then one insert; serialised, in one
   * transaction. A request may repeat a (device, seq): each repetition is checked in a later round
   * of the same transaction, against what the earlier rounds stored.
   */
  async function write(items: Item[], deviceOf: Map<Item, DeviceRecord>): Promise<void> {
    const rounds: Item[][] = [];
    const occurrences = new Map<string, number>();
    for (const item of items) {
      if (item.result !== undefined) continue;
      const key = `${item.reading!.deviceId}:${item.reading!.seq}`;
      const round = occurrences.get(key) ?? 0;
      occurrences.set(key, round + 1);
      if (round === rounds.length) rounds.push([]);
      rounds[round]!.push(item);
    }
    const failures = items.filter((item) => item.result?.code === "READING_BAD_SIGNATURE");
    await db.transaction(async (tx) => {
      const incidents: Incident[] = [];
      const stored: StoredReading[] = [];
      for (const round of rounds) await writeRound(tx, round, deviceOf, incidents, stored);
      if (stored.length > 0) await hooks.readingsStored.run(tx, { readings: stored });
      if (incidents.length > 0) await hooks.incidents.run(tx, incidents);
      await store.addSignatureFailures(
        tx,
        failures.map((item) => ({
          deviceId: item.reading!.deviceId,
          regionId: deviceOf.get(item)!.regionId,
        })),
        Math.floor(now() / 60_000) * 60,
      );
    });
  }

  async function writeRound(
    tx: Queryable,
    open: Item[],
    deviceOf: Map<Item, DeviceRecord>,
    alerts: Incident[],
    toRollups: StoredReading[],
  ): Promise<void> {
    const latest = await store.latest(tx, [...new Set(open.map((item) => item.reading!.deviceId))]);
    // Only a seq at or below the device's highest stored one can already be stored.
    const stored = await store.storedMessages(
      tx,
      open.map((item) => item.reading!).filter((r) => r.seq <= (latest.get(r.deviceId)?.seq ?? 0n)),
    );
    const fresh: Item[] = [];
    for (const item of open) {
      const r = item.reading!;
      const message = Buffer.from(item.message!).toString("hex");
      const earlier = stored.get(`${r.deviceId}:${r.seq}`);
      if (earlier === undefined) {
        fresh.push(item);
      } else if (earlier === message) {
        item.result = { status: "duplicate" };
      } else {
        item.result = refused({
          code: "READING_SEQ_CONFLICT",
          message: `device ${r.deviceId} already sent a different reading with seq ${r.seq}; recorded as possible tampering`,
        });
        alerts.push({
          kind: "reading_conflict",
          severity: "critical",
          regionId: deviceOf.get(item)?.regionId,
          deviceId: r.deviceId,
          message: `a second, different reading with seq ${r.seq} was refused`,
          periodStart: r.intervalStart,
          dedupeKey: `reading_conflict:${r.deviceId}:${r.seq}:${message.slice(-64)}`,
          evidence: {
            seq: r.seq.toString(),
            refusedMessage: message,
            refusedSignature: Buffer.from(r.signature).toString("hex"),
          },
        });
      }
    }
    const accepted = await checkContinuityOf(tx, fresh, latest, alerts, deviceOf);
    const inserted = await store.insert(
      tx,
      accepted.map((item) => ({
        ...item.reading!,
        regionId: deviceOf.get(item)!.regionId,
        message: item.message!,
      })),
    );
    for (const item of accepted) {
      const r = item.reading!;
      // Another ingest process may have stored the same key between our check and insert.
      if (!inserted.has(`${r.deviceId}:${r.seq}`)) {
        item.result = { status: "duplicate" };
        continue;
      }
      item.result ??= { status: "accepted" };
      const device = deviceOf.get(item)!;
      toRollups.push({ ...r, regionId: device.regionId, kind: device.kind, source: device.source });
    }
  }

  async function checkContinuityOf(
    tx: Queryable,
    fresh: Item[],
    latest: Map<string, NeighbourWithDeltas>,
    alerts: Incident[],
    deviceOf: Map<Item, DeviceRecord>,
  ): Promise<Item[]> {
    const byDevice = new Map<string, Item[]>();
    for (const item of fresh) {
      const list = byDevice.get(item.reading!.deviceId) ?? [];
      list.push(item);
      byDevice.set(item.reading!.deviceId, list);
    }
    const accepted: Item[] = [];
    for (const [deviceId, list] of byDevice) {
      list.sort((a, b) => (a.reading!.seq < b.reading!.seq ? -1 : 1));
      const stored = latest.get(deviceId);
      // The neighbours of a reading are the nearest stored or already accepted readings on each side.
      let lastAccepted: NeighbourWithDeltas | undefined;
      for (const item of list) {
        const r = item.reading!;
        let previous: NeighbourWithDeltas | undefined;
        let next: NeighbourWithDeltas | undefined;
        if (stored === undefined || r.seq > stored.seq) previous = stored;
        else ({ previous, next } = await store.neighbours(tx, deviceId, r.seq));
        if (lastAccepted && (previous === undefined || lastAccepted.seq > previous.seq))
          previous = lastAccepted;
        const outcome = checkContinuity(r, previous, next);
        if ("refusal" in outcome) {
          item.result = refused(outcome.refusal);
          if (outcome.refusal.code === "READING_REGISTER_BACKWARDS") {
            alerts.push({
              kind: "register_regression",
              severity: "critical",
              regionId: deviceOf.get(item)?.regionId,
              deviceId,
              message: `a reading whose register goes backwards (seq ${r.seq}) was refused: meter replaced, reset or tampered with`,
              periodStart: r.intervalStart,
              dedupeKey: `register_regression:${deviceId}:${r.seq}:${Buffer.from(item.message!).toString("hex").slice(-64)}`,
              evidence: {
                seq: r.seq.toString(),
                previousSeq: previous?.seq.toString() ?? null,
                readings: previous ? [{ deviceId, seq: previous.seq.toString() }] : [],
                refusedMessage: Buffer.from(item.message!).toString("hex"),
                refusedSignature: Buffer.from(r.signature).toString("hex"),
              },
            });
          }
          continue;
        }
        if (outcome.gap) {
          const { from, to } = outcome.gap;
          const missing = to - from + 1n;
          item.result = {
            status: "accepted",
            code: "READING_SEQUENCE_GAP",
            message: `accepted; ${missing === 1n ? `seq ${from} is` : `seqs ${from}–${to} are`} missing before it`,
          };
          alerts.push({
            kind: "sequence_gap",
            severity: "info",
            regionId: deviceOf.get(item)?.regionId,
            deviceId,
            message: `device skipped ${missing} reading(s): seq ${from} to ${to}`,
            evidence: { from: from.toString(), to: to.toString() },
          });
        }
        accepted.push(item);
        lastAccepted = r;
      }
    }
    return accepted;
  }

  async function pump(): Promise<void> {
    while (queue.length > 0) {
      const batch: typeof queue = [];
      let size = 0;
      while (queue.length > 0 && (batch.length === 0 || size + queue[0]!.items.length <= maxBatch)) {
        const next = queue.shift()!;
        batch.push(next);
        size += next.items.length;
      }
      const items = batch.flatMap((entry) => entry.items);
      const finish = (error?: unknown) => {
        for (const entry of batch) entry.done(error);
      };
      let deviceOf: Map<Item, DeviceRecord>;
      try {
        deviceOf = await verify(items);
      } catch (error) {
        finish(error);
        continue;
      }
      // The next batch is verified while this one is written; at most one more waits behind it.
      const before = writing;
      writing = before.then(() => write(items, deviceOf).then(() => finish(), finish));
      await before;
    }
  }

  return {
    async submit(readings, submitOptions = {}) {
      if (readings.length > maxReadingsPerRequest) {
        throw new BaseError(
          "READING_TOO_MANY",
          `at most ${maxReadingsPerRequest} readings per request, got ${readings.length}`,
          { details: { max: maxReadingsPerRequest, count: readings.length } },
        );
      }
      const items = readings.map((input) => parse(input, submitOptions));
      if (items.some((item) => item.result === undefined)) {
        await new Promise<void>((resolve, reject) => {
          queue.push({
            items,
            done: (error) => (error === undefined ? resolve() : reject(unavailable(error))),
          });
          pumping ??= pump().finally(() => {
            pumping = undefined;
          });
        });
      }
      return items.map((item) => {
        const seq = item.reading?.seq ?? item.seq;
        return seq === undefined ? item.result! : { ...item.result!, seq: seq.toString() };
      });
    },
    async drain() {
      while (pumping) await pumping;
      await writing;
    },
  };
}

function unavailable(cause: unknown): BaseError {
  return new BaseError("INGEST_UNAVAILABLE", "the node could not store the readings; send them again", {
    cause,
  });
}
