import { BaseError } from "../core/errors.js";

/**
 * The roles an account (a person's or a service's secp256k1 key) can hold. All but `admin` are bound
 * on chain (contracts/Accounts.sol, by their id below) by the organisation or community that grants
 * them, with a scope; `admin` is local to one node: its bootstrap API key (`<data-dir>/api-token`)
 * and the keys that key creates.
 */
export const accountRoleIds = {
  regulator: 1,
  "grid-operator": 2,
  "region-operator": 3,
  "community-operator": 4,
  prosumer: 5,
  issuer: 6,
  auditor: 7,
  collector: 8,
} as const;

/** A role bound on chain. */
export type ChainRole = keyof typeof accountRoleIds;

/** Every role a principal can hold: the on-chain roles and the node-local `admin`. */
export const accountRoles = [...(Object.keys(accountRoleIds) as ChainRole[]), "admin"] as const;
export type AccountRole = (typeof accountRoles)[number];

/**
 * Where a binding applies. `all`: everywhere (regulator, auditor, issuer, admin); `region`: one region by
 * its code (region and grid operators, collectors); `community`: one community by its address
 * (community operators, prosumers).
 */
export type Scope =
  | { kind: "all" }
  | { kind: "region"; region: string }
  | { kind: "community"; community: string };

/** One role held with one scope. */
export type Binding = { role: AccountRole; scope: Scope };

/** The kind of scope each role is granted with (Accounts.sol checks the same). */
export const scopeKindOf: Record<AccountRole, Scope["kind"]> = {
  regulator: "all",
  auditor: "all",
  issuer: "all",
  admin: "all",
  "region-operator": "region",
  "grid-operator": "region",
  collector: "region",
  "community-operator": "community",
  prosumer: "community",
};

/** Parses a role name; `AUTH_UNKNOWN_ROLE` names the roles there are. */
export function parseAccountRole(name: string): AccountRole {
  const role = name.trim().toLowerCase();
  if ((accountRoles as readonly string[]).includes(role)) return role as AccountRole;
  throw new BaseError(
    "AUTH_UNKNOWN_ROLE",
    `unknown role "${name}"; expected one of ${accountRoles.join(", ")}`,
    {
      details: { role: name },
    },
  );
}

/** The on-chain id of a role; `admin` has none. */
export function chainRoleId(role: AccountRole): number | undefined {
  return role === "admin" ? undefined : accountRoleIds[role];
}

/** The role of an on-chain id, or undefined for an id this node does not know. */
export function roleOfChainId(id: number): ChainRole | undefined {
  return (Object.keys(accountRoleIds) as ChainRole[]).find((role) => accountRoleIds[role] === id);
}
