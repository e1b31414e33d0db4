import {
  type AbiFunction,
  type AbiParameter,
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  isAddress,
  isHex,
  parseAbiItem,
  stringToHex,
  toFunctionSelector,
} from "viem";
import { adminRole, publicRole } from "../chain/foundConsortium.js";
import {
  type ContractAddresses,
  type ContractName,
  contractManifest,
  contractSpec,
  serviceName,
} from "../chain/manifest.js";
import { BaseError } from "../core/errors.js";
import { assertCleanText } from "../core/text.js";
import { parseAddress } from "../registry/address.js";
import { type ProposalCall, proposalDescription } from "../registry/proposals.js";

/** A governance proposal as the Governor takes it (OpenZeppelin `Governor.propose`). */
export type EncodedProposal = {
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  description: string;
};

/** The forms that change the authority, the service directory, or call anything. */
export type GovernanceForm =
  | { kind: "bind-service"; service: string; address: string }
  | { kind: "set-function-role"; contract: string; function: string; authorityRole: string }
  | { kind: "grant-authority-role" | "revoke-authority-role"; authorityRole: string; account: string }
  | { kind: "call"; target: string; signature: string; args?: readonly unknown[] | undefined };

/** Kinds of {@link GovernanceForm}. */
export const governanceFormKinds = [
  "bind-service",
  "set-function-role",
  "grant-authority-role",
  "revoke-authority-role",
  "call",
] as const;

function invalid(code: string, message: string, details: Record<string, unknown>): BaseError {
  return new BaseError(code, message, { details });
}

function required(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw invalid("REGISTRY_MISSING_FIELD", `${field} is required`, { field });
  }
  return assertCleanText(value.trim(), field);
}

/**
 * A service name given in a proposal, checked (1 to 32 bytes, else GOVERNANCE_INVALID_SERVICE_NAME)
 * and encoded as the manifest encodes it ({@link serviceName}: a left-aligned `bytes32`).
 */
function checkedServiceName(name: string): Hex {
  if (Buffer.byteLength(name) === 0 || Buffer.byteLength(name) > 32) {
    throw invalid("GOVERNANCE_INVALID_SERVICE_NAME", `a service name has 1–32 bytes, got "${name}"`, {
      name,
    });
  }
  return serviceName(name);
}

/** An AccessManager role: `public`, `governance` (ADMIN_ROLE 0) or a number from 1 to 2^64 − 2. */
export function authorityRole(text: string): bigint {
  const role = text.trim().toLowerCase();
  if (role === "public") return publicRole;
  if (role === "governance" || role === "admin") return adminRole;
  if (/^[0-9]{1,20}$/.test(role) && BigInt(role) < publicRole) return BigInt(role);
  throw invalid(
    "GOVERNANCE_INVALID_ROLE",
    `an authority role is "public", "governance" or a number below 2^64 − 1, got "${text}"`,
    { role: text },
  );
}

/** The manifest name of `text` (any case), or undefined. */
function manifestName(text: string): ContractName | undefined {
  return contractManifest.find((spec) => spec.name.toLowerCase() === text.trim().toLowerCase())?.name;
}

/** A contract named by its manifest name: its address, or `GOVERNANCE_UNKNOWN_CONTRACT`. */
function namedContract(text: string, contracts: ContractAddresses): { name: ContractName; address: Address } {
  const name = manifestName(text);
  if (name === undefined) {
    throw invalid(
      "GOVERNANCE_UNKNOWN_CONTRACT",
      `unknown contract "${text}"; expected one of ${contractManifest.map((s) => s.name).join(", ")}`,
      { contract: text },
    );
  }
  return { name, address: contracts[name] };
}

