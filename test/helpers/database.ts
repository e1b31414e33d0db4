import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll } from "vitest";
import { type Database, type DatabaseKind, openDatabase } from "../../src/db/database.js";

/** A fresh, migrated database for one test; `cleanup()` closes and deletes it. */
export type TestDatabase = {
  db: Database;
  /** PostgreSQL only: URL of the isolated test database (open it again with `openDatabase({ url })`). */
  url?: string;
  /** PGlite only: the temporary data directory (open it again with `openDatabase({ dataDir })`). */
  dataDir?: string;
  cleanup(): Promise<void>;
};

/** Admin connection used to create and drop test databases; `GRIDLEDGER_TEST_PG_URL` overrides it. */
export function testAdminUrl(): string {
  return process.env.GRIDLEDGER_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";
}

let available: Promise<boolean> | undefined;

/** Whether the test PostgreSQL server answers (quick connect, 2 s timeout; cached per process). */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: testAdminUrl(), connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("select 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return available;
}

/** Creates an empty database `gridledger_test_<random>` on the test server; `drop()` removes it. */
export async function createTestPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gridledger_test_${randomBytes(6).toString("hex")}`;
  await withAdmin((admin) => admin.query(`create database "${name}"`));
  const url = new URL(testAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      // "with (force)" (PostgreSQL 13+) ends sessions a failed test left open.
      await withAdmin((admin) => admin.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

/**
 * Opens a fresh, migrated database of the given kind: PGlite in a temporary data directory, or an
 * isolated PostgreSQL database on the test server (see {@link testAdminUrl}).
 */
export async function setupDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "gridledger-db-"));
    try {
      await cp(await pgliteTemplate(), dataDir, { recursive: true });
      const db = await openDatabase({ dataDir });
      return {
        db,
        dataDir,
        async cleanup() {
          await db.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const { url, drop } = await createTestPostgresDatabase();
  try {
    const db = await openDatabase({ url });
    return {
      db,
      url,
      async cleanup() {
        await db.close();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}

let template: Promise<string> | undefined;

// Creating a PGlite database (initdb) takes seconds; copying a migrated one and opening it takes a
// fraction of that. One template per test file (vitest evaluates this module once per file),
// removed after the file's tests.
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "gridledger-db-template-"));
    const db = await openDatabase({ dataDir: dir });
    await db.close();
    return dir;
  })().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template;
}

afterAll(async () => {
  const dir = await template?.catch(() => undefined);
  template = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: testAdminUrl(), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}
