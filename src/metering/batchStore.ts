import type { Database, Queryable } from "../db/database.js";
import { toBigInt } from "../db/sql.js";
import { leafHash, merkleRoot } from "./merkleTree.js";
import { leafInputOf } from "./readingFormat.js";
import { bytesOf } from "./readingStore.js";

/** Key of a batch: one Merkle tree per (region, commodity, interval start, part). */
export type BatchKey = { regionId: `0x${string}`; commodity: number; intervalStart: bigint; part: number };

/** A batch as stored: its key, root, count and totals, and where it is anchored. */
export type Batch = BatchKey & {
  root: `0x${string}`;
  leafCount: number;
  importTotal: bigint;
  exportTotal: bigint;
  status: "pending" | "anchored" | "conflict";
  contract: `0x${string}` | null;
  txHash: `0x${string}` | null;
  blockNumber: bigint | null;
  anchoredAt: bigint | null;
};

/** A leaf of a batch: the reading's key and its leaf hash, in tree order. */
export type BatchLeaf = {
  deviceId: string;
  seq: bigint;
  message: Uint8Array;
  signature: Uint8Array;
  leafHash: Uint8Array;
};

const u64Max = 2n ** 64n - 1n;

/**
 * A batch total as anchored: `anchorOf` holds uint64 totals, which only hostile registers could
 * exceed; such a total is anchored (and audited) as the uint64 maximum.
 */
export const anchoredTotal = (total: bigint): bigint => (total > u64Max ? u64Max : total);

function batchOf(row: Record<string, unknown>): Batch {
  return {
    regionId: row.region_id as `0x${string}`,
    commodity: row.commodity as number,
    intervalStart: toBigInt(row.interval_start),
    part: row.part as number,
    root: row.root as `0x${string}`,
    leafCount: row.leaf_count as number,
    importTotal: toBigInt(row.import_total),
    exportTotal: toBigInt(row.export_total),
    status: row.status as Batch["status"],
    contract: (row.contract as `0x${string}` | null) ?? null,
    txHash: (row.tx_hash as `0x${string}` | null) ?? null,
    blockNumber: row.block_number == null ? null : toBigInt(row.block_number),
    anchoredAt: row.anchored_at == null ? null : toBigInt(row.anchored_at),
  };
}

/** Orders leaves as the tree does: by deviceId bytes, then seq, ascending. */
export function sortLeaves<T extends { deviceId: string; seq: bigint }>(leaves: T[]): T[] {
  return leaves.sort((a, b) =>
    a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0,
  );
}

const keyWhere = "region_id = $1 and commodity = $2 and interval_start = $3";
const keyParams = (key: BatchKey) => [key.regionId, key.commodity, key.intervalStart.toString()];