/** A function of a manifest contract by name (when unique) or by signature `name(type,…)`. */
export function contractFunction(contract: ContractName, fn: string): AbiFunction {
  const wanted = fn.trim().replace(/^function\s+/, "");
  const functions = contractSpec(contract).abi.filter(
    (item): item is AbiFunction =>
      item.type === "function" && item.stateMutability !== "view" && item.stateMutability !== "pure",
  );
  const bySignature = (f: AbiFunction) => `${f.name}(${f.inputs.map((i) => i.type).join(",")})`;
  const matches = functions.filter((f) =>
    wanted.includes("(") ? bySignature(f) === wanted.replace(/\s+/g, "") : f.name === wanted,
  );
  const [only] = matches;
  if (only === undefined || matches.length > 1) {
    throw invalid(
      "GOVERNANCE_UNKNOWN_FUNCTION",
      matches.length > 1
        ? `${contract} has several functions named ${wanted}; give its signature, e.g. ${bySignature(only as AbiFunction)}`
        : `${contract} has no state-changing function ${wanted}`,
      { contract, function: fn },
    );
  }
  return only;
}

/** Converts a text (or JSON) argument to the value an ABI parameter takes (`GOVERNANCE_INVALID_ARGUMENT`). */
export function abiArgument(param: AbiParameter, value: unknown): unknown {
  const fail = () =>
    invalid(
      "GOVERNANCE_INVALID_ARGUMENT",
      `argument ${param.name || param.type} is not a valid ${param.type}`,
      {
        parameter: param.name ?? null,
        type: param.type,
        value: typeof value === "string" ? value : JSON.stringify(value),
      },
    );
  const array = /^(.*)\[(\d*)\]$/.exec(param.type);
  if (array) {
    let items = value;
    if (typeof value === "string") {
      try {
        items = JSON.parse(value);
      } catch {
        throw fail();
      }
    }
    if (!Array.isArray(items) || (array[2] !== "" && items.length !== Number(array[2]))) throw fail();
    return items.map((item) => abiArgument({ ...param, type: array[1] as string }, item));
  }
  if (param.type === "tuple" && "components" in param) {
    let fields = value;
    if (typeof value === "string") {
      try {
        fields = JSON.parse(value);
      } catch {
        throw fail();
      }
    }
    if (!Array.isArray(fields) || fields.length !== param.components.length) throw fail();
    return param.components.map((component, i) => abiArgument(component, fields[i]));
  }
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw fail();
  const text = String(value).trim();
  if (param.type === "address") {
    if (!isAddress(text, { strict: false })) throw fail();
    return getAddress(text);
  }
  if (param.type === "bool") {
    if (text !== "true" && text !== "false") throw fail();
    return text === "true";
  }
  if (param.type === "string") return assertCleanText(String(value), param.name || "argument");
  const int = /^(u?)int(\d*)$/.exec(param.type);
  if (int) {
    if (!/^-?[0-9]+$/.test(text)) throw fail();
    const n = BigInt(text);
    const bits = BigInt(int[2] || "256");
    const [min, max] =
      int[1] === "u" ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
    if (n < min || n > max) throw fail();
    return bits <= 48n ? Number(n) : n;
  }
  const bytes = /^bytes(\d*)$/.exec(param.type);
  if (bytes) {
    const size = bytes[1] ? Number(bytes[1]) : undefined;
    if (isHex(text) && (size === undefined || (text.length - 2) / 2 === size)) return text;
    // A short text for a fixed-size word (a parameter or service name) is taken as its left-aligned bytes.
    if (size !== undefined && !isHex(text) && Buffer.byteLength(text) <= size)
      return stringToHex(text, { size });
    throw fail();
  }
  throw fail();
}

/**
 * Encodes a `call` form: `TARGET` is a manifest contract name or an address; `SIGNATURE` is
 * `name(type,…)` (with or without `function`), or just a function name of a manifest contract.
 */
