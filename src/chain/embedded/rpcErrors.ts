import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { decodeAbiParameters } from "viem";

/**
 * An error returned to JSON-RPC / EIP-1193 callers: numeric `code`, `message` and optional `data`
 * (EIP-1193 §ProviderRpcError, JSON-RPC 2.0 §5.1). It is not a `BaseError` because the standard fixes
 * `code` to a number, which is what viem and other clients switch on.
 */
export class ProviderRpcError extends Error {
  override name = "ProviderRpcError";
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }

  /** JSON-RPC 2.0 error object. */
  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** JSON-RPC error codes used by the embedded chain (JSON-RPC 2.0 and EIP-1474). */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** Geth's code for a rejected transaction or failed call (nonce too low, out of gas, ...). */
  Server: -32000,
  /** Geth's `blockNotFound` / `resourceNotFound`. */
  ResourceNotFound: -32001,
  /** EIP-1474 "Transaction rejected": the sender is not permitted to send transactions on this chain. */
  TransactionRejected: -32003,
  /** Query returned too many results. */
  LimitExceeded: -32005,
  /** Execution reverted; `data` holds the revert bytes (geth, EIP-1474 usage). */
  ExecutionReverted: 3,
} as const;

/** `-32602` with a message saying which parameter is wrong. */
export function invalidParams(message: string): ProviderRpcError {
  return new ProviderRpcError(RpcErrorCode.InvalidParams, message);
}

/** `-32000` transaction or call rejected, with a geth-compatible message (viem matches these messages). */
export function rejected(message: string): ProviderRpcError {
  return new ProviderRpcError(RpcErrorCode.Server, message);
}

const ERROR_STRING_SELECTOR = "0x08c379a0";
const PANIC_SELECTOR = "0x4e487b71";

/**
 * Code 3 "execution reverted" error whose `data` is the revert bytes, so viem decodes custom errors by name;
 * the message carries the reason for `Error(string)` and `Panic(uint256)` reverts, like geth.
 */
export function executionReverted(returnValue: Uint8Array, suffix = ""): ProviderRpcError {
  const data = bytesToHex(returnValue);
  let message = "execution reverted";
  try {
    if (data.startsWith(ERROR_STRING_SELECTOR)) {
      const [reason] = decodeAbiParameters([{ type: "string" }], `0x${data.slice(10)}`);
      message += `: ${reason}`;
    } else if (data.startsWith(PANIC_SELECTOR)) {
      const [code] = decodeAbiParameters([{ type: "uint256" }], `0x${data.slice(10)}`);
      message += `: panic code 0x${code.toString(16)}`;
    }
  } catch {
    // Malformed reason data: keep the plain message; callers still get the raw bytes.
  }
  return new ProviderRpcError(RpcErrorCode.ExecutionReverted, message + suffix, data);
}

/** Converts anything thrown inside a handler into a JSON-RPC error (unknown errors become `-32603`). */
export function toProviderRpcError(error: unknown): ProviderRpcError {
  if (error instanceof ProviderRpcError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderRpcError(RpcErrorCode.Internal, `internal error: ${message}`);
}

/** Parses `0x` hex into bytes or throws `-32602` naming the field. */
export function parseHexBytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw invalidParams(`invalid ${field}: expected 0x-prefixed hex bytes`);
  }
  return hexToBytes(value as `0x${string}`);
}

/** First line of an error message, without the VM, block and transaction dump EthereumJS appends. */
export function firstLine(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
  const dump = message.search(/ \((?:vm hf=|hf=|block number=|tx type=|type=)/);
  return dump === -1 ? message : message.slice(0, dump);
}
