import { type Block, createBlock, createBlockFromRLP, paramsBlock } from "@ethereumjs/block";
import { type Blockchain, createBlockchain } from "@ethereumjs/blockchain";
import {
  type Common,
  type CustomCrypto,
  createCustomCommon,
  Hardfork,
  Mainnet,
  type ParamsDict,
} from "@ethereumjs/common";
import { paramsEVM } from "@ethereumjs/evm";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { paramsTx } from "@ethereumjs/tx";
import {
  Address,
  bytesToUtf8,
  createAccount,
  hexToBytes,
  KECCAK256_RLP,
  utf8ToBytes,
} from "@ethereumjs/util";
import { createVM, paramsVM, type VM } from "@ethereumjs/vm";
import { BaseError } from "../../core/errors.js";
import { createBlockchainDb, createStateDb, Table, tableKey, type WriteBuffer } from "./levelStore.js";
import { deleteRecordsAbove, readBlockReceipts } from "./receiptStore.js";

/** Initial EIP-1559 base fee of the genesis block (1 gwei, as on mainnet at London). */
export const GENESIS_BASE_FEE = 1_000_000_000n;

const META_CHAIN_ID = tableKey(Table.Meta, utf8ToBytes("chainId"));
const META_GENESIS = tableKey(Table.Meta, utf8ToBytes("genesis"));
const META_TIME_OFFSET = tableKey(Table.Meta, utf8ToBytes("timeOffset"));

/** Account funded in the genesis block. */
export type GenesisAccount = { address: `0x${string}`; balance: bigint };

/** The EthereumJS objects of an open chain, all writing into one {@link WriteBuffer}. */
export type ChainEngine = {
  common: Common;
  blockchain: Blockchain;
  stateManager: MerkleStateManager;
  vm: VM;
  /** Canonical head; only replaced after the block is committed to disk. */
  head: Block;
  /** Seconds added to the wall clock for block timestamps (`evm_increaseTime`). */
  timeOffset: bigint;
};

/**
 * Common for a private chain with every fork up to Cancun active from genesis (so no fork transition can
 * ever happen at some future block number) and a custom chain id.
 */
export function createChainCommon(chainId: number, customCrypto: CustomCrypto = {}): Common {
  const byBlock = [
    Hardfork.Chainstart,
    Hardfork.Homestead,
    Hardfork.TangerineWhistle,
    Hardfork.SpuriousDragon,
    Hardfork.Byzantium,
    Hardfork.Constantinople,
    Hardfork.Petersburg,
    Hardfork.Istanbul,
    Hardfork.MuirGlacier,
    Hardfork.Berlin,
    Hardfork.London,
    Hardfork.Paris,
  ].map((name) => ({ name, block: 0 }));
  const common = createCustomCommon(
    {
      name: "gridledger-embedded",
      chainId,
      consensus: { type: "pos", algorithm: "casper" },
      hardforks: [
        ...byBlock,
        { name: Hardfork.Shanghai, block: null, timestamp: 0 },
        { name: Hardfork.Cancun, block: null, timestamp: 0 },
      ],
    },
    Mainnet,
    { hardfork: Hardfork.Cancun, customCrypto },
  );
  return withMemoizedParams(common, [paramsBlock, paramsTx, paramsEVM, paramsVM]);
}

/**
 * Every block header, transaction, EVM and VM copies the Common and merges its package's parameter
 * dictionary into it again, rebuilding the parameter cache each time (about a millisecond per header on
 * this class of machine, several per mined block). The dictionaries are merged once here; copies share
 * the merged parameters (`Common.copy` is shallow), so merging the same dictionary again is skipped.
 */
function withMemoizedParams(common: Common, dictionaries: ParamsDict[]): Common {
  for (const params of dictionaries) common.updateParams(params);
  const merged = new Set<ParamsDict>(dictionaries);
  const updateParams = common.updateParams;
  common.updateParams = function (this: Common, params: ParamsDict) {
    if (!merged.has(params)) updateParams.call(this, params);
  };
  return common;
}

function createStateManager(common: Common, buffer: WriteBuffer): MerkleStateManager {
  const trie = new MerklePatriciaTrie({
    db: createStateDb(buffer),
    useKeyHashing: true,
    valueEncoding: "view",
    cacheSize: 50_000,
    common,
  });
  return new MerkleStateManager({ common, trie, caches: new Caches() });
}

