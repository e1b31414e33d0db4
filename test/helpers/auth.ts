import type { Address } from "viem";
import { createApiKeyStore } from "../../src/auth/apiKeys.js";
import type { AccountRole, Binding, Scope } from "../../src/auth/roles.js";
import type { Queryable } from "../../src/db/database.js";

/** Headers of a request made with a fresh API key holding `bindings` (created straight in the database). */
export async function apiKeyHeaders(
  db: Queryable,
  bindings: Binding[],
  options: { name?: string; account?: Address } = {},
): Promise<{ authorization: string }> {
  const key = await createApiKeyStore(db).create({
    name: options.name ?? `test ${bindings.map((binding) => binding.role).join("+")}`,
    bindings,
    account: options.account,
    createdBy: "test",
  });
  return { authorization: `Bearer ${key.key}` };
}

/** Headers of a request made as one role, scoped to `region` (region roles) or `community` (community roles). */
export function roleHeaders(
  db: Queryable,
  role: AccountRole,
  where: { region?: string; community?: string } = {},
): Promise<{ authorization: string }> {
  return apiKeyHeaders(db, [{ role, scope: scopeFor(role, where) }]);
}

/** A scope of the kind `role` is held with: the given region or community, else a default one. */
export function scopeFor(role: AccountRole, where: { region?: string; community?: string } = {}): Scope {
  switch (role) {
    case "region-operator":
    case "grid-operator":
    case "collector":
      return { kind: "region", region: where.region ?? "CN-GD" };
    case "community-operator":
    case "prosumer":
      return { kind: "community", community: where.community ?? `0x${"c0".repeat(20)}` };
    default:
      return { kind: "all" };
  }
}

/** Headers of the node's bootstrap admin key (`<data-dir>/api-token`). */
export const adminHeaders = (apiToken: string) => ({ authorization: `Bearer ${apiToken}` });
