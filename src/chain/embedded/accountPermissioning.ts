import { Address, bytesToHex, createZeroAddress, hexToBytes } from "@ethereumjs/util";
import { encodeFunctionData, getAddress } from "viem";
import { consortiumAbi } from "../artifacts/index.js";
import type { ChainEngine } from "./chainEngine.js";
import { callAt } from "./execution.js";
import { ProviderRpcError, RpcErrorCode } from "./rpcErrors.js";

/**
 * Who may send transactions to a permissioned embedded chain, like Hyperledger Besu's account
 * permissioning: the node's operator always, and every account the chain's own Consortium contract
 * reports as a member (`isMember(address)`, read from the latest state).
 */
export type AccountPermissioning = {
  /** The node's operator account: always allowed (it deploys the Consortium). */
  operator: `0x${string}`;
  /** Address of the Consortium; undefined (or an address without code) means only the operator. */
  consortium: () => `0x${string}` | undefined;
};

/** Who may send transactions: anyone (a development chain), or the accounts of {@link AccountPermissioning}. */
export type SenderPolicy = "any" | AccountPermissioning;

/** Checks a sender against the chain's state; throws `-32003` when it may not send. */
export type SenderCheck = (engine: ChainEngine, from: Address) => Promise<void>;

/** Error answered to a sender that is neither the operator nor a consortium member (EIP-1474 `-32003`). */
export function senderNotPermitted(from: Address): ProviderRpcError {
  return new ProviderRpcError(
    RpcErrorCode.TransactionRejected,
    `transaction rejected: sender ${getAddress(from.toString())} is not a consortium member account (this chain accepts transactions only from the node's operator and the consortium's members)`,
  );
}

/**
 * The sender check of `policy`, or undefined when every sender is accepted. Membership is an internal
 * `eth_call` of `Consortium.isMember(from)` on the latest block; a call that fails or returns anything
 * but `true` (no Consortium yet, a reverted call) counts as "not a member".
 */
export function createSenderCheck(policy: SenderPolicy, gasCap: bigint): SenderCheck | undefined {
  if (policy === "any") return undefined;
  const operator = new Address(hexToBytes(policy.operator));
  return async (engine, from) => {
    if (from.equals(operator)) return;
    const consortium = policy.consortium();
    if (consortium !== undefined && (await isMember(engine, consortium, from, gasCap))) return;
    throw senderNotPermitted(from);
  };
}

async function isMember(
  engine: ChainEngine,
  consortium: `0x${string}`,
  account: Address,
  gasCap: bigint,
): Promise<boolean> {
  const data = encodeFunctionData({
    abi: consortiumAbi,
    functionName: "isMember",
    args: [account.toString()],
  });
  try {
    const result = await callAt(
      engine,
      {
        from: createZeroAddress(),
        to: new Address(hexToBytes(consortium)),
        gas: 100_000n,
        gasPrice: undefined,
        value: 0n,
        data: hexToBytes(data),
        accessList: undefined,
      },
      engine.head,
      false,
      gasCap,
    );
    return bytesToHex(result) === `0x${"0".repeat(63)}1`;
  } catch {
    return false;
  }
}
