import type { Address } from "viem";
import { meterAnchorAbi } from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import type { Batch, BatchKey, BatchStore } from "./batchStore.js";

/** An interval that ended this long before its grace period ends is closed even while readings still trickle in. */
const settleLimitSeconds = 3_600;

/** Blocks per `eth_getLogs` request when looking for an anchor made before a crash. */
const logRange = 2_000n;

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
  /** Block to search for anchors made before a crash (the contracts' deployment block). */
  fromBlock: bigint;
  /** Batches per transaction. */
  batchesPerTransaction?: number;
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
};

/** Creates the anchorer; see {@link Anchorer}. */
export function createAnchorer(options: AnchorerOptions): Anchorer {
  const { client, batches, meterAnchor } = options;
  const { publicClient, sender } = client;
  const perTransaction = options.batchesPerTransaction ?? 50;
  const now = options.now ?? Date.now;
  let running: Promise<AnchorRound> | undefined;

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
   * Finds the transaction that anchored a batch before a crash, from its event: searched backwards from
   * the head in ranges of `logRange` blocks (providers cap `eth_getLogs` ranges), newest first since a
   * crash is recent.
   */
  async function recordFromEvent(batch: Batch): Promise<boolean> {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    for (let to = head; to >= options.fromBlock; to -= logRange) {
      const from = to - logRange + 1n > options.fromBlock ? to - logRange + 1n : options.fromBlock;
      const logs = await publicClient.getContractEvents({
        address: meterAnchor,
        abi: meterAnchorAbi,
        eventName: "Anchored",
        args: { regionId: batch.regionId, commodity: batch.commodity, intervalStart: batch.intervalStart },
        fromBlock: from,
        toBlock: to,
        strict: true,
      });
      const log = logs.find((entry) => entry.args.part === batch.part);
      if (!log || log.blockNumber === null || log.transactionHash === null) continue;
      const block = await publicClient.getBlock({ blockNumber: log.blockNumber });
      await batches.markAnchored(batch, {
        contract: meterAnchor,
        txHash: log.transactionHash,
        blockNumber: log.blockNumber,
        anchoredAt: block.timestamp,
      });
      return true;
    }
    return false;
  }

  async function anchorPending(round: AnchorRound, regionIds: readonly string[]): Promise<void> {
    const pending = (await batches.unanchored()).filter((batch) => regionIds.includes(batch.regionId));
    const toSend: Batch[] = [];
    for (const batch of pending) {
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
      const chunk = toSend.slice(i, i + perTransaction);
      const receipt = await sender.write({
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
  }

  async function round(runOptions: { all?: boolean; regionIds?: readonly string[] }): Promise<AnchorRound> {
    const result: AnchorRound = { built: 0, anchored: 0, reconciled: 0, conflicts: 0 };
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
        return await running;
      } finally {
        running = undefined;
      }
    },
  };
}
