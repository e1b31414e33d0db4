import { type Address, type ContractEventName, getAddress } from "viem";
import { accountsAbi } from "../chain/artifacts/index.js";
import { eachLog, type IndexedLog, type IndexerHandler } from "../chain/indexer/eventIndexer.js";
import type { Queryable } from "../db/database.js";
import { accountRoleIds, type ChainRole, roleOfChainId, type Scope } from "./roles.js";

type LogOf<E extends ContractEventName<typeof accountsAbi>> = IndexedLog<typeof accountsAbi, E>;

const lower = (value: string) => value.toLowerCase();

/**
 * The Accounts mirror's event-indexer handler (cursor "accounts"): a `RoleGranted` inserts the binding
 * into `account_roles`, a `RoleRevoked` deletes it, an `AccessLogAnchored` records the head in
 * `access_log_anchors`. Replaying events already applied leaves the same rows, so a sync that is cut
 * short and run again is harmless. Waits while the node knows no Accounts contract.
 */
export function accountsHandler(
  address: Address | undefined,
  fromBlock: bigint,
): IndexerHandler<typeof accountsAbi> {
  return {
    name: "accounts",
    abi: accountsAbi,
    address,
    fromBlock,
    on: {
      RoleGranted: (tx, logs) => eachLog(logs, (log) => grant(tx, log)),
      RoleRevoked: (tx, logs) =>
        eachLog(logs, ({ args: a }) =>
          tx.query("delete from account_roles where account = $1 and role = $2 and scope = $3", [
            lower(a.account),
            a.role,
            lower(a.scope),
          ]),
        ),
      AccessLogAnchored: (tx, logs) =>
        eachLog(logs, (log) =>
          tx.query(
            `insert into access_log_anchors (org, day, head, count, block_number, tx_hash) values ($1, $2, $3, $4, $5, $6)
             on conflict (org, day) do nothing`,
            [
              lower(log.args.org),
              log.args.day.toString(),
              lower(log.args.head),
              log.args.count.toString(),
              log.blockNumber.toString(),
              lower(log.transactionHash),
            ],
          ),
        ),
    },
  };
}

function grant(tx: Queryable, { args: a, blockNumber }: LogOf<"RoleGranted">) {
  return tx.query(
    `insert into account_roles (account, role, scope, granted_by, granted_block) values ($1, $2, $3, $4, $5)
     on conflict (account, role, scope) do update set granted_by = excluded.granted_by,
       granted_block = excluded.granted_block`,
    [lower(a.account), a.role, lower(a.scope), lower(a.grantor), blockNumber.toString()],
  );
}

/** One anchored access-log head, as `GET /v1/access-log/anchors` lists it. */
export type AccessLogAnchor = {
  org: string;
  day: number;
  head: string;
  count: number;
  blockNumber: number;
  txHash: string;
};

/** Anchored access-log heads, newest day first; of one organisation when `org` is given. */
export async function listAccessLogAnchors(
  db: Queryable,
  options: { org?: string; limit?: number } = {},
): Promise<AccessLogAnchor[]> {
  const { rows } = await db.query<{
    org: string;
    day: string;
    head: string;
    count: string;
    block_number: string;
    tx_hash: string;
  }>(
    `select org, day::text, head, count::text, block_number::text, tx_hash from access_log_anchors
     where ($1::text is null or org = $1) order by day desc, org limit $2`,
    [options.org?.toLowerCase() ?? null, options.limit ?? 100],
  );
  return rows.map((row) => ({
    org: row.org,
    day: Number(row.day),
    head: row.head,
    count: Number(row.count),
    blockNumber: Number(row.block_number),
    txHash: row.tx_hash,
  }));
}

/** One binding of the `account_roles` mirror, as `GET /v1/accounts` lists it. */
export type BindingRow = {
  account: string;
  role: ChainRole;
  scope: Scope;
  /** The scope as the chain holds it (0x00…00, a region id, or a padded community address). */
  scopeWord: string;
  grantedBy: string;
  grantedBlock: number | null;
};

/**
 * Bindings of the mirror, by account then role; of one account, one role or one grantor when given.
 * Rows whose role id or region this node does not know are left out (as `bindingsOf` does).
 */
export async function listBindings(
  db: Queryable,
  filter: { account?: string; role?: ChainRole; grantedBy?: string; limit?: number; offset?: number } = {},
): Promise<BindingRow[]> {
  const { rows } = await db.query<{
    account: string;
    role: number;
    scope: string;
    code: string | null;
    granted_by: string;
    granted_block: string | null;
  }>(
    `select b.account, b.role, b.scope, r.code, b.granted_by, b.granted_block::text
     from account_roles b left join regions r on r.region_id = b.scope
     where ($1::text is null or b.account = $1) and ($2::smallint is null or b.role = $2)
       and ($3::text is null or b.granted_by = $3)
     order by b.account, b.role, b.scope limit $4 offset $5`,
    [
      filter.account?.toLowerCase() ?? null,
      filter.role === undefined ? null : accountRoleIds[filter.role],
      filter.grantedBy?.toLowerCase() ?? null,
      filter.limit ?? 1000,
      filter.offset ?? 0,
    ],
  );
  const bindings: BindingRow[] = [];
  for (const row of rows) {
    const role = roleOfChainId(Number(row.role));
    const scope = scopeOfWord(row.scope, row.code);
    if (!role || !scope) continue;
    bindings.push({
      account: getAddress(row.account),
      role,
      scope,
      scopeWord: row.scope,
      grantedBy: getAddress(row.granted_by),
      grantedBlock: row.granted_block === null ? null : Number(row.granted_block),
    });
  }
  return bindings;
}

/** A scope word as `Scope`, given the code of the region it names (if any). */
function scopeOfWord(word: string, regionCode: string | null): Scope | undefined {
  if (/^0x0{64}$/.test(word)) return { kind: "all" };
  if (regionCode !== null) return { kind: "region", region: regionCode };
  if (/^0x0{24}[0-9a-f]{40}$/.test(word))
    return { kind: "community", community: getAddress(`0x${word.slice(26)}`) };
  return undefined;
}
