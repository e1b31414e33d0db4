import type { Database } from "../db/database.js";
import type { AnchoringHealth } from "./anchorer.js";

/** Failed rounds in a row (anchoring or indexing) after which the node reports itself degraded. */
export const failedRoundsLimit = 3;

/** Anchoring backlog and last anchor of one region the node holds readings of. */
export type RegionAnchoringStatus = {
  region: string;
  regionId: string;
  /** Batches built but not anchored yet (pending). */
  pendingBatches: number;
  /** Batches set aside because the chain refused them. */
  quarantinedBatches: number;
  /** Readings not in a batch yet. */
  unbatchedReadings: number;
  /** Readings not anchored yet: unbatched ones and those of pending or quarantined batches. */
  unanchoredReadings: number;
  /** Start (Unix seconds) of the oldest interval with readings not anchored yet (dropped batches aside). */
  oldestUnanchoredInterval: number | null;
  /** The latest anchor of the region: when (the block's Unix time) and in which block. */
  lastAnchor: { at: number; block: number } | null;
};

/** What `GET /v1/status` answers: the node's health, with the reasons when it is degraded. */
export type NodeStatus = {
  status: "ok" | "degraded";
  reasons: string[];
  checkedAt: string;
  anchoring: {
    regions: RegionAnchoringStatus[];
    pendingBatches: number;
    quarantinedBatches: number;
    unanchoredReadings: number;
    consecutiveFailedRounds: number;
    lastRoundAt: string | null;
    lastSuccessAt: string | null;
    lastError: string | null;
  };
  indexing: {
    indexedBlock: number | null;
    chainHead: number | null;
    /** Blocks the registry index is behind the chain's head (null when the chain does not answer). */
    lag: number | null;
    consecutiveFailures: number;
    lastError: string | null;
  };
  /** Analytics jobs waiting and running (the `jobs` table, shared with `gridledger worker`s). */
  jobs: { queued: number; running: number };
};

/** How the node's own loops have gone, kept in memory by the metering capability. */
export type LoopHealth = { consecutiveFailures: number; lastError: string | null };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

/**
 * Gathers the node's status from the database (a few grouped counts: the batches table, unbatched
 * readings by their partial index, the jobs queue), the anchorer's and indexer's loop health and the
 * chain's head. Degraded when a batch is quarantined, anchoring or indexing failed
 * {@link failedRoundsLimit} times in a row, the chain does not answer, or a closed interval waits
 * longer than `backlogLimitSeconds` after its end.
 */
