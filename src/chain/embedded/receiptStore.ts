import { bigIntToUnpaddedBytes, bytesToBigInt, bytesToInt, intToUnpaddedBytes } from "@ethereumjs/util";
import { fromRlp, toRlp } from "viem";
import {
  type ChainLevel,
  readUint32,
  readUint64,
  Table,
  tableKey,
  uint32Key,
  uint64Key,
  type WriteBuffer,
} from "./levelStore.js";

/** A log as emitted by the EVM. */
export type RawLog = { address: Uint8Array; topics: Uint8Array[]; data: Uint8Array };

/** What the chain keeps about a mined transaction beyond the block itself. */
export type StoredReceipt = {
  txHash: Uint8Array;
  from: Uint8Array;
  /** Empty for contract creation. */
  to: Uint8Array;
  type: number;
  status: 0 | 1;
  cumulativeGasUsed: bigint;
  gasUsed: bigint;
  /** Empty unless the transaction created a contract. */
  contractAddress: Uint8Array;
  effectiveGasPrice: bigint;
  logsBloom: Uint8Array;
  logs: RawLog[];
};

/** A log with its position in the chain, as returned by `eth_getLogs` and in receipts. */
export type LocatedLog = RawLog & {
  blockNumber: bigint;
  blockHash: Uint8Array;
  txHash: Uint8Array;
  txIndex: number;
  logIndex: number;
};

type Rlp = Uint8Array | Rlp[];

function encodeReceipt(r: StoredReceipt): Rlp {
  return [
    r.txHash,
    r.from,
    r.to,
    intToUnpaddedBytes(r.type),
    intToUnpaddedBytes(r.status),
    bigIntToUnpaddedBytes(r.cumulativeGasUsed),
    bigIntToUnpaddedBytes(r.gasUsed),
    r.contractAddress,
    bigIntToUnpaddedBytes(r.effectiveGasPrice),
    r.logsBloom,
    r.logs.map((log) => [log.address, log.topics, log.data]),
  ];
}

function asBytes(value: Rlp | undefined): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error("corrupt receipt record");
  return value;
}

function asList(value: Rlp | undefined): Rlp[] {
  if (!Array.isArray(value)) throw new Error("corrupt receipt record");
  return value;
}

function decodeReceipt(fields: Rlp[]): StoredReceipt {
  return {
    txHash: asBytes(fields[0]),
    from: asBytes(fields[1]),
    to: asBytes(fields[2]),
    type: bytesToInt(asBytes(fields[3])),
    status: bytesToInt(asBytes(fields[4])) === 1 ? 1 : 0,
    cumulativeGasUsed: bytesToBigInt(asBytes(fields[5])),
    gasUsed: bytesToBigInt(asBytes(fields[6])),
    contractAddress: asBytes(fields[7]),
    effectiveGasPrice: bytesToBigInt(asBytes(fields[8])),
    logsBloom: asBytes(fields[9]),
    logs: asList(fields[10]).map((log) => {
      const [address, topics, data] = asList(log);
      return { address: asBytes(address), topics: asList(topics).map(asBytes), data: asBytes(data) };
    }),
  };
}

/**
 * Buffers the receipts, transaction index and log index of one block into `buffer`, to be committed in the
 * same batch as the block and its state.
 */
export function putBlockReceipts(
  buffer: WriteBuffer,
  blockNumber: bigint,
  blockHash: Uint8Array,
  receipts: StoredReceipt[],
): void {
  const number = uint64Key(blockNumber);
  buffer.put(
    tableKey(Table.Receipts, number),
    toRlp([blockHash, receipts.map(encodeReceipt)] as never, "bytes"),
  );
  let logIndex = 0;
  receipts.forEach((receipt, txIndex) => {
    buffer.put(tableKey(Table.TxIndex, receipt.txHash), new Uint8Array([...number, ...uint32Key(txIndex)]));
    for (const log of receipt.logs) {
      const position = uint32Key(logIndex++);
      buffer.put(
        tableKey(Table.Logs, number, position),
        toRlp([log.address, log.topics, log.data, uint32Key(txIndex), receipt.txHash, blockHash], "bytes"),
      );
      buffer.put(tableKey(Table.LogsByAddress, log.address, number, position), new Uint8Array(0));
    }
  });
}

/**
 * Buffers the deletion of every receipt, transaction-index and log record of blocks above `head`, plus the
 * index entries of `droppedTxHashes` (transactions of dropped blocks whose receipts may be missing).
 * Used on open, after the head was moved back, so that no record outlives its block.
 */
export async function deleteRecordsAbove(
  buffer: WriteBuffer,
  head: bigint,
  droppedTxHashes: Uint8Array[],
): Promise<void> {
  const level = buffer.level;
  const from = uint64Key(head + 1n);
  for await (const [key, value] of level.iterator({
    gte: tableKey(Table.Receipts, from),
    lt: tableKey(Table.Receipts + 1),
  })) {
    const [, receipts] = fromRlp(value, "bytes") as Rlp[];
    for (const receipt of asList(receipts)) buffer.del(tableKey(Table.TxIndex, asBytes(asList(receipt)[0])));
    buffer.del(key);
  }
  for (const hash of droppedTxHashes) buffer.del(tableKey(Table.TxIndex, hash));
  for await (const [key, value] of level.iterator({
    gte: tableKey(Table.Logs, from),
    lt: tableKey(Table.Logs + 1),
  })) {
    const [address] = fromRlp(value, "bytes") as Rlp[];
    buffer.del(tableKey(Table.LogsByAddress, asBytes(address), key.subarray(1)));
    buffer.del(key);
  }
}

