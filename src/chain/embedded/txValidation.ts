import type { Common } from "@ethereumjs/common";
import type { MerkleStateManager } from "@ethereumjs/statemanager";
import { Capability, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { type Address, bytesToBigInt, KECCAK256_NULL } from "@ethereumjs/util";
import { fromRlp } from "viem";
import { invalidParams, rejected } from "./rpcErrors.js";

/** Transaction types this chain mines: legacy, EIP-2930 and EIP-1559 (no blobs: there is no KZG setup). */
const SUPPORTED_TYPES = new Set([0, 1, 2]);

function chainIdOf(raw: Uint8Array): { type: number; chainId: bigint | undefined } {
  const first = raw[0] ?? 0;
  if (first >= 0xc0) {
    // Legacy: [nonce, gasPrice, gas, to, value, data, v, r, s]; EIP-155 puts the chain id into v.
    const fields = fromRlp(raw, "bytes") as unknown[];
    const v = fields[6];
    if (!(v instanceof Uint8Array)) throw invalidParams("invalid transaction: malformed legacy transaction");
    const value = bytesToBigInt(v);
    return { type: 0, chainId: value >= 35n ? (value - 35n) / 2n : undefined };
  }
  if (!SUPPORTED_TYPES.has(first)) {
    throw rejected(`transaction type not supported: type ${first} (this chain accepts types 0, 1 and 2)`);
  }
  const fields = fromRlp(raw.subarray(1), "bytes") as unknown[];
  const chainId = fields[0];
  if (!(chainId instanceof Uint8Array))
    throw invalidParams("invalid transaction: malformed typed transaction");
  return { type: first, chainId: bytesToBigInt(chainId) };
}

/**
 * Decodes a signed raw transaction for this chain. Refuses, with a message saying what is wrong, a
 * transaction that does not decode, is for another chain id, has an unsupported type or a bad signature.
 * The sender is not recovered here (see `senderRecovery.ts`).
 */
export function decodeRawTransaction(raw: Uint8Array, common: Common): TypedTransaction {
  if (raw.length === 0) throw invalidParams("invalid transaction: empty");
  let chainId: bigint | undefined;
  try {
    chainId = chainIdOf(raw).chainId;
  } catch (error) {
    if (error instanceof Error && "code" in error) throw error;
    throw invalidParams(`invalid transaction: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (chainId !== undefined && chainId !== common.chainId()) {
    throw rejected(
      `invalid chain id: transaction is for chain ${chainId}, this chain is ${common.chainId()}`,
    );
  }
  try {
    return createTxFromRLP(raw, { common });
  } catch (error) {
    throw invalidParams(`invalid transaction: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The most the sender may pay per gas. */
export function maxFeePerGas(tx: TypedTransaction): bigint {
  return tx.supports(Capability.EIP1559FeeMarket)
    ? (tx as unknown as { maxFeePerGas: bigint }).maxFeePerGas
    : (tx as unknown as { gasPrice: bigint }).gasPrice;
}

/**
 * Checks a transaction against the state it will be mined on, with geth's messages (which viem maps to
 * `NonceTooLowError`, `InsufficientFundsError`, `FeeCapTooLowError`, ...). Without these checks the VM
 * would refuse the transaction anyway, with less helpful messages.
 */
export async function checkTransactionAgainstState(
  tx: TypedTransaction,
  from: Address,
  context: { stateManager: MerkleStateManager; baseFee: bigint; blockGasLimit: bigint },
): Promise<void> {
  const account = await context.stateManager.getAccount(from);
  const nonce = account?.nonce ?? 0n;
  if (tx.nonce < nonce) throw rejected(`nonce too low: next nonce ${nonce}, tx nonce ${tx.nonce}`);
  if (tx.nonce > nonce) {
    throw rejected(
      `nonce too high: next nonce ${nonce}, tx nonce ${tx.nonce} (this chain mines each transaction when it arrives and keeps no queue of future nonces)`,
    );
  }
  const intrinsic = tx.getIntrinsicGas();
  if (tx.gasLimit < intrinsic) {
    throw rejected(`intrinsic gas too low: gas ${tx.gasLimit}, minimum needed ${intrinsic}`);
  }
  if (tx.gasLimit > context.blockGasLimit) {
    throw rejected(`exceeds block gas limit: gas ${tx.gasLimit}, block gas limit ${context.blockGasLimit}`);
  }
  const feeCap = maxFeePerGas(tx);
  if (feeCap < context.baseFee) {
    throw rejected(
      `max fee per gas less than block base fee: address ${from}, maxFeePerGas: ${feeCap}, baseFee: ${context.baseFee}`,
    );
  }
  const cost = tx.gasLimit * feeCap + tx.value;
  const balance = account?.balance ?? 0n;
  if (balance < cost) {
    throw rejected(
      `insufficient funds for gas * price + value: address ${from} have ${balance} want ${cost}`,
    );
  }
  if (account !== undefined && !equalBytes(account.codeHash, KECCAK256_NULL)) {
    throw rejected(`sender not an eoa: address ${from} has code (EIP-3607)`);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
