import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AccessEntry,
  anchorAccessLogDay,
  createAccessLog,
  genesisHash,
} from "../../src/auth/accessLog.js";
import { postgresAvailable, setupDatabase, type TestDatabase } from "../helpers/database.js";

const pgAvailable = await postgresAvailable();
const engines = (["pglite", "postgres"] as const).filter(
  (e) => e === "pglite" || pgAvailable || process.env.CI,
);

const entry = (n: number): AccessEntry => ({
  actor: "0x00000000000000000000000000000000000a11ce",
  roles: ["regulator"],
  action: "readings.read",
  method: "GET",
  object: `/v1/readings/0x01/${n}`,
  purpose: "tariff review",
});

describe.each(engines)("access log on %s", (engine) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await setupDatabase(engine);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("chains its rows from 32 zero bytes and verifies", async () => {
    const log = createAccessLog(t.db);
    const first = await log.record(entry(1));
    const second = await log.record(entry(2));
    expect(first.prevHash).toBe(genesisHash);
    expect(second.prevHash).toBe(first.hash);
    expect(await log.verify()).toEqual({ ok: true, entries: 2, head: second.hash });
    expect((await log.list({ after: 1 })).map((row) => row.object)).toEqual(["/v1/readings/0x01/2"]);
  });

  it("stays one linear chain when many requests append at once", async () => {
    const log = createAccessLog(t.db);
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.record(entry(i))));
    const rows = await log.list({ limit: 100 });
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await log.verify()).ok).toBe(true);
  });

  it("refuses to update or delete a row", async () => {
    const log = createAccessLog(t.db);
    await log.record(entry(1));
    await expect(t.db.query("update access_log set actor = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(t.db.query("delete from access_log")).rejects.toThrow(/append-only/);
  });

  it("reports the first edited row when a superuser bypasses the guard", async () => {
    const log = createAccessLog(t.db);
    for (let i = 1; i <= 4; i++) await log.record(entry(i));
    await t.db.query("alter table access_log disable trigger access_log_no_update");
    await t.db.query("update access_log set purpose = 'nothing to see' where seq = 3");
    expect(await log.verify()).toMatchObject({ ok: false, entries: 2, brokenAt: 3 });
  });

  it("reports rows deleted from the end against the head", async () => {
    const log = createAccessLog(t.db);
    for (let i = 1; i <= 3; i++) await log.record(entry(i));
    await t.db.query("alter table access_log disable trigger access_log_no_update");
    await t.db.query("delete from access_log where seq = 3");
    expect(await log.verify()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it("anchors the head of each finished UTC day once", async () => {
    const day = 86_400_000;
    let clock = Date.UTC(2025, 0, 1, 10);
    const log = createAccessLog(t.db, { now: () => clock });
    await log.record(entry(1));
    await log.record(entry(2));
    clock += day; // 2 Jan
    const second = await log.record(entry(3));
    const calls: [number, string, number][] = [];
    const anchor = async (d: number, head: string, count: number) => {
      calls.push([d, head, count]);
    };
    // On 2 Jan only 1 Jan is finished.
    expect(await anchorAccessLogDay({ accessLog: log, anchor, now: () => clock })).toEqual([20089]);
    expect(calls[0]?.[2]).toBe(2);
    clock += 2 * day; // 4 Jan: 2 Jan has entries, 3 Jan none
    expect(await anchorAccessLogDay({ accessLog: log, anchor, now: () => clock })).toEqual([20090]);
    expect(calls[1]).toEqual([20090, second.hash, 3]);
    expect(await anchorAccessLogDay({ accessLog: log, anchor, now: () => clock })).toEqual([]);
    expect((await log.anchors()).map((a) => a.date)).toEqual(["2025-01-02", "2025-01-01"]);
  });
});
