import { type Address, stringToHex } from "viem";
import type { ContractName } from "../chain/manifest.js";
import { BaseError } from "../core/errors.js";
import { assertCleanText } from "../core/text.js";
import { parseAddress } from "./address.js";
import { normaliseRegionCode } from "./regionCode.js";
import { encodeRole, encodeRoles } from "./roles.js";

/**
 * The friendly forms of consortium proposals, by their API/CLI names, each with the contract its call
 * goes to (`null`: the contract is named by the form itself). Each turns into encoded calls of the Governor.
 */
export const proposalKinds = {
  "admit-member": "Consortium",
  "remove-member": "Consortium",
  "grant-role": "Consortium",
  "revoke-role": "Consortium",
  "approve-region": "Registry",
  "set-parameter": "Consortium",
  "update-region": "Registry",
  "bind-service": "Consortium",
  "set-function-role": "GridAuthority",
  "grant-authority-role": "GridAuthority",
  "revoke-authority-role": "GridAuthority",
  call: null,
} as const satisfies Record<string, ContractName | null>;

/** A friendly proposal form's name. */
export type ProposalKindName = keyof typeof proposalKinds;

/**
 * States of a proposal, indexed by OpenZeppelin Governor's `ProposalState` (Pending, Active, Canceled,
 * Defeated, Succeeded, Queued, Expired, Executed).
 */
export const proposalStates = [
  "pending",
  "active",
  "canceled",
  "defeated",
  "succeeded",
  "queued",
  "expired",
  "executed",
] as const;

/** A proposal as the API and CLI take it: its kind and that kind's parameters, all as JSON values. */
export type ProposalInput =
  | { kind: "admit-member"; address: string; name: string; roles: string | string[]; seat?: boolean }
  | { kind: "remove-member"; address: string }
  | { kind: "grant-role" | "revoke-role"; address: string; role: string }
  | {
      kind: "approve-region";
      code: string;
      nameZh: string;
      nameEn: string;
      operator?: string;
      intervalSeconds?: number;
    }
  | { kind: "set-parameter"; name: string; value: string | number }
  | { kind: "update-region"; code: string; nameZh?: string; nameEn?: string; operator?: string }
  | { kind: "bind-service"; service: string; address: string }
  | { kind: "set-function-role"; contract: string; function: string; authorityRole: string }
  | { kind: "grant-authority-role" | "revoke-authority-role"; authorityRole: string; account: string }
  | { kind: "call"; target: string; signature: string; args?: readonly unknown[] };

/** The forms {@link proposalCall} maps to one call of the Consortium or the Registry. */
export type RegistryProposalInput = Extract<
  ProposalInput,
  {
    kind:
      | "admit-member"
      | "remove-member"
      | "grant-role"
      | "revoke-role"
      | "approve-region"
      | "set-parameter"
      | "update-region";
  }
>;

/** A region's names and operator as they are now: what an `update-region` proposal starts from. */
export type RegionState = { nameZh: string; nameEn: string; operator: Address };

/** The contract call a friendly proposal turns into: `<contract>.<functionName>(...args)`, run by governance. */
export type ProposalCall = { contract: ContractName; functionName: string; args: readonly unknown[] };

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new BaseError("REGISTRY_MISSING_FIELD", `${field} is required`, { details: { field } });
  }
  return assertCleanText(value.trim(), field);
}

/** A proposal's description: free text, lines allowed, no other control characters (`TEXT_INVALID`). */
export function proposalDescription(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") {
    throw new BaseError("REQUEST_INVALID", "description must be text", { details: { field: "description" } });
  }
  return assertCleanText(value, "description", { multiline: true });
}

/**
 * Checks the text fields of a proposal (names, codes, roles) for control characters and lone surrogates
 * without sending anything: what the CLI runs before it calls the node (`TEXT_INVALID`).
 */
export function checkProposalText(input: object): void {
  const fields = input as Record<string, unknown>;
  for (const field of [
    "code",
    "name",
    "nameZh",
    "nameEn",
    "role",
    "address",
    "operator",
    "service",
    "contract",
    "function",
    "authorityRole",
    "account",
    "target",
    "signature",
  ]) {
    const value = fields[field];
    if (typeof value === "string") assertCleanText(value, field);
  }
  if (typeof fields.roles === "string") assertCleanText(fields.roles, "roles");
  if (fields.description !== undefined) proposalDescription(fields.description);
}