/** Queries of batches: closing them from unbatched readings, their leaves, and their anchoring state. */
export function createBatchStore(db: Database) {
  async function leavesIn(tx: Queryable, key: BatchKey, assign: boolean) {
    const { rows } = await tx.query<Record<string, unknown>>(
      assign
        ? `update readings set part = $4 where ${keyWhere} and part is null
           returning device_id, seq::text as seq, message, signature, import_delta::text as i, export_delta::text as e`
        : `select device_id, seq::text as seq, message, signature, import_delta::text as i, export_delta::text as e
             from readings where ${keyWhere} and part = $4`,
      [...keyParams(key), key.part],
    );
    const leaves = rows.map((row) => {
      const message = bytesOf(row.message);
      const signature = bytesOf(row.signature);
      return {
        deviceId: row.device_id as string,
        seq: BigInt(row.seq as string),
        message,
        signature,
        leafHash: leafHash(leafInputOf(message, signature)),
        importDelta: BigInt(row.i as string),
        exportDelta: BigInt(row.e as string),
      };
    });
    return sortLeaves(leaves);
  }

  return {
    /**
     * Puts every unbatched reading of a closed interval into a new batch (the next part of its key),
     * builds the tree and records the batch as pending, all in one transaction. An interval is closed
     * when every reading's interval ended by `closedBy` (Unix seconds) and, with `quietSince`, no reading
     * of it arrived after that time — unless it ended by `closedLongBy`, so a steady trickle of late
     * readings cannot hold an interval open for ever. Returns the new batches.
     */
    async closeBatches(options: {
      closedBy: bigint;
      quietSince?: Date;
      closedLongBy?: bigint;
      regionIds?: readonly string[];
      limit?: number;
    }) {
      return db.transaction(async (tx) => {
        const { rows: keys } = await tx.query<Record<string, unknown>>(
          `select region_id, commodity, interval_start from readings
            where part is null and ($2::text[] is null or region_id = any($2::text[]))
            group by region_id, commodity, interval_start
           having max(interval_start + duration) <= $1
              and ($3::timestamptz is null or max(received_at) <= $3 or max(interval_start + duration) <= $5)
            order by interval_start, region_id, commodity limit $4`,
          [
            options.closedBy.toString(),
            options.regionIds ?? null,
            options.quietSince ?? null,
            options.limit ?? 500,
            (options.closedLongBy ?? options.closedBy).toString(),
          ],
        );
        const created: Batch[] = [];
        for (const row of keys) {
          const { rows: parts } = await tx.query<{ next: number }>(
            `select coalesce(max(part) + 1, 0)::int as next from reading_batches where ${keyWhere}`,
            [row.region_id, row.commodity, row.interval_start],
          );
          const key: BatchKey = {
            regionId: row.region_id as `0x${string}`,
            commodity: row.commodity as number,
            intervalStart: toBigInt(row.interval_start),
            part: parts[0]!.next,
          };
          const leaves = await leavesIn(tx, key, true);
          const importTotal = leaves.reduce((sum, leaf) => sum + leaf.importDelta, 0n);
          const exportTotal = leaves.reduce((sum, leaf) => sum + leaf.exportDelta, 0n);
          const root =
            `0x${Buffer.from(merkleRoot(leaves.map((leaf) => leaf.leafHash))).toString("hex")}` as const;
          const { rows: inserted } = await tx.query<Record<string, unknown>>(
            `insert into reading_batches (region_id, commodity, interval_start, part, root, leaf_count, import_total, export_total)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
            [
              ...keyParams(key),
              key.part,
              root,
              leaves.length,
              anchoredTotal(importTotal).toString(),
              anchoredTotal(exportTotal).toString(),
            ],
          );
          created.push(batchOf(inserted[0]!));
        }
        return created;
      });
    },

    /** Batches not yet anchored (oldest first). */
    async unanchored(limit = 1000): Promise<Batch[]> {
      const { rows } = await db.query<Record<string, unknown>>(
        `select * from reading_batches where status = 'pending' order by interval_start, region_id, commodity, part limit $1`,
        [limit],
      );
      return rows.map(batchOf);
    },

    /** One batch, or undefined. */
    async get(key: BatchKey): Promise<Batch | undefined> {
      const { rows } = await db.query<Record<string, unknown>>(
        `select * from reading_batches where ${keyWhere} and part = $4`,
        [...keyParams(key), key.part],
      );
      return rows[0] && batchOf(rows[0]);
    },

    /** Batches in a time range, optionally of some regions, oldest first (newest first with `newestFirst`). */
    async list(filter: {
      regionIds?: readonly string[];
      from?: bigint;
      to?: bigint;
      limit?: number;
      offset?: number;
      newestFirst?: boolean;
    }) {
      const order = filter.newestFirst
        ? "interval_start desc, region_id, commodity, part"
        : "interval_start, region_id, commodity, part";
      const { rows } = await db.query<Record<string, unknown>>(
        `select * from reading_batches
          where ($1::text[] is null or region_id = any($1::text[]))
            and ($2::bigint is null or interval_start >= $2) and ($3::bigint is null or interval_start < $3)
          order by ${order} limit $4 offset $5`,
        [
          filter.regionIds ?? null,
          filter.from?.toString() ?? null,
          filter.to?.toString() ?? null,
          filter.limit ?? 1000,
          filter.offset ?? 0,
        ],
      );
      return rows.map(batchOf);
    },

    /** The leaves of a stored batch, in tree order. */
    leaves(key: BatchKey): Promise<BatchLeaf[]> {
      return leavesIn(db, key, false);
    },

    /** Records where a batch was anchored. */
    async markAnchored(
      key: BatchKey,
      anchor: { contract: string; txHash: string; blockNumber: bigint; anchoredAt: bigint },
    ): Promise<void> {
      await db.query(
        `update reading_batches set status = 'anchored', contract = $5, tx_hash = $6, block_number = $7, anchored_at = $8
          where ${keyWhere} and part = $4`,
        [
          ...keyParams(key),
          key.part,
          anchor.contract.toLowerCase(),
          anchor.txHash.toLowerCase(),
          anchor.blockNumber.toString(),
          anchor.anchoredAt.toString(),
        ],
      );
    },

    /** Marks a batch whose key the chain holds with another root, and raises a critical alert. */
    async markConflict(key: BatchKey, chainRoot: string, regionCode: string): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(`update reading_batches set status = 'conflict' where ${keyWhere} and part = $4`, [
          ...keyParams(key),
          key.part,
        ]);
        await tx.query(
          `insert into alerts (kind, severity, region_id, message, evidence) values ('anchor_conflict', 'critical', $1, $2, $3)`,
          [
            key.regionId,
            `the chain holds another root for ${regionCode} commodity ${key.commodity} interval ${key.intervalStart} part ${key.part}`,
            JSON.stringify({
              regionId: key.regionId,
              commodity: key.commodity,
              intervalStart: key.intervalStart.toString(),
              part: key.part,
              chainRoot,
            }),
          ],
        );
      });
    },
  };
}

export type BatchStore = ReturnType<typeof createBatchStore>;
