import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMasterKey, parseMasterKey } from "../../src/auth/masterKey.js";
import { createProfileStore } from "../../src/auth/profiles.js";
import { setupDatabase, type TestDatabase } from "../helpers/database.js";

const alice = "0x00000000000000000000000000000000000A11CE";
const profile = {
  name: "Zhang Wei-Ling",
  postalAddress: "12 Huangpu Road, Guangzhou",
  contact: "+86 20 5555 0101",
  meterLocation: "basement, cabinet 3",
};

/** Every row of every table of the public schema, as text. */
async function everything(t: TestDatabase): Promise<string> {
  const { rows } = await t.db.query<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = 'public'",
  );
  let all = "";
  for (const { table_name } of rows) {
    const dump = await t.db.query<{ row: string }>(
      `select row_to_json(t)::text as row from "${table_name}" t`,
    );
    all += dump.rows.map((r) => r.row).join("\n");
  }
  return all;
}

describe("encrypted owner profiles", () => {
  let t: TestDatabase;
  const masterKey = Buffer.alloc(32, 7);
  beforeAll(async () => {
    t = await setupDatabase("pglite");
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it("keeps no profile field readable in any column of the database", async () => {
    const store = createProfileStore(t.db, masterKey);
    await store.put(alice, profile);
    const all = await everything(t);
    expect(all).toContain(alice.toLowerCase());
    for (const value of Object.values(profile)) {
      expect(all).not.toContain(value);
      expect(all).not.toContain(Buffer.from(value).toString("hex"));
    }
    expect(await store.get(alice)).toMatchObject(profile);
  });

  it("does not open with another master key", async () => {
    await expect(createProfileStore(t.db, Buffer.alloc(32, 8)).get(alice)).rejects.toMatchObject({
      code: "PROFILE_KEY_MISMATCH",
    });
  });

  it("refuses fields it does not collect", async () => {
    const store = createProfileStore(t.db, masterKey);
    await expect(store.put(alice, { ...profile, idNumber: "440101..." })).rejects.toMatchObject({
      code: "PROFILE_INVALID",
    });
  });

  it("erases by destroying the subject's key, and reads say so", async () => {
    const store = createProfileStore(t.db, masterKey);
    const { rows: before } = await t.db.query<{ wrapped_key: unknown }>(
      "select wrapped_key from subject_keys",
    );
    expect(before[0]?.wrapped_key).not.toBeNull();
    expect(await store.erase(alice)).toMatchObject({ erased: true });
    const { rows } = await t.db.query<{ wrapped_key: unknown; erased_at: Date | null }>(
      "select wrapped_key, erased_at from subject_keys where subject = $1",
      [alice.toLowerCase()],
    );
    expect(rows[0]).toMatchObject({ wrapped_key: null });
    expect(rows[0]?.erased_at).toBeInstanceOf(Date);
    expect((await t.db.query("select * from profiles")).rows).toEqual([]);
    await expect(store.get(alice)).rejects.toMatchObject({ code: "PROFILE_ERASED" });
    await expect(store.get("0x0000000000000000000000000000000000000b0b")).rejects.toMatchObject({
      code: "PROFILE_NOT_FOUND",
    });
  });
});

describe("the master key", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gridledger-master-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is created once in the data directory, readable by its owner only", async () => {
    const key = await loadMasterKey({ dataDir: dir, env: {} });
    expect((await stat(join(dir, "master.key"))).mode & 0o777).toBe(0o600);
    expect(await loadMasterKey({ dataDir: dir, env: {} })).toEqual(key);
    expect((await readFile(join(dir, "master.key"), "utf8")).trim()).toBe(key.toString("hex"));
  });

  it("comes from GRIDLEDGER_MASTER_KEY in hex or base64 before the file", async () => {
    const key = Buffer.alloc(32, 9);
    expect(
      await loadMasterKey({ dataDir: dir, env: { GRIDLEDGER_MASTER_KEY: key.toString("hex") } }),
    ).toEqual(key);
    expect(
      await loadMasterKey({ dataDir: dir, env: { GRIDLEDGER_MASTER_KEY: key.toString("base64") } }),
    ).toEqual(key);
    expect(() => parseMasterKey("abc", "GRIDLEDGER_MASTER_KEY")).toThrow(/32 bytes/);
  });
});
