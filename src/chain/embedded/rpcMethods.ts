import type { Block } from "@ethereumjs/block";
import { Address, bigIntToBytes, bytesToHex, equalsBytes, setLengthLeft } from "@ethereumjs/util";
import type { ChainEngine } from "./chainEngine.js";
import { callAt, estimateGas, parseCallParams, stateAt, storageWord } from "./execution.js";
import { parseLogFilter } from "./logFilter.js";
import {
  findMinedTransaction,
  locateReceiptLogs,
  queryLogs,
  readBlockReceipts,
  type StoredReceipt,
} from "./receiptStore.js";
import { invalidParams, ProviderRpcError, parseHexBytes, RpcErrorCode } from "./rpcErrors.js";
import {
  type BlockRef,
  formatBlock,
  formatLog,
  formatReceipt,
  formatTransaction,
  parseAddress,
  parseBlockRef,
  parseHash,
  parseQuantity,
  quantity,
} from "./rpcFormat.js";
import type { Sequencer } from "./sequencer.js";

/** A JSON-RPC method: positional params in, JSON-ready result out. */
export type RpcMethod = (params: unknown[]) => Promise<unknown>;

/** Most logs one `eth_getLogs` answers; larger queries get `-32005` and should split the block range. */
export const MAX_LOGS_PER_QUERY = 100_000;

/** Most blocks one `eth_feeHistory` covers (geth's limit). */
const MAX_FEE_HISTORY_BLOCKS = 1024n;

const CLIENT_VERSION = "GridLedger/embedded-chain/ethereumjs-10.1.3";

function notFound(message: string): ProviderRpcError {
  return new ProviderRpcError(RpcErrorCode.ResourceNotFound, message);
}

/** Canonical committed block with this number, or undefined. */
async function blockByNumber(engine: ChainEngine, number: bigint): Promise<Block | undefined> {
  const head = engine.head;
  if (number > head.header.number) return undefined;
  if (number === head.header.number) return head;
  return engine.blockchain.dbManager.getBlock(number);
}

/** Canonical committed block with this hash, or undefined. */
async function blockByHash(engine: ChainEngine, hash: Uint8Array): Promise<Block | undefined> {
  const block = await engine.blockchain.dbManager.getBlock(hash);
  if (block === undefined) return undefined;
  const canonical = await blockByNumber(engine, block.header.number);
  return canonical !== undefined && equalsBytes(canonical.hash(), hash) ? canonical : undefined;
}

async function findBlock(engine: ChainEngine, ref: BlockRef): Promise<Block | undefined> {
  if (ref === "latest") return engine.head;
  return "hash" in ref ? blockByHash(engine, ref.hash) : blockByNumber(engine, ref.number);
}

async function requireBlock(engine: ChainEngine, ref: BlockRef): Promise<Block> {
  const block = await findBlock(engine, ref);
  if (block === undefined) throw notFound("header not found");
  return block;
}

function fullTransactionsFlag(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw invalidParams("invalid fullTransactions flag: expected a boolean");
  return value;
}

function seconds(value: unknown, field: string): bigint {
  return typeof value === "number" && Number.isSafeInteger(value)
    ? BigInt(value)
    : parseQuantity(value, field);
}

/** Methods that exist only on a development chain: they move block time at will. */
export const DEV_CHAIN_METHODS: readonly string[] = ["evm_increaseTime", "evm_mine"];

/**
 * The JSON-RPC methods of the embedded chain, keyed by name; the `evm_*` methods of
 * {@link DEV_CHAIN_METHODS} only when `devChain` is set.
 */