/**
 * Where a mined transaction is and its block's receipts, or undefined if it is unknown or not at or
 * below `head`. The receipt found must carry the hash asked for, so a stale index entry never answers.
 */
export async function findMinedTransaction(
  level: ChainLevel,
  txHash: Uint8Array,
  head: bigint,
): Promise<
  | {
      blockNumber: bigint;
      txIndex: number;
      blockHash: Uint8Array;
      receipts: StoredReceipt[];
      receipt: StoredReceipt;
    }
  | undefined
> {
  const location = await readTxLocation(level, txHash);
  if (location === undefined || location.blockNumber > head) return undefined;
  const record = await readBlockReceipts(level, location.blockNumber);
  const receipt = record?.receipts[location.txIndex];
  if (record === undefined || receipt === undefined || !equal(receipt.txHash, txHash)) return undefined;
  return { ...location, blockHash: record.blockHash, receipts: record.receipts, receipt };
}

/** Receipts of block `blockNumber` with the block's hash, or undefined if the chain has no such record. */
export async function readBlockReceipts(
  level: ChainLevel,
  blockNumber: bigint,
): Promise<{ blockHash: Uint8Array; receipts: StoredReceipt[] } | undefined> {
  const raw = await level.get(tableKey(Table.Receipts, uint64Key(blockNumber)));
  if (raw === undefined) return undefined;
  const [blockHash, receipts] = fromRlp(raw, "bytes") as Rlp[];
  return { blockHash: asBytes(blockHash), receipts: asList(receipts).map((r) => decodeReceipt(asList(r))) };
}

/** Where a transaction was mined, or undefined if it is unknown. */
export async function readTxLocation(
  level: ChainLevel,
  txHash: Uint8Array,
): Promise<{ blockNumber: bigint; txIndex: number } | undefined> {
  const raw = await level.get(tableKey(Table.TxIndex, txHash));
  if (raw === undefined) return undefined;
  return { blockNumber: readUint64(raw, 0), txIndex: readUint32(raw, 8) };
}

/** Adds block position fields to the logs of one receipt. */
export function locateReceiptLogs(
  receipts: StoredReceipt[],
  txIndex: number,
  blockNumber: bigint,
  blockHash: Uint8Array,
): LocatedLog[] {
  let logIndex = 0;
  for (let i = 0; i < txIndex; i++) logIndex += receipts[i]?.logs.length ?? 0;
  const receipt = receipts[txIndex];
  if (receipt === undefined) return [];
  return receipt.logs.map((log) => ({
    ...log,
    blockNumber,
    blockHash,
    txHash: receipt.txHash,
    txIndex,
    logIndex: logIndex++,
  }));
}

function decodeLog(key: Uint8Array, value: Uint8Array): LocatedLog {
  const [address, topics, data, txIndex, txHash, blockHash] = fromRlp(value, "bytes") as Rlp[];
  return {
    address: asBytes(address),
    topics: asList(topics).map(asBytes),
    data: asBytes(data),
    txIndex: readUint32(asBytes(txIndex), 0),
    txHash: asBytes(txHash),
    blockHash: asBytes(blockHash),
    blockNumber: readUint64(key, 1),
    logIndex: readUint32(key, 9),
  };
}

/** A log filter after parsing: inclusive block range, optional addresses, topic positions (null = any). */
export type LogQuery = {
  fromBlock: bigint;
  toBlock: bigint;
  addresses: Uint8Array[] | undefined;
  topics: Array<Uint8Array[] | null>;
};

function matchesTopics(log: RawLog, topics: LogQuery["topics"]): boolean {
  for (const [position, wanted] of topics.entries()) {
    if (wanted === null) continue;
    const topic = log.topics[position];
    if (topic === undefined) return false;
    if (!wanted.some((w) => equal(w, topic))) return false;
  }
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Logs matching `query`, in chain order. Work is proportional to the logs in the block range (or, with an
 * address filter, to that address's logs in the range): the logs are kept in key ranges sorted by block.
 * Throws `tooMany` when more than `limit` logs match.
 */
export async function queryLogs(
  level: ChainLevel,
  query: LogQuery,
  limit: number,
  tooMany: () => Error,
): Promise<LocatedLog[]> {
  const out: LocatedLog[] = [];
  const from = uint64Key(query.fromBlock);
  const to = uint64Key(query.toBlock + 1n);
  const push = (log: LocatedLog) => {
    if (!matchesTopics(log, query.topics)) return;
    if (out.length >= limit) throw tooMany();
    out.push(log);
  };
  if (query.addresses === undefined) {
    for await (const [key, value] of level.iterator({
      gte: tableKey(Table.Logs, from),
      lt: tableKey(Table.Logs, to),
    })) {
      push(decodeLog(key, value));
    }
    return out;
  }
  for (const address of query.addresses) {
    const keys: Uint8Array[] = [];
    for await (const key of level.keys({
      gte: tableKey(Table.LogsByAddress, address, from),
      lt: tableKey(Table.LogsByAddress, address, to),
    })) {
      keys.push(tableKey(Table.Logs, key.subarray(21)));
    }
    const values = await level.getMany(keys);
    keys.forEach((key, i) => {
      const value = values[i];
      if (value !== undefined) push(decodeLog(key, value));
    });
  }
  if (query.addresses.length > 1) {
    out.sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    );
  }
  return out;
}
