import { BaseError } from "../core/errors.js";
import { migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";
import { redactUrl } from "./sql.js";

/** Which engine serves a {@link Database}: embedded PGlite or a PostgreSQL server. */
export type DatabaseKind = "pglite" | "postgres";

/**
 * Something SQL can be sent to: the database itself or an open transaction.
 *
 * Values come back the same way from both engines:
 * - `bigint` (int8) and `numeric` columns, and arrays of them, are returned as decimal strings, never
 *   as JS numbers (which lose precision above 2^53) nor as JS `bigint`; convert with `toBigInt` from
 *   `./sql.js`. Parameters may be given as JS `bigint`, `number` or decimal strings.
 * - `integer`/`smallint` are numbers, `boolean` is boolean, `jsonb` is parsed, `timestamptz` is a `Date`.
 * - With parameters the text must hold one statement (extended protocol). Without parameters it may hold
 *   several separated by `;` (simple protocol); the rows of the last statement are returned.
 * - SQL errors are the driver's own `DatabaseError`, with the SQLSTATE in `code` (see `sqlState`).
 */
export type Queryable = {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
};

/** An open database: PGlite in the data directory or a pool of connections to PostgreSQL. */
export type Database = Queryable & {
  kind: DatabaseKind;
  /**
   * Runs fn in one transaction (BEGIN/COMMIT, ROLLBACK on throw); on postgres on one pooled client.
   * Inside fn use only `tx`: on PGlite a query on the database itself waits for the transaction to end.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Closes the database (idempotent); PGlite also releases the data directory lock. */
  close(): Promise<void>;
};

/** Where the database lives. */
export type DatabaseOptions = {
  /** `postgres://` or `postgresql://` URL → PostgreSQL (pg Pool). Empty or absent → PGlite. */
  url?: string | undefined;
  /** PGlite files are kept in `${dataDir}/db`, guarded by `${dataDir}/db.lock`; absent → in memory. */
  dataDir?: string | undefined;
};

/**
 * Opens the database (PGlite when no url) and applies pending migrations.
 *
 * Errors: `DB_URL_INVALID`, `DB_CONNECT_FAILED` (PostgreSQL unreachable or refusing; password redacted),
 * `DB_LOCKED` (PGlite data directory used by a live process), `DB_OPEN_FAILED` (PGlite could not start),
 * and the migration errors of {@link migrate}.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const url = options.url === "" ? undefined : options.url;
  if (url !== undefined && !/^postgres(ql)?:\/\//i.test(url)) {
    throw new BaseError("DB_URL_INVALID", `database URL must start with postgres:// or postgresql://`, {
      details: { url: redactUrl(url) },
    });
  }
  const db = url === undefined ? await openPglite(options.dataDir) : await openPostgres(url);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
