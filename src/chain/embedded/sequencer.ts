import { mkdir } from "node:fs/promises";
import type { Block } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { type Address, bytesToHex, createContractAddress } from "@ethereumjs/util";
import { buildBlock, type PostByzantiumTxReceipt, type RunTxResult } from "@ethereumjs/vm";
import type { SenderCheck } from "./accountPermissioning.js";
import {
  type ChainEngine,
  type GenesisAccount,
  nextTimestamp,
  openChainEngine,
  saveTimeOffset,
} from "./chainEngine.js";
import { loadFastHashes } from "./fastHashes.js";
import { type ChainLevel, openChainLevel, WriteBuffer } from "./levelStore.js";
import { findMinedTransaction, putBlockReceipts, type StoredReceipt } from "./receiptStore.js";
import {
  executionReverted,
  firstLine,
  invalidParams,
  ProviderRpcError,
  RpcErrorCode,
  rejected,
} from "./rpcErrors.js";
import { effectiveGasPrice } from "./rpcFormat.js";
import { createSenderRecovery } from "./senderRecovery.js";
import { createSerialQueue } from "./serialQueue.js";
import { checkTransactionAgainstState, decodeRawTransaction } from "./txValidation.js";

/** Options of {@link openSequencer}. */
export type SequencerOptions = {
  dataDir: string;
  chainId: number;
  genesisAccounts: GenesisAccount[];
  blockGasLimit: bigint;
  /** Refuses senders that may not send (account permissioning); undefined accepts every sender. */
  checkSender?: SenderCheck | undefined;
};

/** Largest step block time may take in one `evm_increaseTime` or `evm_mine`: one year (365 days). */
export const MAX_TIME_STEP_SECONDS = 365n * 24n * 3600n;

/**
 * The single writer of the embedded chain. Every write (a transaction, an empty block, the time offset)
 * and every read of the latest state runs through one FIFO queue, so the VM never sees two operations
 * interleaved. Each transaction is mined into its own block, and the block, its state, receipts and
 * indexes are committed to LevelDB in one atomic batch before the caller gets an answer.
 */
export type Sequencer = {
  readonly level: ChainLevel;
  readonly chainId: number;
  readonly blockGasLimit: bigint;
  /** The current engine; its `head` is the newest committed block. */
  engine(): ChainEngine;
  /** Runs `task` alone, after every write submitted before it. */
  exclusive<T>(task: (engine: ChainEngine) => Promise<T>): Promise<T>;
  /**
   * Validates, mines and commits a signed raw transaction; returns its hash. A transaction that reverts is
   * still mined (status 0, nonce and gas used) and the call throws code 3 with the revert data.
   */
  sendRawTransaction(raw: Uint8Array): Promise<Uint8Array>;
  /**
   * Mines a block without transactions, at `timestamp` if given (the time offset moves to match). A
   * timestamp before the latest block's, or more than {@link MAX_TIME_STEP_SECONDS} after the next
   * block's, is refused with `-32602`.
   */
  mineEmptyBlock(timestamp?: bigint): Promise<Block>;
  /**
   * Moves block time forward by `seconds` (0 to {@link MAX_TIME_STEP_SECONDS}; anything else is
   * refused with `-32602`); returns the total offset. The offset is persisted.
   */
  increaseTime(seconds: bigint): Promise<bigint>;
  close(): Promise<void>;
};

