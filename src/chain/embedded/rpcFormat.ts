import type { Block } from "@ethereumjs/block";
import { Capability, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { Hex } from "viem";
import type { LocatedLog, StoredReceipt } from "./receiptStore.js";
import { invalidParams, parseHexBytes } from "./rpcErrors.js";

/** JSON-RPC quantity: `0x`-prefixed hex without leading zeros (EIP-1474). */
export function quantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`;
}

/** Parses a JSON-RPC quantity (hex string; plain non-negative integers are tolerated). */
export function parseQuantity(value: unknown, field: string): bigint {
  if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "bigint" && value >= 0n) return value;
  throw invalidParams(`invalid ${field}: expected a hex quantity`);
}

/** Parses a 20-byte address. */
export function parseAddress(value: unknown, field: string): Uint8Array {
  const bytes = parseHexBytes(value, field);
  if (bytes.length !== 20) throw invalidParams(`invalid ${field}: expected a 20-byte address`);
  return bytes;
}

/** Parses a 32-byte hash. */
export function parseHash(value: unknown, field: string): Uint8Array {
  const bytes = parseHexBytes(value, field);
  if (bytes.length !== 32) throw invalidParams(`invalid ${field}: expected a 32-byte hash`);
  return bytes;
}

/** A block named by a request: a tag resolved against the head, a number, or a hash (EIP-1898). */
export type BlockRef = { number: bigint } | { hash: Uint8Array } | "latest";

/**
 * Parses a block parameter: `latest`, `pending`, `safe`, `finalized` (all the head: blocks are final as soon
 * as mined), `earliest`, a hex number, or an EIP-1898 object `{ blockNumber }` / `{ blockHash }`.
 */
export function parseBlockRef(value: unknown, field = "block"): BlockRef {
  if (value === undefined || value === null) return "latest";
  if (typeof value === "string") {
    switch (value) {
      case "latest":
      case "pending":
      case "safe":
      case "finalized":
        return "latest";
      case "earliest":
        return { number: 0n };
    }
    return { number: parseQuantity(value, field) };
  }
  if (typeof value === "object") {
    const object = value as { blockNumber?: unknown; blockHash?: unknown };
    if (object.blockHash !== undefined) return { hash: parseHash(object.blockHash, `${field}.blockHash`) };
    if (object.blockNumber !== undefined) return parseBlockRef(object.blockNumber, `${field}.blockNumber`);
  }
  throw invalidParams(`invalid ${field}: expected a block number, tag or hash`);
}

/** Price per gas the sender actually paid (EIP-1559 §"effective gas price"). */
export function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint): bigint {
  return tx.supports(Capability.EIP1559FeeMarket)
    ? baseFee + tx.getEffectivePriorityFee(baseFee)
    : (tx as { gasPrice: bigint }).gasPrice;
}

type TxPosition = { block: Block; index: number; receipt: StoredReceipt | undefined };

/** Transaction object as returned by `eth_getTransactionByHash` and full blocks (geth field set). */
export function formatTransaction(tx: TypedTransaction, position: TxPosition): Record<string, unknown> {
  const { block, index, receipt } = position;
  const baseFee = block.header.baseFeePerGas ?? 0n;
  const out: Record<string, unknown> = {
    blockHash: bytesToHex(block.hash()),
    blockNumber: quantity(block.header.number),
    from: receipt === undefined ? tx.getSenderAddress().toString() : bytesToHex(receipt.from),
    gas: quantity(tx.gasLimit),
    gasPrice: quantity(effectiveGasPrice(tx, baseFee)),
    hash: bytesToHex(tx.hash()),
    input: bytesToHex(tx.data),
    nonce: quantity(tx.nonce),
    to: tx.to === undefined ? null : tx.to.toString(),
    transactionIndex: quantity(index),
    value: quantity(tx.value),
    type: quantity(tx.type),
  };
  if (tx.supports(Capability.EIP1559FeeMarket)) {
    const fees = tx as unknown as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    out.maxFeePerGas = quantity(fees.maxFeePerGas);
    out.maxPriorityFeePerGas = quantity(fees.maxPriorityFeePerGas);
  }
  if (tx.supports(Capability.EIP2930AccessLists)) {
    const accessList = (tx as unknown as { accessList: [Uint8Array, Uint8Array[]][] }).accessList;
    out.accessList = accessList.map(([address, keys]) => ({
      address: bytesToHex(address),
      storageKeys: keys.map((key) => bytesToHex(key)),
    }));
    out.chainId = quantity((tx as unknown as { chainId: bigint }).chainId);
    out.yParity = quantity(tx.v ?? 0n);
  } else if ((tx.v ?? 0n) >= 35n) {
    out.chainId = quantity(((tx.v ?? 0n) - 35n) / 2n);
  }
  out.v = quantity(tx.v ?? 0n);
  out.r = quantity(tx.r ?? 0n);
  out.s = quantity(tx.s ?? 0n);
  return out;
}

/** Block object of `eth_getBlockByNumber` / `eth_getBlockByHash`, with hashes or full transactions. */
export function formatBlock(
  block: Block,
  receipts: StoredReceipt[],
  fullTransactions: boolean,
): Record<string, unknown> {
  const h = block.header;
  const out: Record<string, unknown> = {
    number: quantity(h.number),
    hash: bytesToHex(block.hash()),
    parentHash: bytesToHex(h.parentHash),
    nonce: bytesToHex(h.nonce),
    mixHash: bytesToHex(h.mixHash),
    sha3Uncles: bytesToHex(h.uncleHash),
    logsBloom: bytesToHex(h.logsBloom),
    transactionsRoot: bytesToHex(h.transactionsTrie),
    stateRoot: bytesToHex(h.stateRoot),
    receiptsRoot: bytesToHex(h.receiptTrie),
    miner: h.coinbase.toString(),
    difficulty: quantity(h.difficulty),
    totalDifficulty: quantity(h.difficulty),
    extraData: bytesToHex(h.extraData),
    size: quantity(block.serialize().length),
    gasLimit: quantity(h.gasLimit),
    gasUsed: quantity(h.gasUsed),
    timestamp: quantity(h.timestamp),
    transactions: block.transactions.map((tx, index) =>
      fullTransactions
        ? formatTransaction(tx, { block, index, receipt: receipts[index] })
        : bytesToHex(tx.hash()),
    ),
    uncles: [],
  };
  if (h.baseFeePerGas !== undefined) out.baseFeePerGas = quantity(h.baseFeePerGas);
  if (h.withdrawalsRoot !== undefined) {
    out.withdrawalsRoot = bytesToHex(h.withdrawalsRoot);
    out.withdrawals = [];
  }
  if (h.blobGasUsed !== undefined) out.blobGasUsed = quantity(h.blobGasUsed);
  if (h.excessBlobGas !== undefined) out.excessBlobGas = quantity(h.excessBlobGas);
  if (h.parentBeaconBlockRoot !== undefined) out.parentBeaconBlockRoot = bytesToHex(h.parentBeaconBlockRoot);
  return out;
}

/** Log object of receipts and `eth_getLogs`. */
export function formatLog(log: LocatedLog): Record<string, unknown> {
  return {
    address: bytesToHex(log.address),
    topics: log.topics.map((topic) => bytesToHex(topic)),
    data: bytesToHex(log.data),
    blockNumber: quantity(log.blockNumber),
    blockHash: bytesToHex(log.blockHash),
    transactionHash: bytesToHex(log.txHash),
    transactionIndex: quantity(log.txIndex),
    logIndex: quantity(log.logIndex),
    removed: false,
  };
}

/** Receipt object of `eth_getTransactionReceipt`. */
export function formatReceipt(
  receipt: StoredReceipt,
  position: { blockNumber: bigint; blockHash: Uint8Array; index: number },
  logs: LocatedLog[],
): Record<string, unknown> {
  return {
    transactionHash: bytesToHex(receipt.txHash),
    transactionIndex: quantity(position.index),
    blockHash: bytesToHex(position.blockHash),
    blockNumber: quantity(position.blockNumber),
    from: bytesToHex(receipt.from),
    to: receipt.to.length === 0 ? null : bytesToHex(receipt.to),
    cumulativeGasUsed: quantity(receipt.cumulativeGasUsed),
    gasUsed: quantity(receipt.gasUsed),
    contractAddress: receipt.contractAddress.length === 0 ? null : bytesToHex(receipt.contractAddress),
    logs: logs.map(formatLog),
    logsBloom: bytesToHex(receipt.logsBloom),
    type: quantity(receipt.type),
    status: quantity(receipt.status),
    effectiveGasPrice: quantity(receipt.effectiveGasPrice),
  };
}
