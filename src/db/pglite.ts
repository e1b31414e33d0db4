import { join, resolve } from "node:path";
import { PGlite, type Transaction, types } from "@electric-sql/pglite";
import { acquireDataDirLock, type DataDirLock } from "../core/dataDirLock.js";
import { BaseError } from "../core/errors.js";
import type { Database, Queryable } from "./database.js";
import { errorMessage } from "./sql.js";

// PGlite parses int8 to a JS bigint (or number); keep it a decimal string as pg does, so callers see
// one representation on both engines. numeric is already a string; arrays reuse the element parser.
const parsers = { [types.INT8]: (value: string) => value };

/**
 * Opens embedded PGlite with its files in `${dataDir}/db` (in memory without dataDir).
 * PGlite itself does not lock its files, and two processes writing the same directory corrupt it,
 * so the directory is guarded by `${dataDir}/db.lock` (see `acquireDataDirLock`).
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const lock = dataDir === undefined ? undefined : await acquireDataDirLock(dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir: resolve(dataDir, "db") }),
      parsers,
    });
  } catch (error) {
    await lock?.release();
    throw new BaseError(
      "DB_OPEN_FAILED",
      `cannot open the embedded database${inDir(dataDir)}: ${errorMessage(error)}`,
      {
        details: { dataDir: dataDir ?? null },
        cause: error,
      },
    );
  }
  return wrap(pglite, lock);
}

function wrap(pglite: PGlite, lock: DataDirLock | undefined): Database {
  let closing: Promise<void> | undefined;
  const checkOpen = () => {
    if (closing !== undefined) throw new BaseError("DB_CLOSED", "the database is closed");
  };
  return {
    kind: "pglite",
    async query<T>(sql: string, params?: unknown[]) {
      checkOpen();
      return run<T>(pglite, sql, params);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      checkOpen();
      return pglite.transaction(async (tx) => {
        let done = false;
        try {
          return await fn({
            async query<R>(sql: string, params?: unknown[]) {
              if (done) throw new BaseError("DB_TRANSACTION_CLOSED", "the transaction has already ended");
              return run<R>(tx, sql, params);
            },
          });
        } finally {
          done = true;
        }
      });
    },
    close() {
      closing ??= (async () => {
        try {
          await pglite.close();
        } finally {
          await lock?.release();
        }
      })();
      return closing;
    },
  };
}

async function run<T>(target: PGlite | Transaction, sql: string, params: unknown[] | undefined) {
  if (params === undefined || params.length === 0) {
    // Simple protocol, like pg without parameters: allows several statements (migrations).
    const results = await target.exec(sql);
    return { rows: (results.at(-1)?.rows ?? []) as T[] };
  }
  const result = await target.query<T>(sql, params);
  return { rows: result.rows };
}

function inDir(dataDir: string | undefined): string {
  return dataDir === undefined ? "" : ` in ${join(dataDir, "db")}`;
}
