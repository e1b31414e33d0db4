import { BaseError } from "../core/errors.js";
import type { Database, Queryable } from "../db/database.js";
import { toBigInt } from "../db/sql.js";
import type { GridHooks } from "../hooks/gridHooks.js";
import { anchoredTotal, type BatchKey, sortLeaves } from "./batchKey.js";
import { leafHash, merkleRoot } from "./merkleTree.js";
import { leafInputOf, readingLimits } from "./readingFormat.js";
import { bytesOf } from "./readingStore.js";

/**
 * Where a batch stands: pending (built, not yet on chain), anchored, conflict (the chain holds another
 * root), quarantined (the chain refused it; waits for the operator), dropped (the operator gave it up).
 */
export const batchStatuses = ["pending", "anchored", "conflict", "quarantined", "dropped"] as const;
export type BatchStatus = (typeof batchStatuses)[number];

/** A batch as stored: its key, root, count and totals, and where it is anchored. */
export type Batch = BatchKey & {
  root: `0x${string}`;
  leafCount: number;
  importTotal: bigint;
  exportTotal: bigint;
  status: BatchStatus;
  /** Why the batch is quarantined (the chain's refusal), or null. */
  statusReason: string | null;
  contract: `0x${string}` | null;
  txHash: `0x${string}` | null;
  blockNumber: bigint | null;
  anchoredAt: bigint | null;
};

/** A batch's key as the operator names it: `<region code>/<commodity>/<intervalStart>/<part>`. */
export function batchKeyText(regionCode: string, key: BatchKey): string {
  return `${regionCode}/${key.commodity}/${key.intervalStart}/${key.part}`;
}

/** Where a batch was anchored: contract, transaction, block and the block's time (Unix seconds). */
export type AnchorRecord = { contract: string; txHash: string; blockNumber: bigint; anchoredAt: bigint };

/** A leaf of a batch: the reading's key and its leaf hash, in tree order. */
export type BatchLeaf = {
  deviceId: string;
  seq: bigint;
  message: Uint8Array;
  signature: Uint8Array;
  leafHash: Uint8Array;
};

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
    statusReason: (row.status_reason as string | null) ?? null,
    contract: (row.contract as `0x${string}` | null) ?? null,
    txHash: (row.tx_hash as `0x${string}` | null) ?? null,
    blockNumber: row.block_number == null ? null : toBigInt(row.block_number),
    anchoredAt: row.anchored_at == null ? null : toBigInt(row.anchored_at),
  };
}

const keyWhere = "region_id = $1 and commodity = $2 and interval_start = $3";
const keyParams = (key: BatchKey) => [key.regionId, key.commodity, key.intervalStart.toString()];

/**
 * Queries of batches: closing them from unbatched readings, their leaves, and their anchoring state.
 * `batchAnchored` runs in the transaction that records an anchor; `incidents` in the one that sets a
 * batch aside (quarantine, conflict).
 */