export async function meteringStatus(options: {
  db: Database;
  anchoring: AnchoringHealth;
  indexing: LoopHealth;
  regionCode: (regionId: string) => string;
  indexedBlock: () => Promise<bigint>;
  chainHead: () => Promise<bigint>;
  backlogLimitSeconds: number;
  nowMs: number;
}): Promise<NodeStatus> {
  const { db } = options;
  const reasons: string[] = [];
  const [batchRows, unbatchedRows, jobRows] = await Promise.all([
    db.query<Record<string, unknown>>(
      `select region_id,
              count(*) filter (where status = 'pending')::int as pending,
              count(*) filter (where status = 'quarantined')::int as quarantined,
              coalesce(sum(leaf_count) filter (where status in ('pending', 'quarantined')), 0)::bigint::text as waiting,
              min(interval_start) filter (where status in ('pending', 'quarantined'))::text as oldest,
              max(block_number) filter (where status = 'anchored')::text as last_block,
              max(anchored_at) filter (where status = 'anchored')::text as last_at,
              extract(epoch from min(created_at) filter (where status = 'pending'))::bigint::text as pending_since
         from reading_batches group by region_id`,
    ),
    db.query<Record<string, unknown>>(
      `select region_id, count(*)::bigint::text as n, min(interval_start)::text as oldest,
              min(interval_start + duration)::text as oldest_end
         from readings where part is null group by region_id`,
    ),
    db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from jobs where status in ('queued', 'running') group by status",
    ),
  ]);
  const regions = new Map<string, RegionAnchoringStatus>();
  const regionOf = (regionId: string) => {
    let region = regions.get(regionId);
    if (!region) {
      region = {
        region: options.regionCode(regionId),
        regionId,
        pendingBatches: 0,
        quarantinedBatches: 0,
        unbatchedReadings: 0,
        unanchoredReadings: 0,
        oldestUnanchoredInterval: null,
        lastAnchor: null,
      };
      regions.set(regionId, region);
    }
    return region;
  };
  const older = (a: number | null, b: unknown) =>
    b === null || b === undefined ? a : a === null ? Number(b) : Math.min(a, Number(b));
  for (const row of batchRows.rows) {
    const region = regionOf(row.region_id as string);
    region.pendingBatches = num(row.pending);
    region.quarantinedBatches = num(row.quarantined);
    region.unanchoredReadings += num(row.waiting);
    region.oldestUnanchoredInterval = older(region.oldestUnanchoredInterval, row.oldest);
    if (row.last_block !== null) {
      region.lastAnchor = { at: num(row.last_at), block: num(row.last_block) };
    }
  }
  const nowSeconds = Math.floor(options.nowMs / 1000);
  let overdue = 0;
  for (const row of unbatchedRows.rows) {
    const region = regionOf(row.region_id as string);
    region.unbatchedReadings = num(row.n);
    region.unanchoredReadings += num(row.n);
    region.oldestUnanchoredInterval = older(region.oldestUnanchoredInterval, row.oldest);
    if (nowSeconds - num(row.oldest_end) > options.backlogLimitSeconds) overdue++;
  }
  // A built batch is sent in the next round (seconds later): one still pending after an hour is stuck.
  for (const row of batchRows.rows) {
    if (row.pending_since !== null && nowSeconds - num(row.pending_since) > 3_600) overdue++;
  }
  const list = [...regions.values()].sort((a, b) => a.region.localeCompare(b.region));
  const total = (field: "pendingBatches" | "quarantinedBatches" | "unanchoredReadings") =>
    list.reduce((sum, region) => sum + region[field], 0);
  const quarantined = total("quarantinedBatches");
  if (quarantined > 0) {
    reasons.push(
      `${quarantined} batch(es) quarantined (the chain refused them): see "gridledger batch list --status quarantined"`,
    );
  }
  const { anchoring, indexing } = options;
  if (anchoring.consecutiveFailures >= failedRoundsLimit) {
    reasons.push(
      `the last ${anchoring.consecutiveFailures} anchoring rounds failed: ${anchoring.lastError ?? "unknown error"}`,
    );
  }
  if (overdue > 0) {
    reasons.push(
      `anchoring is behind: readings of intervals that ended more than ${options.backlogLimitSeconds} s ago are not in a batch, or batches built over an hour ago are not anchored`,
    );
  }
  if (indexing.consecutiveFailures >= failedRoundsLimit) {
    reasons.push(
      `the last ${indexing.consecutiveFailures} registry index syncs failed: ${indexing.lastError ?? "unknown error"}`,
    );
  }
  const indexed = await options.indexedBlock().catch(() => null);
  const head = await withTimeout(options.chainHead(), 3_000).catch(() => null);
  if (head === null) reasons.push("the chain does not answer");
  const jobs = { queued: 0, running: 0 };
  for (const row of jobRows.rows) jobs[row.status as "queued" | "running"] = row.n;
  return {
    status: reasons.length === 0 ? "ok" : "degraded",
    reasons,
    checkedAt: new Date(options.nowMs).toISOString(),
    anchoring: {
      regions: list,
      pendingBatches: total("pendingBatches"),
      quarantinedBatches: quarantined,
      unanchoredReadings: total("unanchoredReadings"),
      consecutiveFailedRounds: anchoring.consecutiveFailures,
      lastRoundAt: iso(anchoring.lastRoundAt),
      lastSuccessAt: iso(anchoring.lastSuccessAt),
      lastError: anchoring.lastError,
    },
    indexing: {
      indexedBlock: indexed === null ? null : Number(indexed),
      chainHead: head === null ? null : Number(head),
      lag: head === null || indexed === null ? null : Math.max(0, Number(head - indexed)),
      consecutiveFailures: indexing.consecutiveFailures,
      lastError: indexing.lastError,
    },
    jobs,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
