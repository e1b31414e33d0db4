import { BaseError } from "../core/errors.js";

/** Consortium roles and their bits in the on-chain `uint16` role mask (see contracts/Consortium.sol). */
export const roleBits = {
  regulator: 1,
  "grid-operator": 2,
  "region-operator": 4,
  community: 8,
  prosumer: 16,
  enterprise: 32,
  issuer: 64,
  auditor: 128,
} as const;

/** A consortium role name. */
export type RoleName = keyof typeof roleBits;

/** Every role name, in bit order. */
export const roleNames = Object.keys(roleBits) as RoleName[];

/** Parses role names (an array or a comma-separated list) into the on-chain role mask. */
export function encodeRoles(roles: string | readonly string[]): number {
  const names = typeof roles === "string" ? roles.split(",") : roles;
  let mask = 0;
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (name === "") continue;
    const bit = roleBits[name as RoleName];
    if (bit === undefined) {
      throw new BaseError(
        "REGISTRY_UNKNOWN_ROLE",
        `unknown role "${raw}"; expected one of ${roleNames.join(", ")}`,
        {
          details: { role: raw },
        },
      );
    }
    mask |= bit;
  }
  return mask;
}

/** Parses exactly one role name into its bit. */
export function encodeRole(role: string): number {
  const mask = encodeRoles([role]);
  if (mask === 0) throw new BaseError("REGISTRY_UNKNOWN_ROLE", "a role is required", { details: { role } });
  return mask;
}

/** Turns an on-chain role mask into role names, in bit order. */
export function decodeRoles(mask: number): RoleName[] {
  return roleNames.filter((name) => (mask & roleBits[name]) !== 0);
}
