import { type Address, getAddress, pad } from "viem";
import type { Queryable } from "../db/database.js";
import { type Binding, roleOfChainId, type Scope } from "./roles.js";

const zeroScope = `0x${"0".repeat(64)}`;

/** A binding's on-chain scope as `Scope`: everywhere, a region (by its code) or a community (by its address). */
function scopeOf(scope: string, regionCode: string | null): Scope | undefined {
  if (scope === zeroScope) return { kind: "all" };
  if (regionCode !== null) return { kind: "region", region: regionCode };
  if (/^0x0{24}[0-9a-f]{40}$/.test(scope))
    return { kind: "community", community: getAddress(`0x${scope.slice(26)}`) };
  return undefined;
}

/** The on-chain scope word of a `Scope`, given the region id of a region code. */
export function scopeWord(scope: Scope, regionIdOf: (code: string) => `0x${string}`): `0x${string}` {
  if (scope.kind === "all") return zeroScope as `0x${string}`;
  if (scope.kind === "region") return regionIdOf(scope.region);
  return pad(scope.community.toLowerCase() as Address, { size: 32 });
}

/**
 * The roles the chain records for an account (from the `account_roles` mirror), with their scopes.
 * Bindings whose role id or region this node does not know are left out.
 */
export async function bindingsOf(db: Queryable, account: Address): Promise<Binding[]> {
  const { rows } = await db.query<{ role: number; scope: string; code: string | null }>(
    `select b.role, b.scope, r.code from account_roles b left join regions r on r.region_id = b.scope
     where b.account = $1 order by b.role, b.scope`,
    [account.toLowerCase()],
  );
  const bindings: Binding[] = [];
  for (const row of rows) {
    const role = roleOfChainId(Number(row.role));
    const scope = scopeOf(row.scope, row.code);
    if (role && scope) bindings.push({ role, scope });
  }
  return bindings;
}