export function createBatchStore(db: Database, hooks: Pick<GridHooks, "batchAnchored" | "incidents">) {
  async function leavesIn(
    tx: Queryable,
    key: BatchKey,
    assign: boolean,
    maxLeaves: number = readingLimits.maxBatchLeaves,
  ) {
    const { rows } = await tx.query<Record<string, unknown>>(
      assign
        ? `update readings set part = $4 where ${keyWhere} and part is null
           returning device_id, seq::text as seq, message, signature, import_delta::text as i, export_delta::text as e`
        : `select device_id, seq::text as seq, message, signature, import_delta::text as i, export_delta::text as e
             from readings where ${keyWhere} and part = $4`,
      [...keyParams(key), key.part],
    );
    const leaves = sortLeaves(
      rows.map((row) => {
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
      }),
    );
    // A batch takes at most `maxBatchLeaves` readings, so its totals fit the contract's uint64: the
    // rest go back to unbatched, for the next part. (Rare: a plain update is much faster than a capped one.)
    if (!assign || leaves.length <= maxLeaves) return leaves;
    const rest = leaves.splice(maxLeaves);
    await tx.query(
      `update readings r set part = null from unnest($1::text[], $2::numeric[]) as x(device_id, seq)
        where r.device_id = x.device_id and r.seq = x.seq`,
      [rest.map((leaf) => leaf.deviceId), rest.map((leaf) => leaf.seq.toString())],
    );
    return leaves;
  }

  /** Marks a batch anchored (only a pending one with root `root`, when given) and publishes `batchAnchored`. */
  async function recordAnchor(tx: Queryable, key: BatchKey, anchor: AnchorRecord, root?: string) {
    const { rows } = await tx.query<{ root: `0x${string}`; leaf_count: number }>(
      `update reading_batches set status = 'anchored', contract = $5, tx_hash = $6, block_number = $7, anchored_at = $8
        where ${keyWhere} and part = $4 and ($9::text is null or (status = 'pending' and root = $9))
        returning root, leaf_count`,
      [
        ...keyParams(key),
        key.part,
        anchor.contract.toLowerCase(),
        anchor.txHash.toLowerCase(),
        anchor.blockNumber.toString(),
        anchor.anchoredAt.toString(),
        root ?? null,
      ],
    );
    const row = rows[0];
    if (!row) return false;
    if (hooks.batchAnchored.size > 0) {
      await hooks.batchAnchored.run(tx, {
        regionId: key.regionId,
        commodity: key.commodity,
        intervalStart: key.intervalStart,
        part: key.part,
        root: row.root,
        leafCount: row.leaf_count,
        contract: anchor.contract.toLowerCase(),
        txHash: anchor.txHash.toLowerCase(),
        blockNumber: anchor.blockNumber,
        anchoredAt: anchor.anchoredAt,
      });
    }
    return true;
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
      /** Most readings in one batch (default `readingLimits.maxBatchLeaves`). */
      maxLeaves?: number;
    }) {
      const maxLeaves = options.maxLeaves ?? readingLimits.maxBatchLeaves;
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
          // An interval with more readings than a batch holds fills parts next, next + 1, …
          for (let part = parts[0]!.next; ; part++) {
            const key: BatchKey = {
              regionId: row.region_id as `0x${string}`,
              commodity: row.commodity as number,
              intervalStart: toBigInt(row.interval_start),
              part,
            };
            const leaves = await leavesIn(tx, key, true, maxLeaves);
            if (leaves.length === 0) break;
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
            if (leaves.length < maxLeaves) break;
          }
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
      regionIds?: readonly string[] | undefined;
      from?: bigint | undefined;
      to?: bigint | undefined;
      statuses?: readonly BatchStatus[] | undefined;
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
            and ($6::text[] is null or status = any($6::text[]))
          order by ${order} limit $4 offset $5`,
        [
          filter.regionIds ?? null,
          filter.from?.toString() ?? null,
          filter.to?.toString() ?? null,
          filter.limit ?? 1000,
          filter.offset ?? 0,
          filter.statuses?.length ? filter.statuses : null,
        ],
      );
      return rows.map(batchOf);
    },

    /** The leaves of a stored batch, in tree order. */
    leaves(key: BatchKey): Promise<BatchLeaf[]> {
      return leavesIn(db, key, false);
    },

    /** Records where a batch was anchored, and publishes `batchAnchored` in the same transaction. */
    async markAnchored(key: BatchKey, anchor: AnchorRecord): Promise<void> {
      await db.transaction((tx) => recordAnchor(tx, key, anchor));
    },

    /**
     * Records an anchor found in the chain's `Anchored` events (in the indexer's transaction), for a
     * pending batch with the same root only: answers whether it did. Anchors already recorded, of
     * batches not built here, or with another root (a conflict, which the anchorer settles) are left alone.
     */
    recordAnchorEvent(
      tx: Queryable,
      key: BatchKey & { root: string },
      anchor: AnchorRecord,
    ): Promise<boolean> {
      return recordAnchor(tx, key, anchor, key.root.toLowerCase());
    },

    /**
     * Sets a pending batch aside as `quarantined` with the chain's refusal as its reason, and raises a
     * critical `batch_quarantined` alert naming its key; the other batches are anchored without it.
     */
    async quarantine(key: BatchKey, reason: string, regionCode: string): Promise<void> {
      await db.transaction(async (tx) => {
        const { rows } = await tx.query(
          `update reading_batches set status = 'quarantined', status_reason = $5, status_changed_at = now()
            where ${keyWhere} and part = $4 and status = 'pending' returning leaf_count`,
          [...keyParams(key), key.part, reason.slice(0, 2000)],
        );
        if (rows.length === 0) return;
        const name = batchKeyText(regionCode, key);
        await hooks.incidents.run(tx, [
          {
            kind: "batch_quarantined",
            severity: "critical",
            regionId: key.regionId,
            message: `batch ${name} was set aside (quarantined): the chain refused it (${reason.slice(0, 300)}); the other batches are still anchored`,
            periodStart: key.intervalStart,
            evidence: {
              batch: name,
              regionId: key.regionId,
              commodity: key.commodity,
              intervalStart: key.intervalStart.toString(),
              part: key.part,
              leafCount: (rows[0] as { leaf_count: number }).leaf_count,
              reason: reason.slice(0, 2000),
            },
          },
        ]);
      });
    },

    /**
     * The operator's decision on a quarantined batch: `release` puts it back to pending (retried in the
     * next round), `drop` marks it dropped (never anchored; its readings stay stored).
     * `BATCH_NOT_FOUND`, or `BATCH_NOT_QUARANTINED` when it is in another state.
     */
    async decide(key: BatchKey, decision: "release" | "drop", name: string): Promise<Batch> {
      const { rows } = await db.query<Record<string, unknown>>(
        `update reading_batches set status = $5, status_changed_at = now(),
                status_reason = case when $5 = 'pending' then null else status_reason end
          where ${keyWhere} and part = $4 and status = 'quarantined' returning *`,
        [...keyParams(key), key.part, decision === "release" ? "pending" : "dropped"],
      );
      if (rows[0]) return batchOf(rows[0]);
      const { rows: found } = await db.query<{ status: string }>(
        `select status from reading_batches where ${keyWhere} and part = $4`,
        [...keyParams(key), key.part],
      );
      if (!found[0]) {
        throw new BaseError("BATCH_NOT_FOUND", `no batch ${name}`, { details: { batch: name } });
      }
      throw new BaseError(
        "BATCH_NOT_QUARANTINED",
        `batch ${name} is ${found[0].status}; only a quarantined batch can be released or dropped`,
        { details: { batch: name, status: found[0].status } },
      );
    },

    /** Marks a batch whose key the chain holds with another root, and raises a critical alert. */
    async markConflict(key: BatchKey, chainRoot: string, regionCode: string): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(`update reading_batches set status = 'conflict' where ${keyWhere} and part = $4`, [
          ...keyParams(key),
          key.part,
        ]);
        await hooks.incidents.run(tx, [
          {
            kind: "anchor_conflict",
            severity: "critical",
            regionId: key.regionId,
            message: `the chain holds another root for ${regionCode} commodity ${key.commodity} interval ${key.intervalStart} part ${key.part}`,
            evidence: {
              regionId: key.regionId,
              commodity: key.commodity,
              intervalStart: key.intervalStart.toString(),
              part: key.part,
              chainRoot,
            },
          },
        ]);
      });
    },
  };
}

/** The batch queries of a node (see {@link createBatchStore}). */
export type BatchStore = ReturnType<typeof createBatchStore>;
