import type { Queryable } from "./database.js";

/** A value that survives JSON: what `node_meta` stores (bigints go in as decimal strings). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Reads a node metadata value (`node_meta`), or undefined when the key was never set.
 * The type parameter is trusted, not checked: pass the type that was stored under `key`.
 */
export async function getMeta<T extends JsonValue = JsonValue>(
  db: Queryable,
  key: string,
): Promise<T | undefined> {
  const { rows } = await db.query<{ value: T }>("select value from node_meta where key = $1", [key]);
  return rows[0]?.value;
}

/** Stores a node metadata value under `key`, replacing any previous one. Works inside a transaction. */
export async function setMeta(db: Queryable, key: string, value: JsonValue): Promise<void> {
  // Sent as text and cast, so both drivers store exactly JSON.stringify(value) (pg would otherwise
  // turn a JS array into a Postgres array literal, and PGlite passes strings through unencoded).
  await db.query(
    `insert into node_meta (key, value, updated_at) values ($1, $2::text::jsonb, now())
     on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`,
    [key, JSON.stringify(value)],
  );
}
