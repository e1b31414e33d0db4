import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isBaseError } from "../../src/core/errors.js";
import { type Database, openDatabase } from "../../src/db/database.js";
import { getMeta, setMeta } from "../../src/db/metaStore.js";
import { applyMigrations, checksumOf, loadMigrations, migrate } from "../../src/db/migrate.js";
import { sqlState, toBigInt } from "../../src/db/sql.js";
import {
  createTestPostgresDatabase,
  postgresAvailable,
  setupDatabase,
  type TestDatabase,
} from "../helpers/database.js";

const pgAvailable = await postgresAvailable();
// PostgreSQL runs on developer machines and in CI: there a missing server fails the suite, not skips it.
const skipPostgres = !pgAvailable && !process.env.CI;

const ADDRESS = `0x${"ab".repeat(20)}`;
const TABLES = ["devices", "node_meta", "organisations", "proposals", "regions", "sync_state"];

/** Expects `promise` to reject with a GridLedger error of `code`, and returns that error. */
async function rejectsWith(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isBaseError(error, code)) throw new Error(`expected ${code}, got ${String(error)}`);
  return error;
}

/** Opens the test database a second time (PGlite: after closing the first, as its lock requires). */
async function reopen(t: TestDatabase): Promise<Database> {
  if (t.db.kind === "pglite") {
    await t.db.close();
    return openDatabase({ dataDir: t.dataDir });
  }
  return openDatabase({ url: t.url });
}

