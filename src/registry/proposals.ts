import { type Address, stringToHex } from "viem";
import { BaseError } from "../core/errors.js";
import { assertCleanText } from "../core/text.js";
import { parseAddress } from "./address.js";
import { normaliseRegionCode } from "./regionCode.js";
import { encodeRole, encodeRoles } from "./roles.js";

/** Kinds of consortium proposals, by their API/CLI names (values match `kind` in contracts/Consortium.sol). */
export const proposalKinds = {
  "admit-member": 0,
  "remove-member": 1,
  "grant-role": 2,
  "revoke-role": 3,
  "approve-region": 4,
  "set-parameter": 5,
  "update-region": 6,
} as const;

export type ProposalKindName = keyof typeof proposalKinds;

/** States of a proposal, indexed by their on-chain value. */
export const proposalStates = ["active", "executed", "expired", "defeated"] as const;

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
  | { kind: "update-region"; code: string; nameZh?: string; nameEn?: string; operator?: string };

/** A region's names and operator as they are now: what an `update-region` proposal starts from. */
export type RegionState = { nameZh: string; nameEn: string; operator: Address };

/** The contract call a proposal turns into: `Consortium.<functionName>(...args, description)`. */
export type ProposalCall = { functionName: string; args: readonly unknown[] };

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
  for (const field of ["code", "name", "nameZh", "nameEn", "role", "address", "operator"]) {
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
 * Validates a proposal and maps it to its Consortium contract call. `operator` defaults to
 * `defaultOperator` (the node's own organisation) and the interval to 900 s. An `update-region` keeps
 * each name or operator it does not give from `current` (the region as it is now).
 */
export function proposalCall(
  input: ProposalInput,
  defaultOperator: Address,
  current?: RegionState,
): ProposalCall {
  switch (input.kind) {
    case "admit-member":
      return {
        functionName: "proposeAdmitMember",
        args: [
          parseAddress(input.address, "address"),
          text(input.name, "name"),
          encodeRoles(input.roles),
          !!input.seat,
        ],
      };
    case "remove-member":
      return { functionName: "proposeRemoveMember", args: [parseAddress(input.address, "address")] };
    case "grant-role":
    case "revoke-role":
      return {
        functionName: input.kind === "grant-role" ? "proposeGrantRole" : "proposeRevokeRole",
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
        functionName: "proposeApproveRegion",
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
      return { functionName: "proposeUpdateRegion", args: [code, nameZh, nameEn, operator] };
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
      return { functionName: "proposeSetParameter", args: [parameterName(text(input.name, "name")), value] };
    }
    default:
      throw new BaseError(
        "REGISTRY_UNKNOWN_PROPOSAL_KIND",
        `unknown proposal kind "${(input as { kind: string }).kind}"; expected one of ${Object.keys(proposalKinds).join(", ")}`,
        { details: { kind: (input as { kind: string }).kind } },
      );
  }
}
