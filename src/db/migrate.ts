import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { BaseError } from "../core/errors.js";
import type { Database, Queryable } from "./database.js";
import { errorMessage } from "./sql.js";

/** One schema migration: `src/db/migrations/0001_init.sql` is version "0001", name "init". */
export type Migration = { version: string; name: string; sql: string };

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

// Key of the advisory lock that serialises migration runs on one PostgreSQL database ("GRIDLEDG").
const LOCK_KEY = "5139250682469368903";

type Recorded = { version: string; name: string; checksum: string };

/**
 * Applies the pending migrations of `src/db/migrations/` in version order, each in its own
 * transaction, and records them in `schema_migrations` with the sha256 of their text. Returns the
 * applied ones as `"0001_init"`.
 *
 * Every transaction first takes `pg_advisory_xact_lock`, so processes opening one PostgreSQL database
 * at once apply each migration exactly once (the later one finds it recorded and skips it).
 * Refuses with DB_MIGRATION_CHANGED when an applied file was edited since (add a new migration
 * instead), DB_MIGRATION_UNKNOWN when the database holds a migration this code does not know (it was
 * migrated by a newer version), DB_MIGRATION_FAILED when a migration's SQL fails (it is rolled back).
 * Migration files must not contain BEGIN/COMMIT nor statements that cannot run in a transaction.
 */
export async function migrate(db: Database): Promise<{ applied: string[] }> {
  return applyMigrations(db, await loadMigrations());
}

/** Reads the migration files (`NNNN_name.sql`) of a directory, sorted by version. */
export async function loadMigrations(directory: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (match === null) {
      throw new BaseError("DB_MIGRATION_INVALID", `migration file ${file} is not named NNNN_name.sql`, {
        details: { file },
      });
    }
    const sql = await readFile(new URL(file, directory), "utf8");
    migrations.push({ version: match[1]!, name: match[2]!, sql });
  }
  return migrations;
}

/** Applies the pending ones of `migrations` as {@link migrate} does (tests pass their own list). */
export async function applyMigrations(
  db: Database,
  migrations: readonly Migration[],
): Promise<{ applied: string[] }> {
  const sorted = [...migrations].sort((a, b) => a.version.localeCompare(b.version));
  sorted.forEach((migration, index) => {
    if (index > 0 && sorted[index - 1]!.version === migration.version) {
      throw new BaseError("DB_MIGRATION_INVALID", `two migrations have version ${migration.version}`, {
        details: { version: migration.version },
      });
    }
  });

  const recorded = await db.transaction(async (tx) => {
    await lock(tx);
    await createTable(tx);
    return (
      await tx.query<Recorded>("select version, name, checksum from schema_migrations order by version")
    ).rows;
  });
  const known = new Map(sorted.map((migration) => [migration.version, migration]));
  for (const row of recorded) {
    const migration = known.get(row.version);
    if (migration === undefined) {
      throw new BaseError(
        "DB_MIGRATION_UNKNOWN",
        `the database has migration ${row.version}_${row.name}, which this version of GridLedger does not ` +
          "know: it was migrated by a newer version",
        { details: { version: row.version, name: row.name } },
      );
    }
    verify(migration, row.checksum);
  }

  const done = new Set(recorded.map((row) => row.version));
  const applied: string[] = [];
  for (const migration of sorted) {
    if (done.has(migration.version)) continue;
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      // Another process may have applied it while we waited for the lock.
      const { rows } = await tx.query<{ checksum: string }>(
        "select checksum from schema_migrations where version = $1",
        [migration.version],
      );
      if (rows[0] !== undefined) {
        verify(migration, rows[0].checksum);
        return false;
      }
      try {
        await tx.query(migration.sql);
      } catch (error) {
        throw new BaseError(
          "DB_MIGRATION_FAILED",
          `migration ${label(migration)} failed: ${errorMessage(error)}`,
          { details: { version: migration.version, name: migration.name }, cause: error },
        );
      }
      await tx.query(
        "insert into schema_migrations (version, name, checksum, applied_at) values ($1, $2, $3, now())",
        [migration.version, migration.name, checksumOf(migration.sql)],
      );
      return true;
    });
    if (ran) applied.push(label(migration));
  }
  return { applied };
}

/** sha256 (hex) of a migration's text, with CRLF read as LF so a Windows checkout does not differ. */
export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(${LOCK_KEY})`);
}

async function createTable(tx: Queryable): Promise<void> {
  // Checked first rather than "create table if not exists", which emits a notice on every start.
  const { rows } = await tx.query<{ present: boolean }>(
    "select to_regclass('schema_migrations') is not null as present",
  );
  if (rows[0]?.present) return;
  await tx.query(`create table schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`);
}

function verify(migration: Migration, recordedChecksum: string): void {
  const checksum = checksumOf(migration.sql);
  if (checksum === recordedChecksum) return;
  throw new BaseError(
    "DB_MIGRATION_CHANGED",
    `migration ${label(migration)} was changed after it was applied to this database ` +
      `(recorded sha256 ${recordedChecksum.slice(0, 12)}…, file sha256 ${checksum.slice(0, 12)}…); ` +
      "restore the file and put the change in a new migration",
    { details: { version: migration.version, name: migration.name, recordedChecksum, checksum } },
  );
}

function label(migration: Migration): string {
  return `${migration.version}_${migration.name}`;
}
