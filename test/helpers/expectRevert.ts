import { type Abi, BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex, isHex } from "viem";
import { expect } from "vitest";

/** The revert data somewhere in a viem error's cause chain (for calls viem could not decode, like deployments). */
function rawRevertData(error: BaseError): Hex | undefined {
  const raw = error.walk((e) => isHex((e as { data?: unknown }).data));
  const data = (raw as { data?: unknown } | null)?.data;
  return isHex(data) ? data : undefined;
}

/**
 * Asserts that `action` is refused by a contract with the custom error `errorName` and, when given,
 * exactly these arguments (as viem decodes them: checksummed addresses, bigint for uint > 48 bits).
 * Pass `abi` for actions viem does not decode against an ABI itself (contract deployments).
 */
export async function expectRevert(
  action: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
  options: { abi?: Abi } = {},
): Promise<void> {
  let error: unknown;
  try {
    await action;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof BaseError)) {
    throw new Error(
      `expected a revert with ${errorName}, got ${error === undefined ? "success" : String(error)}`,
    );
  }
  let decoded: { errorName: string; args: readonly unknown[] | undefined } | undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError && revert.data) {
    decoded = { errorName: revert.data.errorName, args: revert.data.args };
  } else if (options.abi) {
    const data = rawRevertData(error);
    if (data) decoded = decodeErrorResult({ abi: options.abi, data });
  }
  if (!decoded) throw new Error(`expected a revert with ${errorName}, got: ${error.shortMessage}`);
  expect(decoded.errorName).toBe(errorName);
  if (args !== undefined) expect(decoded.args ?? []).toEqual(args);
}
