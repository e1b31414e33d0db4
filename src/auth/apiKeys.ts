import { createHash, randomBytes } from "node:crypto";
import type { Address } from "viem";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { type Binding, parseAccountRole, type Scope, scopeKindOf } from "./roles.js";

/** The id of the node's bootstrap admin key (the content of `<data-dir>/api-token`). */
export const bootstrapKeyId = "bootstrap";

/** sha256 of a secret, hex: what the database keeps instead of the secret. */
export const secretHash = (secret: string) => createHash("sha256").update(secret).digest("hex");

const keyPattern = /^glk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** An API key as listed: never its secret. */
export type ApiKey = {
  id: string;
  name: string;
  account: Address | undefined;
  createdBy: string;
  bindings: Binding[];
  createdAt: string;
  rotatedAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

type Row = {
  id: string;
  name: string;
  secret_hash: string;
  account: string | null;
  created_by: string;
  bindings: Binding[];
  created_at: Date;
  rotated_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

function keyOf(row: Row): ApiKey {
  return {
    id: row.id,
    name: row.name,
    account: (row.account ?? undefined) as Address | undefined,
    createdBy: row.created_by,
    bindings: row.bindings,
    createdAt: row.created_at.toISOString(),
    rotatedAt: iso(row.rotated_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

/** Parses `glk_<16 hex id>_<43 base64url secret>`; undefined when the text is not one. */
export function parseApiKey(text: string): { id: string; secret: string } | undefined {
  const match = keyPattern.exec(text);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/**
 * Checks bindings given by a client (`[{ role, scope }]`, a scope being `{kind:"all"}`,
 * `{kind:"region", region}` or `{kind:"community", community}`, or the shorthand strings `all`,
 * `region:CN-GD`, `community:0x…`): `AUTH_BINDING_INVALID` names the first bad one.
 */
export function parseBindings(input: unknown): Binding[] {
  if (!Array.isArray(input) || input.length === 0 || input.length > 32) {
    throw new BaseError("AUTH_BINDING_INVALID", "bindings must be a list of 1 to 32 { role, scope }");
  }
  return input.map((item, index) => {
    const { role: roleText, scope: scopeInput } = (item ?? {}) as { role?: unknown; scope?: unknown };
    const bad = (why: string) =>
      new BaseError("AUTH_BINDING_INVALID", `binding ${index}: ${why}`, { details: { index } });
    if (typeof roleText !== "string") throw bad("role must be a role name");
    const role = parseAccountRole(roleText);
    const scope = parseScope(scopeInput ?? "all");
    if (scope === undefined) throw bad("scope must be all, region:<code> or community:<address>");
    if (scope.kind !== scopeKindOf[role]) throw bad(`role ${role} is held with a ${scopeKindOf[role]} scope`);
    return { role, scope };
  });
}

function parseScope(input: unknown): Scope | undefined {
  const text =
    typeof input === "string"
      ? input
      : typeof input === "object" && input !== null
        ? (() => {
            const scope = input as { kind?: unknown; region?: unknown; community?: unknown };
            if (scope.kind === "all") return "all";
            if (scope.kind === "region" && typeof scope.region === "string") return `region:${scope.region}`;
            if (scope.kind === "community" && typeof scope.community === "string")
              return `community:${scope.community}`;
            return "";
          })()
        : "";
  if (text === "all") return { kind: "all" };
  const region = /^region:([A-Za-z0-9-]{2,16})$/.exec(text);
  if (region) return { kind: "region", region: region[1]!.toUpperCase() };
  const community = /^community:(0x[0-9a-fA-F]{40})$/.exec(text);
  if (community) return { kind: "community", community: community[1]!.toLowerCase() };
  return undefined;
}

const sameScope = (a: Scope, b: Scope) =>
  a.kind === b.kind &&
  (a.kind === "all" ||
    (a.kind === "region" && b.kind === "region" && a.region === b.region) ||
    (a.kind === "community" &&
      b.kind === "community" &&
      a.community.toLowerCase() === b.community.toLowerCase()));

/** True when every binding of `wanted` is held in `held` (same role, same scope or the role held everywhere); admin holds all. */
export function withinBindings(wanted: Binding[], held: Binding[]): boolean {
  if (held.some((binding) => binding.role === "admin")) return true;
  return wanted.every((want) =>
    held.some(
      (have) => have.role === want.role && (have.scope.kind === "all" || sameScope(have.scope, want.scope)),
    ),
  );
}

/**
 * The API keys of a node (table `api_keys`): `glk_<id>_<secret>`, the secret 32 random bytes, stored
 * as its sha256 only; the key is shown once, at creation and rotation.
 */
export function createApiKeyStore(db: Queryable) {
  const fresh = () => randomBytes(32).toString("base64url");
  return {
    /** Creates a key with the given bindings; returns it with its one-time `key`. */
    async create(input: {
      name: string;
      bindings: Binding[];
      account: Address | undefined;
      createdBy: string;
    }): Promise<ApiKey & { key: string }> {
      const name = input.name.trim();
      if (name === "" || name.length > 100) {
        throw new BaseError("AUTH_KEY_NAME_INVALID", "an API key's name is 1 to 100 characters");
      }
      const id = randomBytes(8).toString("hex");
      const secret = fresh();
      const { rows } = await db.query<Row>(
        `insert into api_keys (id, name, secret_hash, account, created_by, bindings)
         values ($1, $2, $3, $4, $5, $6::jsonb) returning *`,
        [
          id,
          name,
          secretHash(secret),
          input.account?.toLowerCase() ?? null,
          input.createdBy,
          JSON.stringify(input.bindings),
        ],
      );
      return { ...keyOf(rows[0]!), key: `glk_${id}_${secret}` };
    },

    /** The key a bearer token names when its secret matches and it is not revoked; records its use. */
    async verify(token: string): Promise<ApiKey | undefined> {
      const parsed = parseApiKey(token);
      if (!parsed) return undefined;
      const { rows } = await db.query<Row>(
        `update api_keys set last_used_at = now()
         where id = $1 and secret_hash = $2 and revoked_at is null returning *`,
        [parsed.id, secretHash(parsed.secret)],
      );
      return rows[0] ? keyOf(rows[0]) : undefined;
    },

    /** Keys, newest first: all of them, or those an account created. */
    async list(filter: { account?: Address | undefined } = {}): Promise<ApiKey[]> {
      const { rows } =
        filter.account === undefined
          ? await db.query<Row>("select * from api_keys order by created_at desc, id")
          : await db.query<Row>("select * from api_keys where account = $1 order by created_at desc, id", [
              filter.account.toLowerCase(),
            ]);
      return rows.map(keyOf);
    },

    /** One key, or undefined. */
    async get(id: string): Promise<ApiKey | undefined> {
      if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
      const { rows } = await db.query<Row>("select * from api_keys where id = $1", [id]);
      return rows[0] ? keyOf(rows[0]) : undefined;
    },

    /** Gives a live key a new secret (the old one stops working at once); returns the new `key`. */
    async rotate(id: string): Promise<ApiKey & { key: string }> {
      const secret = fresh();
      const { rows } = await db.query<Row>(
        `update api_keys set secret_hash = $2, rotated_at = now()
         where id = $1 and revoked_at is null returning *`,
        [id, secretHash(secret)],
      );
      if (!rows[0]) throw notFound(id);
      return { ...keyOf(rows[0]), key: `glk_${id}_${secret}` };
    },

    /** Revokes a key for good (idempotent for a revoked key). */
    async revoke(id: string): Promise<ApiKey> {
      const { rows } = await db.query<Row>(
        "update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning *",
        [id],
      );
      if (!rows[0]) throw notFound(id);
      return keyOf(rows[0]);
    },
  };
}

/** The API key store's interface. */
export type ApiKeyStore = ReturnType<typeof createApiKeyStore>;

const notFound = (id: string) =>
  new BaseError("AUTH_KEY_NOT_FOUND", `no live API key ${id}`, { details: { id } });