export function createRpcMethods(
  sequencer: Sequencer,
  { devChain }: { devChain: boolean },
): Record<string, RpcMethod> {
  const level = sequencer.level;
  const engine = () => sequencer.engine();
  const chainId = sequencer.chainId;

  const formatBlockAt = async (ref: BlockRef, full: boolean) => {
    const block = await findBlock(engine(), ref);
    if (block === undefined) return null;
    const receipts = full ? ((await readBlockReceipts(level, block.header.number))?.receipts ?? []) : [];
    return formatBlock(block, receipts, full);
  };

  const countAt = async (ref: BlockRef) => {
    const block = await findBlock(engine(), ref);
    return block === undefined ? null : quantity(block.transactions.length);
  };

  const readState = <T>(ref: BlockRef, read: (engine: ChainEngine, block: Block) => Promise<T>) =>
    sequencer.exclusive(async (current) => read(current, await requireBlock(current, ref)));

  const nextBaseFee = () => engine().head.header.calcNextBaseFee();

  const devMethods: Record<string, RpcMethod> = {
    evm_increaseTime: async ([value]) => quantity(await sequencer.increaseTime(seconds(value, "seconds"))),
    evm_mine: async ([timestamp]) => {
      await sequencer.mineEmptyBlock(timestamp === undefined ? undefined : seconds(timestamp, "timestamp"));
      return "0x0";
    },
  };

  return {
    ...(devChain ? devMethods : {}),
    web3_clientVersion: async () => CLIENT_VERSION,
    net_version: async () => String(chainId),
    net_listening: async () => true,
    eth_chainId: async () => quantity(chainId),
    eth_accounts: async () => [],
    eth_syncing: async () => false,
    eth_blockNumber: async () => quantity(engine().head.header.number),
    // The sequencer includes every valid transaction in its own block: a tip buys nothing.
    eth_maxPriorityFeePerGas: async () => "0x0",
    // Next base fee plus one 12.5 % base-fee step, so a legacy transaction priced now stays valid.
    eth_gasPrice: async () => {
      const baseFee = nextBaseFee();
      return quantity(baseFee + baseFee / 8n + 1n);
    },

    eth_getBalance: ([address, block]) => {
      const account = new Address(parseAddress(address, "address"));
      return readState(parseBlockRef(block), async (current, at) =>
        quantity((await (await stateAt(current, at)).getAccount(account))?.balance ?? 0n),
      );
    },
    eth_getTransactionCount: ([address, block]) => {
      const account = new Address(parseAddress(address, "address"));
      return readState(parseBlockRef(block), async (current, at) =>
        quantity((await (await stateAt(current, at)).getAccount(account))?.nonce ?? 0n),
      );
    },
    eth_getCode: ([address, block]) => {
      const account = new Address(parseAddress(address, "address"));
      return readState(parseBlockRef(block), async (current, at) =>
        bytesToHex(await (await stateAt(current, at)).getCode(account)),
      );
    },
    eth_getStorageAt: ([address, slot, block]) => {
      const account = new Address(parseAddress(address, "address"));
      const position = parseQuantity(slot, "slot");
      if (position >= 1n << 256n) throw invalidParams("invalid slot: more than 32 bytes");
      const key = setLengthLeft(bigIntToBytes(position), 32);
      return readState(parseBlockRef(block), async (current, at) =>
        storageWord(await stateAt(current, at), account, key),
      );
    },

    eth_call: ([call, block]) => {
      const params = parseCallParams(call);
      const pending = block === "pending";
      return readState(parseBlockRef(block), async (current, at) =>
        bytesToHex(await callAt(current, params, at, pending, sequencer.blockGasLimit)),
      );
    },
    eth_estimateGas: ([call]) => {
      const params = parseCallParams(call);
      return sequencer.exclusive(async (current) =>
        quantity(await estimateGas(current, params, sequencer.blockGasLimit)),
      );
    },
    eth_sendRawTransaction: async ([raw]) =>
      bytesToHex(await sequencer.sendRawTransaction(parseHexBytes(raw, "transaction"))),

    eth_getBlockByNumber: ([block, full]) => formatBlockAt(parseBlockRef(block), fullTransactionsFlag(full)),
    eth_getBlockByHash: ([hash, full]) =>
      formatBlockAt({ hash: parseHash(hash, "block hash") }, fullTransactionsFlag(full)),
    eth_getBlockTransactionCountByNumber: ([block]) => countAt(parseBlockRef(block)),
    eth_getBlockTransactionCountByHash: ([hash]) => countAt({ hash: parseHash(hash, "block hash") }),

    eth_getTransactionByHash: async ([hash]) => {
      const current = engine();
      const txHash = parseHash(hash, "transaction hash");
      const found = await findMinedTransaction(level, txHash, current.head.header.number);
      if (found === undefined) return null;
      const block = await blockByNumber(current, found.blockNumber);
      const tx = block?.transactions[found.txIndex];
      if (block === undefined || tx === undefined) return null;
      return formatTransaction(tx, { block, index: found.txIndex, receipt: found.receipt });
    },
    eth_getTransactionReceipt: async ([hash]) => {
      const txHash = parseHash(hash, "transaction hash");
      const found = await findMinedTransaction(level, txHash, engine().head.header.number);
      if (found === undefined) return null;
      const { blockNumber, blockHash, txIndex } = found;
      const logs = locateReceiptLogs(found.receipts, txIndex, blockNumber, blockHash);
      return formatReceipt(found.receipt, { blockNumber, blockHash, index: txIndex }, logs);
    },

    eth_getLogs: async ([value]) => {
      const filter = parseLogFilter(value);
      const current = engine();
      const head = current.head.header.number;
      let fromBlock: bigint;
      let toBlock: bigint;
      if ("blockHash" in filter) {
        const block = await blockByHash(current, filter.blockHash);
        if (block === undefined) throw notFound("unknown block");
        fromBlock = toBlock = block.header.number;
      } else {
        fromBlock = filter.fromBlock === "latest" ? head : filter.fromBlock;
        toBlock = filter.toBlock === "latest" || filter.toBlock > head ? head : filter.toBlock;
        if (fromBlock > head) return [];
        if (fromBlock > toBlock)
          throw invalidParams("invalid block range params: fromBlock is after toBlock");
      }
      const logs = await queryLogs(
        level,
        { fromBlock, toBlock, addresses: filter.addresses, topics: filter.topics },
        MAX_LOGS_PER_QUERY,
        () =>
          new ProviderRpcError(
            RpcErrorCode.LimitExceeded,
            `query returned more than ${MAX_LOGS_PER_QUERY} results; narrow the block range`,
          ),
      );
      return logs.map(formatLog);
    },

    eth_feeHistory: async ([count, newest, percentiles]) => {
      const current = engine();
      const blockCount = typeof count === "number" ? BigInt(count) : parseQuantity(count, "blockCount");
      const last = await requireBlock(current, parseBlockRef(newest, "newestBlock"));
      const span = blockCount > MAX_FEE_HISTORY_BLOCKS ? MAX_FEE_HISTORY_BLOCKS : blockCount;
      const first = last.header.number - span + 1n > 0n ? last.header.number - span + 1n : 0n;
      const rewardPercentiles = parsePercentiles(percentiles);
      const baseFeePerGas: string[] = [];
      const baseFeePerBlobGas: string[] = [];
      const gasUsedRatio: number[] = [];
      const blobGasUsedRatio: number[] = [];
      const reward: string[][] = [];
      for (let n = first; span > 0n && n <= last.header.number; n++) {
        const block = await blockByNumber(current, n);
        if (block === undefined) break;
        const h = block.header;
        baseFeePerGas.push(quantity(h.baseFeePerGas ?? 0n));
        baseFeePerBlobGas.push(quantity(h.getBlobGasPrice()));
        gasUsedRatio.push(Number(h.gasUsed) / Number(h.gasLimit));
        blobGasUsedRatio.push(0);
        if (rewardPercentiles !== undefined) {
          const receipts = (await readBlockReceipts(level, n))?.receipts ?? [];
          reward.push(blockRewards(receipts, h.baseFeePerGas ?? 0n, rewardPercentiles));
        }
      }
      baseFeePerGas.push(quantity(last.header.calcNextBaseFee()));
      baseFeePerBlobGas.push(quantity(last.header.getBlobGasPrice()));
      return {
        oldestBlock: quantity(first),
        baseFeePerGas,
        baseFeePerBlobGas,
        gasUsedRatio,
        blobGasUsedRatio,
        ...(rewardPercentiles === undefined ? {} : { reward }),
      };
    },
  };
}

function parsePercentiles(value: unknown): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParams("invalid rewardPercentiles: expected an array");
  let previous = 0;
  return value.map((p) => {
    if (typeof p !== "number" || p < previous || p > 100) {
      throw invalidParams("invalid rewardPercentiles: expected increasing numbers between 0 and 100");
    }
    previous = p;
    return p;
  });
}

/** Priority fee at each percentile of the block's gas, as in geth's fee history oracle. */
function blockRewards(receipts: StoredReceipt[], baseFee: bigint, percentiles: number[]): string[] {
  if (receipts.length === 0) return percentiles.map(() => "0x0");
  const tips = receipts
    .map((r) => ({ tip: r.effectiveGasPrice - baseFee, gas: r.gasUsed }))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  const total = tips.reduce((sum, t) => sum + t.gas, 0n);
  return percentiles.map((p) => {
    const threshold = (total * BigInt(Math.round(p * 100))) / 10_000n;
    let sum = 0n;
    for (const t of tips) {
      sum += t.gas;
      if (sum >= threshold) return quantity(t.tip);
    }
    return quantity(tips[tips.length - 1]?.tip ?? 0n);
  });
}