/** Opens (creating if needed) the chain under `options.dataDir`. */
export async function openSequencer(options: SequencerOptions): Promise<Sequencer> {
  await mkdir(options.dataDir, { recursive: true });
  const level = await openChainLevel(options.dataDir);
  const buffer = new WriteBuffer(level);
  const recovery = createSenderRecovery();
  const customCrypto = { ...(await loadFastHashes()), ...recovery.customCrypto };
  const open = () => openChainEngine(buffer, { ...options, customCrypto });
  let engine: ChainEngine;
  try {
    engine = await open();
  } catch (error) {
    await recovery.close();
    await level.close();
    throw error;
  }
  const queue = createSerialQueue();
  let closed = false;
  /** Set when the engine could not be rebuilt from disk after a failed block: the chain must be reopened. */
  let broken: unknown;
  /** Transactions between decoding and commit; recovery goes to the worker only when there are several. */
  let inFlight = 0;

  const exclusive = <T>(task: (engine: ChainEngine) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new ProviderRpcError(RpcErrorCode.Internal, "chain is closed"));
    return queue.run(() => {
      if (broken !== undefined) {
        const reason = broken instanceof Error ? broken.message : String(broken);
        throw new ProviderRpcError(RpcErrorCode.Internal, `chain stopped after a storage failure: ${reason}`);
      }
      return task(engine);
    });
  };

  /** Builds, commits and adopts one block; on any failure the in-memory engine is rebuilt from disk. */
  const mineBlock = async (txs: TypedTransaction[], senders: Address[]) => {
    try {
      const builder = await buildBlock(engine.vm, {
        parentBlock: engine.head,
        headerData: { timestamp: nextTimestamp(engine), gasLimit: options.blockGasLimit },
        blockOpts: { putBlockIntoBlockchain: true },
      });
      const results: RunTxResult[] = [];
      try {
        for (const tx of txs)
          results.push(await builder.addTransaction(tx, { skipHardForkValidation: true }));
      } catch (error) {
        await builder.revert();
        throw rejected(`transaction rejected: ${firstLine(error)}`);
      }
      const { block } = await builder.build();
      const baseFee = block.header.baseFeePerGas ?? 0n;
      const receipts = txs.map((tx, i) => storedReceipt(tx, senders[i]!, results[i]!, baseFee));
      putBlockReceipts(buffer, block.header.number, block.hash(), receipts);
      await buffer.commit();
      engine.head = block;
      return { block, results };
    } catch (error) {
      // Caches of the VM, trie and blockchain may hold the discarded block: rebuild them from disk.
      buffer.discard();
      try {
        engine = await open();
      } catch (reloadError) {
        broken = reloadError;
      }
      throw error;
    }
  };

  return {
    level,
    chainId: options.chainId,
    blockGasLimit: options.blockGasLimit,
    engine: () => engine,
    exclusive,
    async sendRawTransaction(raw) {
      const tx = decodeRawTransaction(raw, engine.common);
      // Alone, the sender is recovered right here; with other transactions in flight, on the worker, so
      // that recovery overlaps with their mining.
      inFlight++;
      let from: Address;
      try {
        if (inFlight > 1) await recovery.prepare(tx);
        from = tx.getSenderAddress();
      } catch (error) {
        inFlight--;
        throw invalidParams(`invalid transaction: ${firstLine(error)}`);
      }
      const hash = tx.hash();
      const mined = await exclusive(async (current) => {
        // Re-sending a mined transaction is answered with its hash, so retries are idempotent.
        if ((await findMinedTransaction(level, hash, current.head.header.number)) !== undefined)
          return undefined;
        await options.checkSender?.(current, from);
        await checkTransactionAgainstState(tx, from, {
          stateManager: current.stateManager,
          baseFee: current.head.header.calcNextBaseFee(),
          blockGasLimit: options.blockGasLimit,
        });
        return mineBlock([tx], [from]);
      }).finally(() => {
        inFlight--;
      });
      const error = mined?.results[0]?.execResult.exceptionError;
      if (mined !== undefined && error?.error === "revert") {
        throw executionReverted(
          mined.results[0]!.execResult.returnValue,
          ` (transaction ${bytesToHex(hash)} was mined in block ${mined.block.header.number} with status 0)`,
        );
      }
      return hash;
    },
    async mineEmptyBlock(timestamp) {
      return exclusive(async (current) => {
        if (timestamp !== undefined) {
          const latest = current.head.header.timestamp;
          if (timestamp < latest) {
            throw invalidParams(
              `invalid timestamp: ${timestamp} is before the latest block's ${latest}; block time never goes backwards`,
            );
          }
          if (timestamp - nextTimestamp(current) > MAX_TIME_STEP_SECONDS) {
            throw invalidParams(
              `invalid timestamp: ${timestamp} is more than ${MAX_TIME_STEP_SECONDS} s (one year) after the next block's time`,
            );
          }
          const now = BigInt(Math.floor(Date.now() / 1000));
          current.timeOffset = timestamp - now;
          await saveTimeOffset(buffer, current.timeOffset);
        }
        return (await mineBlock([], [])).block;
      });
    },
    async increaseTime(seconds) {
      if (seconds < 0n) throw invalidParams("invalid seconds: block time never goes backwards");
      if (seconds > MAX_TIME_STEP_SECONDS) {
        throw invalidParams(`invalid seconds: at most ${MAX_TIME_STEP_SECONDS} (one year) per call`);
      }
      return exclusive(async (current) => {
        current.timeOffset += seconds;
        await saveTimeOffset(buffer, current.timeOffset);
        return current.timeOffset;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue.idle();
      await recovery.close();
      await level.close();
    },
  };
}

function storedReceipt(
  tx: TypedTransaction,
  from: Address,
  result: RunTxResult,
  baseFee: bigint,
): StoredReceipt {
  const receipt = result.receipt as PostByzantiumTxReceipt;
  return {
    txHash: tx.hash(),
    from: from.bytes,
    to: tx.to?.bytes ?? new Uint8Array(0),
    type: tx.type,
    status: receipt.status,
    cumulativeGasUsed: receipt.cumulativeBlockGasUsed,
    gasUsed: result.totalGasSpent,
    // Like geth, a creation transaction names the address it deployed (or tried to deploy) to.
    contractAddress: tx.to === undefined ? createContractAddress(from, tx.nonce).bytes : new Uint8Array(0),
    effectiveGasPrice: effectiveGasPrice(tx, baseFee),
    logsBloom: result.bloom.bitvector,
    logs: receipt.logs.map(([address, topics, data]) => ({ address, topics, data })),
  };
}
