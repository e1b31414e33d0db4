import { type Block, createBlock } from "@ethereumjs/block";
import type { MerkleStateManager } from "@ethereumjs/statemanager";
import { type AccessListBytes, createTx, type TypedTransaction } from "@ethereumjs/tx";
import { Address, bytesToHex, createZeroAddress } from "@ethereumjs/util";
import type { RunTxResult, VM } from "@ethereumjs/vm";
import { runTx } from "@ethereumjs/vm";
import { type ChainEngine, nextTimestamp } from "./chainEngine.js";
import {
  executionReverted,
  firstLine,
  invalidParams,
  ProviderRpcError,
  parseHexBytes,
  RpcErrorCode,
  rejected,
} from "./rpcErrors.js";
import { parseAddress, parseHash, parseQuantity } from "./rpcFormat.js";

/** The transaction-like object of `eth_call` and `eth_estimateGas`. */
export type CallParams = {
  from: Address | undefined;
  to: Address | undefined;
  gas: bigint | undefined;
  gasPrice: bigint | undefined;
  value: bigint;
  data: Uint8Array;
  accessList: AccessListBytes | undefined;
};

/** Parses the call object; `input` wins over `data` when both are given (geth). */
export function parseCallParams(value: unknown): CallParams {
  if (typeof value !== "object" || value === null) throw invalidParams("invalid call: expected an object");
  const call = value as Record<string, unknown>;
  const optional = <T>(field: string, parse: (v: unknown, name: string) => T): T | undefined =>
    call[field] === undefined || call[field] === null ? undefined : parse(call[field], field);
  const input = call.input ?? call.data;
  const accessList = optional("accessList", parseAccessList);
  return {
    from: optional("from", (v, n) => new Address(parseAddress(v, n))),
    to: optional("to", (v, n) => new Address(parseAddress(v, n))),
    gas: optional("gas", parseQuantity),
    gasPrice: optional("gasPrice", parseQuantity) ?? optional("maxFeePerGas", parseQuantity),
    value: optional("value", parseQuantity) ?? 0n,
    data: input === undefined || input === null ? new Uint8Array(0) : parseHexBytes(input, "input"),
    accessList,
  };
}

function parseAccessList(value: unknown, field: string): AccessListBytes {
  if (!Array.isArray(value)) throw invalidParams(`invalid ${field}: expected an array`);
  return value.map((item, i) => {
    const entry = item as { address?: unknown; storageKeys?: unknown };
    const keys = Array.isArray(entry.storageKeys) ? entry.storageKeys : [];
    return [
      parseAddress(entry.address, `${field}[${i}].address`),
      keys.map((key, j) => parseHash(key, `${field}[${i}].storageKeys[${j}]`)),
    ];
  });
}

/** State manager positioned at `block`: the live one for the head, a read-only copy for older blocks. */
export async function stateAt(engine: ChainEngine, block: Block): Promise<MerkleStateManager> {
  if (block.header.number === engine.head.header.number) return engine.stateManager;
  const copy = engine.stateManager.shallowCopy(true);
  await copy.setStateRoot(block.header.stateRoot);
  return copy;
}

async function vmAt(engine: ChainEngine, block: Block): Promise<VM> {
  if (block.header.number === engine.head.header.number) return engine.vm;
  const copy = await engine.vm.shallowCopy(true);
  await copy.stateManager.setStateRoot(block.header.stateRoot);
  return copy;
}

/**
 * Block context of a call: the block itself, or (`pending`) the block that would be mined next. When the
 * caller sets no gas price the base fee is zero, as in geth, so calls need no funds for gas.
 */
function contextBlock(
  engine: ChainEngine,
  base: Block,
  pending: boolean,
  gasPrice: bigint | undefined,
): Block {
  const h = base.header;
  const baseFee = pending ? h.calcNextBaseFee() : (h.baseFeePerGas ?? 0n);
  return createBlock(
    {
      header: {
        parentHash: pending ? base.hash() : h.parentHash,
        number: pending ? h.number + 1n : h.number,
        timestamp: pending ? nextTimestamp(engine) : h.timestamp,
        gasLimit: h.gasLimit,
        coinbase: h.coinbase,
        mixHash: h.mixHash,
        excessBlobGas: h.excessBlobGas,
        baseFeePerGas: gasPrice === undefined || gasPrice < baseFee ? 0n : baseFee,
      },
    },
    { common: engine.common },
  );
}

/** Runs `task` on `vm` and throws away every state change it made. */
async function withDiscardedState<T>(vm: VM, task: () => Promise<T>): Promise<T> {
  await vm.stateManager.checkpoint();
  try {
    return await task();
  } finally {
    await vm.stateManager.revert();
    vm.evm.journal.cleanJournal();
    vm.stateManager.originalStorageCache.clear();
  }
}

