import type { Address } from "viem";
import { meterAnchorAbi } from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import type { EventIndexer } from "../chain/indexer/eventIndexer.js";
import { isChainRefusal, outOfContractRange, refusalReason } from "./anchorRefusal.js";
import type { BatchKey } from "./batchKey.js";
import { type Batch, type BatchStore, batchKeyText } from "./batchStore.js";

/** An interval that ended this long before its grace period ends is closed even while readings still trickle in. */
const settleLimitSeconds = 3_600;

/** What one anchoring round did. */
export type AnchorRound = {
  /** Batches built from readings of closed intervals. */
  built: number;
  /** Batches anchored by a transaction of this round. */
  anchored: number;
  /** Batches found already anchored on chain with the same root (after a crash) and recorded. */
  reconciled: number;
  /** Batches whose key the chain holds with another root. */
  conflicts: number;
  /** Batches the chain refused, set aside as quarantined (each with a `batch_quarantined` alert). */
  quarantined: number;
};

/** How anchoring rounds have gone since the node started (for `/v1/status`). */
export type AnchoringHealth = {
  /** Rounds that failed in a row; 0 once a round completes. */
  consecutiveFailures: number;
  /** When the last round ended (ms since the epoch), and the last that completed. */
  lastRoundAt: number | null;
  lastSuccessAt: number | null;
  /** Why the last failed round failed. */
  lastError: string | null;
};

/** Anchoring settings. */
export type AnchorerOptions = {
  client: ChainClient;
  batches: BatchStore;
  meterAnchor: Address;
  /** Region id → code, for messages. */
  regionCode: (regionId: string) => string;
  /** Regions this node operates (only those are anchored). */
  regionIds: () => Promise<readonly string[]>;
  /** Seconds after an interval's end before it is anchored (late readings still make part 0). */
  graceSeconds: number;
  /** Seconds without a new reading of an interval before it is anchored. */
  settleSeconds?: number;
  /** The event indexer that follows MeterAnchor's `Anchored` events (see ./anchorEvents.ts). */
  anchorEvents: Pick<EventIndexer, "sync">;
  /** Batches per transaction. */
  batchesPerTransaction?: number;
  /** Told of each batch set aside (its key text and the chain's refusal), e.g. to log it. */
  onQuarantine?: (batch: string, reason: string) => void;
  now?: () => number;
};

/** Builds and anchors batches, and reconciles what a crash left between the database and the chain. */
export type Anchorer = {
  /**
   * One round: close finished intervals into batches, then anchor every pending batch, checking the
   * chain first so nothing is anchored twice. `all` ignores the grace and settle periods (every
   * interval that has ended is closed), `regionIds` limits the round.
   */
  run(options?: { all?: boolean; regionIds?: readonly string[] }): Promise<AnchorRound>;
  /** How the rounds have gone (failures in a row, last error). */
  health(): AnchoringHealth;
};