describe.each(["pglite", "postgres"] as const)("database on %s", (kind) => {
  describe.skipIf(kind === "postgres" && skipPostgres)("fresh database", () => {
    let t: TestDatabase;
    let db: Database;
    beforeEach(async () => {
      t = await setupDatabase(kind);
      db = t.db;
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it("applies every migration once and records it with its checksum", async () => {
      const migrations = await loadMigrations();
      expect(migrations.map((m) => m.version)).toContain("0001");
      const { rows } = await db.query<{ version: string; name: string; checksum: string; applied_at: Date }>(
        "select version, name, checksum, applied_at from schema_migrations order by version",
      );
      expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(
        migrations.map((m) => [m.version, m.name, checksumOf(m.sql)]),
      );
      expect(rows[0]?.applied_at).toBeInstanceOf(Date);
      const tables = await db.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
    });

    it("does not apply migrations again when migrating or reopening", async () => {
      expect(await migrate(db)).toEqual({ applied: [] });
      const before = await db.query("select version, applied_at from schema_migrations order by version");
      const again = await reopen(t);
      try {
        const after = await again.query("select version, applied_at from schema_migrations order by version");
        expect(after.rows).toEqual(before.rows);
      } finally {
        await again.close();
      }
    });

    it("applies a new migration after the applied ones and records it", async () => {
      const migrations = await loadMigrations();
      const extra = {
        version: "9001",
        name: "extra",
        sql: "create table extra (x bigint); create index on extra (x);",
      };
      expect(await applyMigrations(db, [...migrations, extra])).toEqual({ applied: ["9001_extra"] });
      expect(await applyMigrations(db, [...migrations, extra])).toEqual({ applied: [] });
      const { rows } = await db.query("select version from schema_migrations where version = '9001'");
      expect(rows).toHaveLength(1);
    });

    it("rolls back a failing migration and does not record it", async () => {
      const migrations = await loadMigrations();
      const broken = { version: "9002", name: "broken", sql: "create table broken (x int); select 1 / 0;" };
      const error = await rejectsWith(applyMigrations(db, [...migrations, broken]), "DB_MIGRATION_FAILED");
      expect(error.message).toContain("9002_broken");
      const { rows } = await db.query(
        "select to_regclass('broken') as t, (select count(*) from schema_migrations where version = '9002') as n",
      );
      expect(rows[0]).toEqual({ t: null, n: "0" });
    });

    it("refuses a migration whose file changed after it was applied", async () => {
      const migrations = await loadMigrations();
      const edited = migrations.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited\n` } : m));
      const error = await rejectsWith(applyMigrations(db, edited), "DB_MIGRATION_CHANGED");
      expect(error.message).toContain("0001_init");

      // The real files against a recorded checksum that no longer matches, through openDatabase.
      await db.query("update schema_migrations set checksum = $1 where version = '0001'", [
        checksumOf("old"),
      ]);
      await rejectsWith(migrate(db), "DB_MIGRATION_CHANGED");
      await rejectsWith(reopen(t), "DB_MIGRATION_CHANGED");
    });

    it("refuses a database migrated by a newer version", async () => {
      await db.query(
        "insert into schema_migrations (version, name, checksum) values ('9999', 'future', 'x')",
      );
      await rejectsWith(migrate(db), "DB_MIGRATION_UNKNOWN");
    });

    it("commits a transaction and returns its result", async () => {
      const result = await db.transaction(async (tx) => {
        await setMeta(tx, "a", { n: 1 });
        await setMeta(tx, "b", [1, "two", null]);
        return (await tx.query<{ n: string }>("select count(*) as n from node_meta")).rows[0]?.n;
      });
      expect(result).toBe("2");
      expect(await getMeta(db, "a")).toEqual({ n: 1 });
      expect(await getMeta(db, "b")).toEqual([1, "two", null]);
    });

    it("rolls back a transaction that throws and rethrows the error", async () => {
      const failure = new Error("boom");
      await expect(
        db.transaction(async (tx) => {
          await setMeta(tx, "a", 1);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await getMeta(db, "a")).toBeUndefined();
      // The connection is usable afterwards.
      await db.transaction((tx) => setMeta(tx, "a", 2));
      expect(await getMeta(db, "a")).toBe(2);
    });

    it("rolls back a transaction whose SQL fails", async () => {
      const error = await db
        .transaction(async (tx) => {
          await setMeta(tx, "a", 1);
          await tx.query("insert into organisations (address) values ($1)", [ADDRESS]);
        })
        .catch((reason: unknown) => reason);
      expect(sqlState(error)).toBe("23502"); // not_null_violation
      expect(await getMeta(db, "a")).toBeUndefined();
    });

    it("refuses to use a transaction after it ended", async () => {
      let leaked: { query: Database["query"] } | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await rejectsWith(leaked!.query("select 1"), "DB_TRANSACTION_CLOSED");
    });

    it("returns int8 and numeric as exact decimal strings above 2^53", async () => {
      const capacity = 2n ** 63n - 1n;
      const proposalId = 2n ** 256n - 1n;
      await db.query(
        `insert into devices (device_id, scheme, public_key, owner, region_id, kind, source, capacity_w, status)
         values ('0x01', 1, '0xaa', $1, '0x02', 1, 1, $2, 0)`,
        [ADDRESS, capacity],
      );
      await db.query(
        "insert into proposals (id, kind, proposer, deadline, description) values ($1, 1, $2, $3, 'raise the cap')",
        [proposalId.toString(), ADDRESS, 2n ** 53n + 1n],
      );
      const device = await db.query<{ capacity_w: unknown }>("select capacity_w from devices");
      expect(device.rows[0]?.capacity_w).toBe("9223372036854775807");
      expect(toBigInt(device.rows[0]?.capacity_w)).toBe(capacity);
      const proposal = await db.query<{ id: unknown; deadline: unknown }>(
        "select id, deadline from proposals",
      );
      expect(toBigInt(proposal.rows[0]?.id)).toBe(proposalId);
      expect(proposal.rows[0]?.deadline).toBe("9007199254740993");

      const u128 = 2n ** 128n - 1n;
      const computed = await db.query(
        "select $1::numeric(39,0) as v, $2::bigint + 1 as w, sum(x) as s from unnest($3::bigint[]) as x",
        [u128, 2n ** 53n, [2n ** 62n, 2n ** 62n - 1n]],
      );
      expect(computed.rows[0]).toEqual({
        v: u128.toString(),
        w: "9007199254740993",
        s: (2n ** 63n - 1n).toString(),
      });

      // Without parameters (simple protocol) and in arrays, the same.
      const literal = await db.query(
        "select 9007199254740993::bigint as i, array[9007199254740993, 1]::bigint[] as ia, array[1.5, 2]::numeric[] as na",
      );
      expect(literal.rows[0]).toEqual({
        i: "9007199254740993",
        ia: ["9007199254740993", "1"],
        na: ["1.5", "2"],
      });
    });

    it("returns the rows of the last statement of a parameterless multi-statement query", async () => {
      const { rows } = await db.query(
        "create temporary table t (x int); insert into t values (1), (2); select x from t order by x",
      );
      expect(rows).toEqual([{ x: 1 }, { x: 2 }]);
    });

    it("stores node metadata and replaces it on a second set", async () => {
      expect(await getMeta(db, "chain")).toBeUndefined();
      await setMeta(db, "chain", { id: 31337, contracts: ["0x01"] });
      await setMeta(db, "chain", { id: 1, contracts: [] });
      await setMeta(db, "label", 'a "quoted" string');
      expect(await getMeta(db, "chain")).toEqual({ id: 1, contracts: [] });
      expect(await getMeta(db, "label")).toBe('a "quoted" string');
    });

    it("rejects registry addresses that are not lowercase 0x hex", async () => {
      const error = await db
        .query(
          "insert into organisations (address, name, roles, seat, active) values ($1, 'A', 1, true, true)",
          [`0x${"AB".repeat(20)}`],
        )
        .catch((reason: unknown) => reason);
      expect(sqlState(error)).toBe("23514"); // check_violation
    });

    it("refuses queries after close", async () => {
      await db.close();
      await db.close();
      await rejectsWith(db.query("select 1"), "DB_CLOSED");
      await rejectsWith(
        db.transaction(async () => {}),
        "DB_CLOSED",
      );
    });
  });
});

describe("PGlite data directory", () => {
  let dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "gridledger-db-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    dirs = [];
  });

  it("keeps its data across close and reopen", async () => {
    const dataDir = await tempDir();
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe("pglite");
    await setMeta(first, "height", 42);
    await first.close();
    const second = await openDatabase({ dataDir });
    try {
      expect(await getMeta(second, "height")).toBe(42);
      expect(await migrate(second)).toEqual({ applied: [] });
    } finally {
      await second.close();
    }
  });

  it("refuses a second opener while the first is open, and frees the directory on close", async () => {
    const dataDir = await tempDir();
    const first = await openDatabase({ dataDir });
    const error = await rejectsWith(openDatabase({ dataDir }), "DB_LOCKED");
    expect(error.details.pid).toBe(process.pid);
    await first.close();
    await expect(readFile(join(dataDir, "db.lock"))).rejects.toThrow();
    const second = await openDatabase({ dataDir });
    await second.close();
  });

  it("refuses a directory locked by another live process and takes it over once that process is gone", async () => {
    const dataDir = await tempDir();
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      await writeFile(join(dataDir, "db.lock"), `${other.pid}\n`);
      const error = await rejectsWith(openDatabase({ dataDir }), "DB_LOCKED");
      expect(error.details.pid).toBe(other.pid);
      expect(error.message).toContain("db.lock");
    } finally {
      other.kill();
      if (other.exitCode === null && other.signalCode === null) await once(other, "exit");
    }
    const db = await openDatabase({ dataDir });
    try {
      expect((await readFile(join(dataDir, "db.lock"), "utf8")).trim()).toBe(String(process.pid));
    } finally {
      await db.close();
    }
  });

  it("takes over a lock naming this pid left by an earlier process", async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, "db.lock"), `${process.pid}\n`);
    const db = await openDatabase({ dataDir });
    try {
      // Taken over, not merely ignored: the lock is ours, so a second opener is refused.
      expect((await readFile(join(dataDir, "db.lock"), "utf8")).trim()).toBe(String(process.pid));
      const error = await rejectsWith(openDatabase({ dataDir }), "DB_LOCKED");
      expect(error.details.pid).toBe(process.pid);
    } finally {
      await db.close();
    }
    await expect(readFile(join(dataDir, "db.lock"))).rejects.toThrow();
  });

  it("runs in memory without a data directory", async () => {
    const db = await openDatabase({});
    try {
      expect(db.kind).toBe("pglite");
      expect(await migrate(db)).toEqual({ applied: [] });
    } finally {
      await db.close();
    }
  });
});

describe("PostgreSQL server", () => {
  it.skipIf(skipPostgres)(
    "lets concurrent openers of one database all succeed with migrations applied once",
    async () => {
      const { url, drop } = await createTestPostgresDatabase();
      try {
        const dbs = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ url })));
        try {
          expect(dbs.every((db) => db.kind === "postgres")).toBe(true);
          const { rows } = await dbs[0]!.query<{ version: string }>(
            "select version from schema_migrations order by version",
          );
          expect(rows.map((r) => r.version)).toEqual((await loadMigrations()).map((m) => m.version));
        } finally {
          await Promise.all(dbs.map((db) => db.close()));
        }
      } finally {
        await drop();
      }
    },
  );

  it("fails with DB_CONNECT_FAILED and a redacted URL when nothing listens", {
    timeout: 15_000,
  }, async () => {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, "close");

    const error = await rejectsWith(
      openDatabase({ url: `postgres://gridledger:s3cret@127.0.0.1:${port}/gridledger` }),
      "DB_CONNECT_FAILED",
    );
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).not.toContain("s3cret");
    expect(error.details.url).toBe(`postgres://gridledger:***@127.0.0.1:${port}/gridledger`);
  });

  it("refuses a URL that is not postgres://", async () => {
    await rejectsWith(openDatabase({ url: "mysql://root:pw@localhost/db" }), "DB_URL_INVALID");
  });
});