/**
 * `eth_call`: executes a message against the state of `block` without mining it. Reverts throw code 3
 * with the revert bytes; other exceptional halts throw `-32000` with the EVM's reason (`out of gas`, ...).
 */
export async function callAt(
  engine: ChainEngine,
  params: CallParams,
  block: Block,
  pending: boolean,
  gasCap: bigint,
): Promise<Uint8Array> {
  const vm = await vmAt(engine, block);
  const context = contextBlock(engine, block, pending, params.gasPrice);
  const caller = params.from ?? createZeroAddress();
  const result = await withDiscardedState(vm, async () => {
    try {
      return await vm.evm.runCall({
        caller,
        origin: caller,
        to: params.to,
        value: params.value,
        data: params.data,
        gasLimit: params.gas === undefined || params.gas > gasCap ? gasCap : params.gas,
        gasPrice: params.gasPrice ?? 0n,
        block: context,
      });
    } catch (error) {
      throw rejected(firstLine(error));
    }
  });
  const error = result.execResult.exceptionError;
  if (error?.error === "revert") throw executionReverted(result.execResult.returnValue);
  if (error !== undefined) throw rejected(error.error);
  return result.execResult.returnValue;
}

function estimationTx(
  engine: ChainEngine,
  params: CallParams,
  gasLimit: bigint,
  from: Address,
): TypedTransaction {
  const base = { gasLimit, to: params.to, value: params.value, data: params.data, gasPrice: 0n };
  const tx =
    params.accessList === undefined
      ? createTx({ ...base, type: 0 }, { common: engine.common, freeze: false })
      : createTx(
          { ...base, type: 1, accessList: params.accessList },
          { common: engine.common, freeze: false },
        );
  // The transaction is unsigned: tell the VM who sends it (what `eth_estimateGas`'s `from` means).
  Object.assign(tx, { getSenderAddress: () => from });
  return tx;
}

/**
 * `eth_estimateGas`: the smallest gas limit (within 1.5 %, like geth) with which the transaction succeeds
 * on top of the latest state, in the context of the next block. Found by running the transaction with the
 * cap, then with an optimistic guess, then by binary search. Plain transfers to accounts without code
 * cost 21000 without running anything.
 */
export async function estimateGas(engine: ChainEngine, params: CallParams, gasCap: bigint): Promise<bigint> {
  const vm = engine.vm;
  const from = params.from ?? createZeroAddress();
  if (params.to !== undefined && params.data.length === 0 && params.accessList === undefined) {
    if ((await vm.stateManager.getCode(params.to)).length === 0) return 21_000n;
  }
  const cap = params.gas !== undefined && params.gas < gasCap ? params.gas : gasCap;
  const block = contextBlock(engine, engine.head, true, undefined);
  const run = (gasLimit: bigint): Promise<RunTxResult> =>
    withDiscardedState(vm, async () => {
      try {
        return await runTx(vm, {
          tx: estimationTx(engine, params, gasLimit, from),
          block,
          skipNonce: true,
          skipBalance: true,
          skipBlockGasLimitValidation: true,
          skipHardForkValidation: true,
        });
      } catch (error) {
        throw rejected(firstLine(error));
      }
    });
  const succeeds = async (gasLimit: bigint): Promise<boolean> => {
    try {
      return (await run(gasLimit)).execResult.exceptionError === undefined;
    } catch (error) {
      if (error instanceof ProviderRpcError && error.code === RpcErrorCode.Server) return false;
      throw error;
    }
  };
  const first = await run(cap);
  const error = first.execResult.exceptionError;
  if (error?.error === "revert") throw executionReverted(first.execResult.returnValue);
  if (error !== undefined) {
    throw rejected(
      error.error === "out of gas"
        ? `gas required exceeds allowance (${cap})`
        : `execution failed: ${error.error}`,
    );
  }
  // Gas the transaction consumed before its refund: the limit cannot be lower than this.
  const used = first.totalGasSpent + first.gasRefund;
  let lo = used - 1n;
  let hi = cap;
  // Most transactions need little more than what they used (63/64 rule for calls, stipends).
  const optimistic = ((used + 2300n) * 64n) / 63n;
  if (optimistic < hi) {
    if (await succeeds(optimistic)) hi = optimistic;
    else lo = optimistic;
  }
  while (hi - lo > 1n && ((hi - lo) * 1000n) / hi > 15n) {
    const mid = lo + (hi - lo) / 2n;
    if (await succeeds(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Reads one storage slot as the 32-byte word `eth_getStorageAt` returns. */
export async function storageWord(
  state: MerkleStateManager,
  address: Address,
  slot: Uint8Array,
): Promise<string> {
  const value = await state.getStorage(address, slot);
  const word = new Uint8Array(32);
  word.set(value, 32 - value.length);
  return bytesToHex(word);
}