/** Creates the anchorer; see {@link Anchorer}. */
export function createAnchorer(options: AnchorerOptions): Anchorer {
  const { client, batches, meterAnchor } = options;
  const { publicClient, sender } = client;
  const perTransaction = options.batchesPerTransaction ?? 50;
  const now = options.now ?? Date.now;
  let running: Promise<AnchorRound> | undefined;
  const health: AnchoringHealth = {
    consecutiveFailures: 0,
    lastRoundAt: null,
    lastSuccessAt: null,
    lastError: null,
  };

  async function onChain(key: BatchKey) {
    const [root, leafCount] = await publicClient.readContract({
      address: meterAnchor,
      abi: meterAnchorAbi,
      functionName: "anchorOf",
      args: [key.regionId, key.commodity, key.intervalStart, key.part],
    });
    return { root: root.toLowerCase(), leafCount };
  }

  /**
   * Records the anchor of a batch anchored before a crash, from its `Anchored` event: the anchors
   * handler of the event indexer (./anchorEvents.ts) catches up from its cursor and records every such
   * batch; answers whether this one is now recorded. With confirmations, an anchor in the newest blocks
   * is recorded by a later round.
   */
  async function recordFromEvent(batch: Batch): Promise<boolean> {
    await options.anchorEvents.sync();
    return (await batches.get(batch))?.status === "anchored";
  }

  async function anchorPending(round: AnchorRound, regionIds: readonly string[]): Promise<void> {
    const pending = (await batches.unanchored()).filter((batch) => regionIds.includes(batch.regionId));
    const toSend: Batch[] = [];
    for (const batch of pending) {
      // A key the contract's types cannot hold is refused before it is sent (or even looked up).
      const problem = outOfContractRange(batch);
      if (problem) {
        await quarantine(batch, `BATCH_OUT_OF_CONTRACT_RANGE: ${problem}`, round);
        continue;
      }
      const chain = await onChain(batch);
      if (BigInt(chain.root) === 0n) toSend.push(batch);
      else if (chain.root === batch.root) {
        if (await recordFromEvent(batch)) round.reconciled++;
      } else {
        await batches.markConflict(batch, chain.root, options.regionCode(batch.regionId));
        round.conflicts++;
      }
    }
    for (let i = 0; i < toSend.length; i += perTransaction) {
      await sendChunk(toSend.slice(i, i + perTransaction), round);
    }
  }

  /**
   * Anchors a chunk of batches in one transaction. When the chain refuses it (a revert), the culprits
   * are found by halving the chunk until each refused batch is alone, and set aside; the others are
   * anchored. A transient failure (chain unreachable) is thrown: the round fails, nothing is set aside.
   */
  async function sendChunk(chunk: Batch[], round: AnchorRound): Promise<void> {
    let receipt: Awaited<ReturnType<typeof sender.write>>;
    try {
      receipt = await sender.write({
        address: meterAnchor,
        abi: meterAnchorAbi,
        functionName: "anchor",
        args: [
          chunk.map((batch) => ({
            regionId: batch.regionId,
            commodity: batch.commodity,
            intervalStart: batch.intervalStart,
            part: batch.part,
            root: batch.root,
            leafCount: batch.leafCount,
            importTotal: batch.importTotal,
            exportTotal: batch.exportTotal,
          })),
        ],
      });
    } catch (error) {
      if (!isChainRefusal(error)) throw error;
      if (chunk.length === 1) return settleRefused(chunk[0]!, error, round);
      const half = Math.ceil(chunk.length / 2);
      await sendChunk(chunk.slice(0, half), round);
      await sendChunk(chunk.slice(half), round);
      return;
    }
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    for (const batch of chunk) {
      await batches.markAnchored(batch, {
        contract: meterAnchor,
        txHash: receipt.transactionHash,
        blockNumber: receipt.blockNumber,
        anchoredAt: block.timestamp,
      });
    }
    round.anchored += chunk.length;
  }

  /** A batch the chain refused on its own: anchored meanwhile (by a crashed run), a conflict, or quarantined. */
  async function settleRefused(batch: Batch, error: unknown, round: AnchorRound): Promise<void> {
    const chain = await onChain(batch);
    if (BigInt(chain.root) !== 0n) {
      if (chain.root !== batch.root) {
        await batches.markConflict(batch, chain.root, options.regionCode(batch.regionId));
        round.conflicts++;
      } else if (await recordFromEvent(batch)) round.reconciled++;
      return;
    }
    await quarantine(batch, refusalReason(error), round);
  }

  async function quarantine(batch: Batch, reason: string, round: AnchorRound): Promise<void> {
    const code = options.regionCode(batch.regionId);
    await batches.quarantine(batch, reason, code);
    round.quarantined++;
    options.onQuarantine?.(batchKeyText(code, batch), reason);
  }

  async function round(runOptions: { all?: boolean; regionIds?: readonly string[] }): Promise<AnchorRound> {
    const result: AnchorRound = { built: 0, anchored: 0, reconciled: 0, conflicts: 0, quarantined: 0 };
    const operated = await options.regionIds();
    const regionIds = runOptions.regionIds
      ? operated.filter((id) => runOptions.regionIds!.includes(id))
      : operated;
    if (regionIds.length === 0) return result;
    const nowSeconds = BigInt(Math.floor(now() / 1000));
    for (;;) {
      const built = await batches.closeBatches({
        closedBy: runOptions.all ? nowSeconds : nowSeconds - BigInt(options.graceSeconds),
        quietSince: runOptions.all ? undefined : new Date(now() - (options.settleSeconds ?? 3) * 1000),
        closedLongBy: nowSeconds - BigInt(options.graceSeconds + settleLimitSeconds),
        regionIds,
      });
      result.built += built.length;
      if (built.length < 500) break;
    }
    await anchorPending(result, regionIds);
    return result;
  }

  return {
    async run(runOptions = {}) {
      // Rounds never overlap: a manual `anchor` waits for the periodic round, then runs its own.
      while (running) await running.catch(() => undefined);
      running = round(runOptions);
      try {
        const result = await running;
        health.consecutiveFailures = 0;
        health.lastSuccessAt = health.lastRoundAt = now();
        health.lastError = null;
        return result;
      } catch (error) {
        health.consecutiveFailures++;
        health.lastRoundAt = now();
        health.lastError = refusalReason(error).slice(0, 500);
        throw error;
      } finally {
        running = undefined;
      }
    },
    health: () => ({ ...health }),
  };
}
