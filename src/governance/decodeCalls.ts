import { type Address, decodeFunctionData, type Hex, isAddressEqual, slice } from "viem";
import { type ContractName, contractManifest, contractSpec } from "../chain/manifest.js";
import type { ProposalKindName } from "../registry/proposals.js";

/** One call of a proposal as the API and the explorer show it, decoded with the manifest's ABIs. */
export type DecodedCall = {
  /** The manifest name of the target, or its address when it is not one of the platform's contracts. */
  contract: string;
  target: Address;
  /** The function's name, or its 4-byte selector when the target's ABI does not know it. */
  function: string;
  /** The arguments as JSON values (integers beyond 2^53 and every uint256 as decimal text). */
  args: unknown[];
  /** Ether sent with the call, in wei, as decimal text. */
  value: string;
};

function jsonArg(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonArg);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonArg(v)]));
  return value;
}

/** The manifest name of the contract at `address`, or undefined. */
export function contractNameAt(
  address: Address,
  contracts: Partial<Record<ContractName, Address>>,
): ContractName | undefined {
  return contractManifest.find((spec) => {
    const known = contracts[spec.name];
    return known !== undefined && isAddressEqual(known, address);
  })?.name;
}

/** Decodes one call with the ABI of the manifest contract at its target. */
export function decodeCall(
  target: Address,
  data: Hex,
  value: bigint,
  contracts: Partial<Record<ContractName, Address>>,
): DecodedCall {
  const name = contractNameAt(target, contracts);
  const fallback = {
    contract: name ?? target,
    target,
    function: data.length >= 10 ? slice(data, 0, 4) : data,
    args: data.length > 10 ? [slice(data, 4)] : [],
    value: value.toString(),
  };
  if (name === undefined) return fallback;
  try {
    const decoded = decodeFunctionData({ abi: contractSpec(name).abi, data });
    return { ...fallback, function: decoded.functionName, args: jsonArg(decoded.args ?? []) as unknown[] };
  } catch {
    return fallback;
  }
}

/** Decodes every call of a proposal. */
export function decodeCalls(
  proposal: { targets: readonly Address[]; values: readonly bigint[]; calldatas: readonly Hex[] },
  contracts: Partial<Record<ContractName, Address>>,
): DecodedCall[] {
  return proposal.targets.map((target, i) =>
    decodeCall(target, proposal.calldatas[i] ?? "0x", proposal.values[i] ?? 0n, contracts),
  );
}

const friendlyKinds: Record<string, ProposalKindName> = {
  "Consortium.admitMember": "admit-member",
  "Consortium.removeMember": "remove-member",
  "Consortium.grantRole": "grant-role",
  "Consortium.revokeRole": "revoke-role",
  "Consortium.setParameter": "set-parameter",
  "Consortium.bindService": "bind-service",
  "Registry.approveRegion": "approve-region",
  "Registry.updateRegion": "update-region",
  "GridAuthority.setTargetFunctionRole": "set-function-role",
  "GridAuthority.grantRole": "grant-authority-role",
  "GridAuthority.revokeRole": "revoke-authority-role",
};

/** The friendly form a proposal of these calls was made with; `call` for anything else. */
export function proposalKindOf(calls: readonly DecodedCall[]): ProposalKindName {
  const [only] = calls;
  if (calls.length !== 1 || only === undefined) return "call";
  return friendlyKinds[`${only.contract}.${only.function}`] ?? "call";
}