async function createGenesis(
  common: Common,
  stateManager: MerkleStateManager,
  accounts: GenesisAccount[],
  gasLimit: bigint,
): Promise<Block> {
  for (const { address, balance } of accounts) {
    await stateManager.putAccount(new Address(hexToBytes(address)), createAccount({ balance }));
  }
  const stateRoot = await stateManager.getStateRoot();
  return createBlock(
    {
      header: {
        number: 0n,
        gasLimit,
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
        baseFeePerGas: GENESIS_BASE_FEE,
        stateRoot,
        extraData: utf8ToBytes("gridledger"),
        withdrawalsRoot: KECCAK256_RLP,
      },
      withdrawals: [],
    },
    { common },
  );
}

/**
 * Opens the chain kept in `buffer`'s LevelDB, creating it (genesis block and accounts) when empty.
 * On open the head is checked and repaired: a head whose receipts or state are missing is dropped, and
 * receipts and log indexes of blocks above the head are removed. Writes go through `buffer` and are
 * committed before returning.
 */
export async function openChainEngine(
  buffer: WriteBuffer,
  options: {
    chainId: number;
    genesisAccounts: GenesisAccount[];
    blockGasLimit: bigint;
    customCrypto?: CustomCrypto;
  },
): Promise<ChainEngine> {
  const common = createChainCommon(options.chainId, options.customCrypto);
  const stateManager = createStateManager(common, buffer);
  const storedChainId = await buffer.get(META_CHAIN_ID);
  let genesis: Block;
  if (storedChainId === undefined) {
    genesis = await createGenesis(common, stateManager, options.genesisAccounts, options.blockGasLimit);
    buffer.put(META_GENESIS, genesis.serialize());
    buffer.put(META_CHAIN_ID, utf8ToBytes(String(options.chainId)));
  } else {
    const chainId = Number(bytesToUtf8(storedChainId));
    if (chainId !== options.chainId) {
      throw new BaseError(
        "CHAIN_ID_MISMATCH",
        `the chain in this data directory has chain id ${chainId}, not ${options.chainId}`,
        { details: { storedChainId: chainId, requestedChainId: options.chainId } },
      );
    }
    const rawGenesis = await buffer.get(META_GENESIS);
    if (rawGenesis === undefined) throw corrupt("genesis block record is missing");
    genesis = createBlockFromRLP(rawGenesis, { common });
  }
  const blockchain = await createBlockchain({
    db: createBlockchainDb(buffer),
    common,
    genesisBlock: genesis,
    // Blocks are produced here, one per transaction, possibly within the same second as their parent:
    // header validation (strictly increasing timestamps) and consensus checks do not apply.
    validateBlocks: false,
    validateConsensus: false,
    hardforkByHeadBlockNumber: false,
  });
  const head = await repairHead(buffer, blockchain, stateManager);
  await stateManager.setStateRoot(head.header.stateRoot);
  const vm = await createVM({ common, stateManager, blockchain });
  const offset = await buffer.get(META_TIME_OFFSET);
  return {
    common,
    blockchain,
    stateManager,
    vm,
    head,
    timeOffset: offset === undefined ? 0n : BigInt(bytesToUtf8(offset)),
  };
}

async function repairHead(
  buffer: WriteBuffer,
  blockchain: Blockchain,
  stateManager: MerkleStateManager,
): Promise<Block> {
  let head = await blockchain.getCanonicalHeadBlock();
  const droppedTxHashes: Uint8Array[] = [];
  // Every block is committed with its state and receipts in one atomic batch, so this loop only runs on
  // a data directory damaged some other way; it walks back to the newest complete block.
  while (head.header.number > 0n) {
    const receipts = await readBlockReceipts(buffer.level, head.header.number);
    const complete =
      receipts !== undefined &&
      receipts.receipts.length === head.transactions.length &&
      (await stateManager.hasStateRoot(head.header.stateRoot));
    if (complete) break;
    for (const tx of head.transactions) droppedTxHashes.push(tx.hash());
    await blockchain.delBlock(head.hash());
    head = await blockchain.getCanonicalHeadBlock();
  }
  await deleteRecordsAbove(buffer, head.header.number, droppedTxHashes);
  await buffer.commit();
  return head;
}

function corrupt(message: string): BaseError {
  return new BaseError("CHAIN_DATA_CORRUPT", `chain data directory is damaged: ${message}`);
}

/** Persists the block time offset used by `evm_increaseTime`. */
export async function saveTimeOffset(buffer: WriteBuffer, offset: bigint): Promise<void> {
  buffer.put(META_TIME_OFFSET, utf8ToBytes(offset.toString()));
  await buffer.commit();
}

/** Timestamp for the next block: wall clock plus offset, never below the parent's (equal is allowed). */
export function nextTimestamp(engine: ChainEngine): bigint {
  const now = BigInt(Math.floor(Date.now() / 1000)) + engine.timeOffset;
  return now > engine.head.header.timestamp ? now : engine.head.header.timestamp;
}