/** Named parameters are `bytes32` strings on chain, so a name has at most 32 bytes. */
export function parameterName(name: string): `0x${string}` {
  if (Buffer.byteLength(name) === 0 || Buffer.byteLength(name) > 32) {
    throw new BaseError("REGISTRY_INVALID_PARAMETER", `parameter name must be 1–32 bytes, got "${name}"`, {
      details: { name },
    });
  }
  return stringToHex(name, { size: 32 });
}

/**
 * Validates a proposal and maps it to its Consortium or Registry call. `operator` defaults to
 * `defaultOperator` (the node's own organisation) and the interval to 900 s. An `update-region` keeps
 * each name or operator it does not give from `current` (the region as it is now).
 */
export function proposalCall(
  input: RegistryProposalInput,
  defaultOperator: Address,
  current?: RegionState,
): ProposalCall {
  switch (input.kind) {
    case "admit-member":
      return {
        contract: "Consortium",
        functionName: "admitMember",
        args: [
          parseAddress(input.address, "address"),
          text(input.name, "name"),
          encodeRoles(input.roles),
          !!input.seat,
        ],
      };
    case "remove-member":
      return {
        contract: "Consortium",
        functionName: "removeMember",
        args: [parseAddress(input.address, "address")],
      };
    case "grant-role":
    case "revoke-role":
      return {
        contract: "Consortium",
        functionName: input.kind === "grant-role" ? "grantRole" : "revokeRole",
        args: [parseAddress(input.address, "address"), encodeRole(text(input.role, "role"))],
      };
    case "approve-region": {
      const interval = input.intervalSeconds ?? 900;
      if (!Number.isInteger(interval) || interval < 60 || interval > 86400 || 86400 % interval !== 0) {
        throw new BaseError(
          "REGISTRY_INVALID_INTERVAL",
          `interval must be a whole number of seconds from 60 to 86400 that divides a day, got ${interval}`,
          { details: { intervalSeconds: interval } },
        );
      }
      return {
        contract: "Registry",
        functionName: "approveRegion",
        args: [
          normaliseRegionCode(text(input.code, "code")),
          text(input.nameZh, "nameZh"),
          text(input.nameEn, "nameEn"),
          input.operator === undefined ? defaultOperator : parseAddress(input.operator, "operator"),
          interval,
        ],
      };
    }
    case "update-region": {
      const code = normaliseRegionCode(text(input.code, "code"));
      if (!current) {
        throw new BaseError("REGISTRY_UNKNOWN_REGION", `region "${code}" is not registered`, {
          details: { region: code },
        });
      }
      const nameZh = input.nameZh === undefined ? current.nameZh : text(input.nameZh, "nameZh");
      const nameEn = input.nameEn === undefined ? current.nameEn : text(input.nameEn, "nameEn");
      const operator =
        input.operator === undefined ? current.operator : parseAddress(input.operator, "operator");
      if (
        nameZh === current.nameZh &&
        nameEn === current.nameEn &&
        operator.toLowerCase() === current.operator.toLowerCase()
      ) {
        throw new BaseError(
          "REGISTRY_REGION_UNCHANGED",
          `the update of region ${code} changes nothing; give --name-zh, --name-en or --operator with a new value`,
          { details: { region: code } },
        );
      }
      return { contract: "Registry", functionName: "updateRegion", args: [code, nameZh, nameEn, operator] };
    }
    case "set-parameter": {
      let value: bigint;
      try {
        value = BigInt(input.value);
      } catch {
        value = -1n;
      }
      if (value < 0n || value >= 2n ** 256n) {
        throw new BaseError("REGISTRY_INVALID_PARAMETER", `parameter value must be an unsigned integer`, {
          details: { value: input.value },
        });
      }
      return {
        contract: "Consortium",
        functionName: "setParameter",
        args: [parameterName(text(input.name, "name")), value],
      };
    }
    default:
      throw new BaseError(
        "REGISTRY_UNKNOWN_PROPOSAL_KIND",
        `unknown proposal kind "${(input as { kind: string }).kind}"; expected one of ${Object.keys(proposalKinds).join(", ")}`,
        { details: { kind: (input as { kind: string }).kind } },
      );
  }
}
