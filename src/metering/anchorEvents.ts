import type { Address, Chain, PublicClient, Transport } from "viem";
import { meterAnchorAbi } from "../chain/artifacts/index.js";
import type { IndexerHandler } from "../chain/indexer/eventIndexer.js";
import type { BatchStore } from "./batchStore.js";

/** Name (cursor) of the handler that follows MeterAnchor's `Anchored` events. */
export const anchorsHandlerName = "anchors";

/**
 * The event-indexer handler that records anchors found on chain: each `Anchored` event of a batch this
 * node holds as pending with the same root (an anchor sent before a crash, whose receipt was never
 * recorded) marks it anchored with the event's transaction, block and block time. Replaying events is
 * harmless: an anchored batch is not touched again.
 */
export function anchorsHandler(options: {
  meterAnchor: Address;
  fromBlock: bigint;
  publicClient: PublicClient<Transport, Chain>;
  batches: Pick<BatchStore, "recordAnchorEvent">;
}): IndexerHandler<typeof meterAnchorAbi> {
  const { meterAnchor, publicClient, batches } = options;
  return {
    name: anchorsHandlerName,
    abi: meterAnchorAbi,
    address: meterAnchor,
    fromBlock: options.fromBlock,
    on: {
      async Anchored(tx, logs) {
        const times = new Map<bigint, bigint>();
        for (const log of logs) {
          const a = log.args;
          let anchoredAt = times.get(log.blockNumber);
          if (anchoredAt === undefined) {
            anchoredAt = (await publicClient.getBlock({ blockNumber: log.blockNumber })).timestamp;
            times.set(log.blockNumber, anchoredAt);
          }
          await batches.recordAnchorEvent(
            tx,
            {
              regionId: a.regionId.toLowerCase() as `0x${string}`,
              commodity: a.commodity,
              intervalStart: a.intervalStart,
              part: a.part,
              root: a.root,
            },
            { contract: meterAnchor, txHash: log.transactionHash, blockNumber: log.blockNumber, anchoredAt },
          );
        }
      },
    },
  };
}
