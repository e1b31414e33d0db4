import {
  type Abi,
  ContractFunctionRevertedError,
  type DecodeErrorResultReturnType,
  decodeErrorResult,
  type Hex,
  BaseError as ViemBaseError,
} from "viem";
import { BaseError } from "../core/errors.js";
import { contractManifest } from "./manifest.js";

type AbiError = Extract<Abi[number], { type: "error" }>;

/**
 * The custom errors of every contract of the manifest. A call through the Governor or the timelock
 * reverts with the error of the contract it reached, which the called contract's ABI does not know.
 */
const manifestErrors: Abi = [
  ...new Map(
    contractManifest
      .flatMap((spec) => spec.abi.filter((item): item is AbiError => item.type === "error"))
      .map((item) => [`${item.name}(${item.inputs.map((i) => i.type).join(",")})`, item] as const),
  ).values(),
];

/** The revert decoded against the called contract's ABI, or else against every manifest contract's errors. */
function decodedRevert(revert: ContractFunctionRevertedError): DecodeErrorResultReturnType | undefined {
  if (revert.data?.errorName) return revert.data;
  const raw: Hex | undefined = revert.raw;
  if (!raw || raw === "0x") return undefined;
  try {
    return decodeErrorResult({ abi: manifestErrors, data: raw });
  } catch {
    return undefined;
  }
}

/** `RegistryDeviceExists` → `REGISTRY_DEVICE_EXISTS`: the stable code of a decoded custom error. */
export function errorCodeOf(errorName: string): string {
  return errorName
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toUpperCase();
}

function jsonValue(value: unknown): unknown {
  if (typeof value === "bigint")
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  return value;
}

/**
 * Turns a chain error into a GridLedger error. A revert with a known custom error becomes a
 * `BaseError` whose code is the error's name in SNAKE_CASE and whose details carry its arguments
 * by parameter name (viem decodes the revert data against the ABI; an error the called contract does
 * not declare, met in a call it made, e.g. through the Governor, against every manifest contract); anything else becomes
 * `CHAIN_REQUEST_FAILED` with viem's short message.
 */
export function decodeChainError(error: unknown): BaseError {
  if (error instanceof BaseError) return error;
  if (error instanceof ViemBaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    const decoded = revert instanceof ContractFunctionRevertedError ? decodedRevert(revert) : undefined;
    if (decoded?.errorName) {
      const { errorName, args = [], abiItem } = decoded;
      const inputs = abiItem && "inputs" in abiItem ? abiItem.inputs : [];
      const details: Record<string, unknown> = {};
      args.forEach((arg, i) => {
        details[inputs[i]?.name || `arg${i}`] = jsonValue(arg);
      });
      const argText = Object.entries(details)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(", ");
      return new BaseError(errorCodeOf(errorName), `the contract refused: ${errorName}(${argText})`, {
        details: { error: errorName, ...details },
        cause: error,
      });
    }
    if (revert instanceof ContractFunctionRevertedError) {
      return new BaseError(
        "CHAIN_REVERTED",
        `the contract refused: ${revert.reason ?? revert.shortMessage}`,
        {
          cause: error,
        },
      );
    }
    return new BaseError("CHAIN_REQUEST_FAILED", error.shortMessage, { cause: error });
  }
  return new BaseError("CHAIN_REQUEST_FAILED", error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
