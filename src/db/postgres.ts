import pg from "pg";
import { BaseError } from "../core/errors.js";
import type { Database, Queryable } from "./database.js";
import { errorMessage, redactUrl } from "./sql.js";

const INT8 = 20;
const INT8_ARRAY = 1016;
const NUMERIC = 1700;
const NUMERIC_ARRAY = 1231;
const TEXT_ARRAY = 1009;

/**
 * How long a new connection may take before it fails (DB_CONNECT_FAILED when opening). pg-pool applies
 * the same limit to waiting for a free pooled client, so an overloaded pool fails a query after this
 * long instead of hanging.
 */
const CONNECT_TIMEOUT_MS = 10_000;

// pg returns int8 and numeric as strings by default, but numeric[] as JS floats, and a global
// `pg.defaults.parseInt8 = true` anywhere in the process would turn int8 into lossy numbers. This
// per-pool table pins all four to decimal strings whatever the global state.
const builtinParser = pg.types.getTypeParser as (
  oid: number,
  format: "text" | "binary",
) => (value: string) => unknown;
const parseStringArray = builtinParser(TEXT_ARRAY, "text");
const stringParsers = new Map<number, (value: string) => unknown>([
  [INT8, (value) => value],
  [NUMERIC, (value) => value],
  [INT8_ARRAY, parseStringArray],
  [NUMERIC_ARRAY, parseStringArray],
]);
const typeParsers = {
  getTypeParser: ((oid: number, format: "text" | "binary" = "text") =>
    (format === "text" ? stringParsers.get(oid) : undefined) ??
    builtinParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * Opens a pool of connections to the PostgreSQL server at `url` and checks that one connection works,
 * so an unreachable or refusing server fails here with DB_CONNECT_FAILED (password redacted).
 */
export async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: "gridledger",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: typeParsers,
  });
  // An idle client losing its connection emits "error" on the pool; without a listener that would
  // crash the process. The next query gets a fresh client (or fails itself), so nothing is lost here.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const safeUrl = redactUrl(url);
    throw new BaseError(
      "DB_CONNECT_FAILED",
      `cannot connect to PostgreSQL at ${safeUrl}: ${errorMessage(error)}`,
      {
        details: { url: safeUrl, reason: (error as { code?: unknown } | null)?.code ?? null },
        cause: error,
      },
    );
  }
  return wrap(pool);
}

function wrap(pool: pg.Pool): Database {
  let closing: Promise<void> | undefined;
  const checkOpen = () => {
    if (closing !== undefined) throw new BaseError("DB_CLOSED", "the database is closed");
  };
  return {
    kind: "postgres",
    async query<T>(sql: string, params?: unknown[]) {
      checkOpen();
      return rowsOf<T>(await pool.query(sql, params));
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      checkOpen();
      const client = await pool.connect();
      let done = false;
      let broken: Error | undefined;
      const tx: Queryable = {
        async query<R>(sql: string, params?: unknown[]) {
          if (done) throw new BaseError("DB_TRANSACTION_CLOSED", "the transaction has already ended");
          return rowsOf<R>(await client.query(sql, params));
        },
      };
      try {
        await client.query("BEGIN");
        const result = await fn(tx);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        done = true;
        // A client whose ROLLBACK failed may still be inside the transaction: destroy, do not reuse it.
        client.release(broken);
      }
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

// pg returns one result per statement when the text holds several (simple protocol).
function rowsOf<T>(result: pg.QueryResult | pg.QueryResult[]): { rows: T[] } {
  const last = Array.isArray(result) ? result.at(-1) : result;
  return { rows: (last?.rows ?? []) as T[] };
}