function encodeCall(form: Extract<GovernanceForm, { kind: "call" }>, contracts: ContractAddresses) {
  const targetText = required(form.target, "target");
  const signature = required(form.signature, "signature");
  const named = manifestName(targetText);
  let target: Address;
  let fn: AbiFunction;
  if (named !== undefined) {
    target = contracts[named];
    fn = contractFunction(named, signature);
  } else {
    target = parseAddress(targetText, "target");
    try {
      const item = parseAbiItem(`function ${signature.replace(/^function\s+/, "")}`);
      if (item.type !== "function") throw new Error("not a function");
      fn = item;
    } catch {
      throw invalid(
        "GOVERNANCE_UNKNOWN_FUNCTION",
        `"${signature}" is not a function signature like name(uint256,address)`,
        {
          function: signature,
        },
      );
    }
  }
  const args = form.args ?? [];
  if (args.length !== fn.inputs.length) {
    throw invalid(
      "GOVERNANCE_INVALID_ARGUMENT",
      `${fn.name} takes ${fn.inputs.length} argument(s) (${fn.inputs.map((i) => i.type).join(", ")}), got ${args.length}`,
      { function: fn.name, expected: fn.inputs.length, got: args.length },
    );
  }
  const values = fn.inputs.map((param, i) => abiArgument(param, args[i]));
  return { target, data: encodeFunctionData({ abi: [fn], functionName: fn.name, args: values }) };
}

/** One encoded call of a proposal. */
export type EncodedCall = { target: Address; data: Hex };

/** Encodes a friendly registry call ({@link ProposalCall}) against its manifest contract. */
export function encodeProposalCall(call: ProposalCall, contracts: ContractAddresses): EncodedCall {
  const { abi } = contractSpec(call.contract);
  return {
    target: contracts[call.contract],
    data: encodeFunctionData({ abi, functionName: call.functionName, args: call.args } as never),
  };
}

/** Encodes a governance form into the call it proposes (the authority, the directory, or any call). */
export function encodeGovernanceForm(form: GovernanceForm, contracts: ContractAddresses): EncodedCall {
  switch (form.kind) {
    case "bind-service": {
      const name = checkedServiceName(required(form.service, "service"));
      const address = parseAddress(form.address, "address");
      return encodeProposalCall(
        { contract: "Consortium", functionName: "bindService", args: [name, address] },
        contracts,
      );
    }
    case "set-function-role": {
      const target = namedContract(required(form.contract, "contract"), contracts);
      const fn = contractFunction(target.name, required(form.function, "function"));
      const role = authorityRole(required(form.authorityRole, "role"));
      return encodeProposalCall(
        {
          contract: "GridAuthority",
          functionName: "setTargetFunctionRole",
          args: [target.address, [toFunctionSelector(fn)], role],
        },
        contracts,
      );
    }
    case "grant-authority-role":
    case "revoke-authority-role": {
      const role = authorityRole(required(form.authorityRole, "role"));
      if (role === publicRole) {
        throw invalid("GOVERNANCE_INVALID_ROLE", "every account holds the public role: it is never granted", {
          role: form.authorityRole,
        });
      }
      const account = parseAddress(form.account, "account");
      return encodeProposalCall(
        form.kind === "grant-authority-role"
          ? { contract: "GridAuthority", functionName: "grantRole", args: [role, account, 0] }
          : { contract: "GridAuthority", functionName: "revokeRole", args: [role, account] },
        contracts,
      );
    }
    case "call":
      return encodeCall(form, contracts);
    default:
      throw invalid(
        "REGISTRY_UNKNOWN_PROPOSAL_KIND",
        `unknown proposal kind "${(form as { kind: string }).kind}"`,
        {
          kind: (form as { kind: string }).kind,
        },
      );
  }
}

/** The marker the node appends to a description so the same change can be proposed again after a defeat. */
const suffixPattern = /\n\n\[gridledger:[0-9]+:[0-9a-f]+\]$/;

/**
 * A proposal's description as sent: the user's text (`TEXT_INVALID` on control characters) and a
 * unique marker `[gridledger:<unix seconds>:<hex>]`, since the Governor's proposal id hashes the description.
 */
export function uniqueDescription(text: unknown, now: number, random: string): string {
  return `${proposalDescription(text)}\n\n[gridledger:${Math.floor(now)}:${random}]`;
}

/** A description as shown: without the node's unique marker. */
export function shownDescription(description: string): string {
  return description.replace(suffixPattern, "");
}

/** Builds the Governor's proposal from encoded calls (no ether is sent with them). */
export function encodedProposal(calls: readonly EncodedCall[], description: string): EncodedProposal {
  return {
    targets: calls.map((c) => c.target),
    values: calls.map(() => 0n),
    calldatas: calls.map((c) => c.data),
    description,
  };
}
