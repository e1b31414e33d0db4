import type { Database, Queryable } from "../db/database.js";
import { toBigInt } from "../db/sql.js";
import type { DeviceRecord, NeighbourReading } from "./readingChecks.js";
import type { Reading } from "./readingFormat.js";

/** A verified reading ready to store: its fields, region, and the exact signed bytes. */
export type StoredReading = Reading & {
  regionId: `0x${string}`;
  message: Uint8Array;
  signature: Uint8Array;
};

/** Neighbour of a reading with its deltas (needed when a late reading is checked against its successor). */
export type NeighbourWithDeltas = NeighbourReading & { importDelta: bigint; exportDelta: bigint };

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
/** bytea comes back as a Buffer (pg) or a Uint8Array (PGlite). */
export const bytesOf = (value: unknown) => new Uint8Array(value as Uint8Array);

function neighbour(row: Record<string, unknown>): NeighbourWithDeltas {
  return {
    seq: toBigInt(row.seq),
    importRegister: toBigInt(row.import_register),
    exportRegister: toBigInt(row.export_register),
    importDelta: toBigInt(row.import_delta),
    exportDelta: toBigInt(row.export_delta),
  };
}

/** Queries of the metering tables used by ingest. */
export function createReadingStore(db: Database) {
  return {
    /** Registered devices with their region's code and operator, by device id. */
    async devices(deviceIds: readonly string[]): Promise<Map<string, DeviceRecord>> {
      const { rows } = await db.query<Record<string, unknown>>(
        `select d.device_id, d.scheme, d.public_key, d.region_id, d.kind, d.source, d.status, r.code, r.operator
           from devices d join regions r on r.region_id = d.region_id
          where d.device_id = any($1::text[])`,
        [deviceIds],
      );
      return new Map(
        rows.map((row) => [
          row.device_id as string,
          {
            deviceId: row.device_id as `0x${string}`,
            scheme: row.scheme as number,
            publicKey: new Uint8Array(Buffer.from((row.public_key as string).slice(2), "hex")),
            regionId: row.region_id as `0x${string}`,
            regionCode: row.code as string,
            regionOperator: (row.operator as string).toLowerCase(),
            kind: row.kind as number,
            source: row.source as number,
            status: row.status as number,
          },
        ]),
      );
    },

    /** Messages already stored under the given (device, seq) keys, as hex, keyed `deviceId:seq`. */
    async storedMessages(tx: Queryable, keys: readonly { deviceId: string; seq: bigint }[]) {
      const { rows } = await tx.query<{ device_id: string; seq: string; message: string }>(
        `select r.device_id, r.seq::text as seq, encode(r.message, 'hex') as message
           from readings r join unnest($1::text[], $2::numeric[]) as k(d, s) on r.device_id = k.d and r.seq = k.s`,
        [keys.map((k) => k.deviceId), keys.map((k) => k.seq.toString())],
      );
      return new Map(rows.map((row) => [`${row.device_id}:${row.seq}`, row.message]));
    },

    /** The highest-seq stored reading of each device. */
    async latest(tx: Queryable, deviceIds: readonly string[]): Promise<Map<string, NeighbourWithDeltas>> {
      const { rows } = await tx.query<Record<string, unknown>>(
        `select k.d as device_id, r.seq, r.import_register, r.export_register, r.import_delta, r.export_delta
           from unnest($1::text[]) as k(d)
           cross join lateral (
             select seq, import_register, export_register, import_delta, export_delta
               from readings where device_id = k.d order by seq desc limit 1) r`,
        [deviceIds],
      );
      return new Map(rows.map((row) => [row.device_id as string, neighbour(row)]));
    },

    /** The stored readings just below and just above `seq` (for a reading that arrives late). */
    async neighbours(tx: Queryable, deviceId: string, seq: bigint) {
      const columns = "seq, import_register, export_register, import_delta, export_delta";
      const [below, above] = await Promise.all([
        tx.query<Record<string, unknown>>(
          `select ${columns} from readings where device_id = $1 and seq < $2 order by seq desc limit 1`,
          [deviceId, seq.toString()],
        ),
        tx.query<Record<string, unknown>>(
          `select ${columns} from readings where device_id = $1 and seq > $2 order by seq asc limit 1`,
          [deviceId, seq.toString()],
        ),
      ]);
      return {
        previous: below.rows[0] && neighbour(below.rows[0]),
        next: above.rows[0] && neighbour(above.rows[0]),
      };
    },

    /** Inserts readings in one set-based statement; returns the keys inserted (`deviceId:seq`). */
    async insert(tx: Queryable, readings: readonly StoredReading[]): Promise<Set<string>> {
      if (readings.length === 0) return new Set();
      const column = <T>(pick: (r: StoredReading) => T) => readings.map(pick);
      const { rows } = await tx.query<{ device_id: string; seq: string }>(
        `insert into readings (device_id, seq, region_id, commodity, interval_start, duration, quality,
                               import_register, export_register, import_delta, export_delta, message, signature)
         select d, s, r, c, i, du, q, ir, er, id, ed, decode(m, 'hex'), decode(sg, 'hex')
           from unnest($1::text[], $2::numeric[], $3::text[], $4::smallint[], $5::bigint[], $6::integer[],
                       $7::smallint[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[],
                       $12::text[], $13::text[]) as t(d, s, r, c, i, du, q, ir, er, id, ed, m, sg)
         on conflict (device_id, seq) do nothing
         returning device_id, seq::text as seq`,
        [
          column((r) => r.deviceId),
          column((r) => r.seq.toString()),
          column((r) => r.regionId),
          column((r) => r.commodity),
          column((r) => r.intervalStart.toString()),
          column((r) => r.duration),
          column((r) => r.quality),
          column((r) => r.importRegister.toString()),
          column((r) => r.exportRegister.toString()),
          column((r) => r.importDelta.toString()),
          column((r) => r.exportDelta.toString()),
          column((r) => hex(r.message)),
          column((r) => hex(r.signature)),
        ],
      );
      return new Set(rows.map((row) => `${row.device_id}:${row.seq}`));
    },

    /** Counts refused signatures per device and minute (`minute`: Unix seconds of its start). */
    async addSignatureFailures(
      tx: Queryable,
      failures: readonly { deviceId: string; regionId: string }[],
      minute: number,
    ): Promise<void> {
      if (failures.length === 0) return;
      const counts = new Map<string, { regionId: string; failures: number }>();
      for (const f of failures) {
        const entry = counts.get(f.deviceId) ?? { regionId: f.regionId, failures: 0 };
        entry.failures += 1;
        counts.set(f.deviceId, entry);
      }
      await tx.query(
        `insert into signature_failures as t (device_id, region_id, minute, failures)
         select d, r, $3, n from unnest($1::text[], $2::text[], $4::integer[]) as x(d, r, n)
         on conflict (device_id, minute) do update set failures = t.failures + excluded.failures`,
        [
          [...counts.keys()],
          [...counts.values()].map((c) => c.regionId),
          minute,
          [...counts.values()].map((c) => c.failures),
        ],
      );
    },
  };
}

export type ReadingStore = ReturnType<typeof createReadingStore>;
