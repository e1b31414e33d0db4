import { ContractFunctionRevertedError, ExecutionRevertedError, BaseError as ViemBaseError } from "viem";
import { BaseError } from "../core/errors.js";
import type { Batch } from "./batchStore.js";

const u64Limit = 2n ** 64n;

/**
 * Why a batch cannot be anchored at all: a key or figure outside the MeterAnchor contract's types
 * (`uint64 intervalStart`, `uint16 part`, `uint32 leafCount`, `uint64` totals). Only readings stored
 * before ingest checked the valid ranges (or written to the database by hand) can give such a batch.
 */
export function outOfContractRange(batch: Batch): string | undefined {
  if (batch.intervalStart < 0n || batch.intervalStart >= u64Limit) {
    return `intervalStart ${batch.intervalStart} is outside the contract's uint64`;
  }
  if (batch.part < 0 || batch.part > 0xffff) return `part ${batch.part} is outside the contract's uint16`;
  if (batch.commodity < 0 || batch.commodity > 0xff) {
    return `commodity ${batch.commodity} is outside the contract's uint8`;
  }
  if (batch.leafCount < 1 || batch.leafCount > 0xffff_ffff) {
    return `leafCount ${batch.leafCount} is outside the contract's uint32`;
  }
  for (const [name, total] of [
    ["importTotal", batch.importTotal],
    ["exportTotal", batch.exportTotal],
  ] as const) {
    if (total < 0n || total >= u64Limit) return `${name} ${total} is outside the contract's uint64`;
  }
  return undefined;
}

/** viem's errors for arguments its ABI encoder cannot encode: the call never reaches the chain. */
const encodingErrors = new Set([
  "IntegerOutOfRangeError",
  "SizeOverflowError",
  "InvalidAddressError",
  "AbiEncodingLengthMismatchError",
  "AbiEncodingArrayLengthMismatchError",
  "AbiEncodingBytesSizeMismatchError",
]);

/**
 * True when an anchoring transaction failed because the chain (or the ABI encoder) refuses its
 * content: a revert in `eth_estimateGas` or on chain, decoded or not. Sending it again cannot help.
 * False for a transient failure (chain unreachable, timeout, node error): retry later.
 */
export function isChainRefusal(error: unknown): boolean {
  if (error instanceof BaseError) {
    if (error.code === "CHAIN_TX_REVERTED" || error.code === "CHAIN_REVERTED") return true;
    if (error.code !== "CHAIN_REQUEST_FAILED" && error.code !== "CHAIN_UNREACHABLE") {
      // A decoded custom error of a contract (METER_ANCHOR_…): a named refusal.
      return error.cause instanceof ViemBaseError;
    }
    return isChainRefusal(error.cause);
  }
  if (!(error instanceof ViemBaseError)) return false;
  const found = error.walk(
    (e) =>
      e instanceof ContractFunctionRevertedError ||
      e instanceof ExecutionRevertedError ||
      (e instanceof Error && encodingErrors.has(e.name)),
  );
  return found !== null;
}

/** A short reason for an operator: the decoded refusal's code and message. */
export function refusalReason(error: unknown): string {
  if (error instanceof BaseError) return `${error.code}: ${error.message}`;
  if (error instanceof ViemBaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}
