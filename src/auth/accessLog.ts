import { createHash } from "node:crypto";
import type { Database } from "../db/database.js";
import { toBigInt } from "../db/sql.js";

/** What the auth plugin records for a request to a personal action or any write (docs/http-api.md). */
export type AccessEntry = {
  /** `actorOf(principal)`: an address, `api-key:<id>`, `device:<id>` or `anonymous`. */
  actor: string;
  roles: string[];
  action: string;
  method: string;
  /** The request's path, without its query. */
  object: string;
  /** Why (a regulator's `X-GridLedger-Purpose`), or null. */
  purpose: string | null;
};

/** One row of the access log, with its place in the hash chain. */
export type AccessLogRow = AccessEntry & { seq: number; at: string; hash: string; prevHash: string };

/** The result of {@link AccessLog.verify}: `brokenAt` is the first seq whose row or link does not match. */
export type AccessLogVerification = { ok: boolean; entries: number; head: string; brokenAt?: number };

/** The first entry's prevHash: 32 zero bytes. */
export const genesisHash = `0x${"00".repeat(32)}`;

/**
 * The hash of one entry: sha256(prevHash bytes ‖ UTF-8 of the canonical JSON of
 * `{seq, at, actor, roles, action, method, object, purpose}`), keys in that order, `at` as ISO 8601
 * with milliseconds (UTC), hex with 0x. Anyone with the rows can recompute it.
 */
export function entryHash(prevHash: string, row: AccessEntry & { seq: number; at: string }): string {
  const canonical = JSON.stringify({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    roles: row.roles,
    action: row.action,
    method: row.method,
    object: row.object,
    purpose: row.purpose,
  });
  return `0x${createHash("sha256")
    .update(Buffer.from(prevHash.slice(2), "hex"))
    .update(canonical, "utf8")
    .digest("hex")}`;
}

type Row = {
  seq: string;
  at: Date;
  actor: string;
  roles: string[];
  action: string;
  method: string;
  object: string;
  purpose: string | null;
  prev_hash: string;
  hash: string;
};

const rowOf = (r: Row): AccessLogRow => ({
  seq: Number(r.seq),
  at: r.at.toISOString(),
  actor: r.actor,
  roles: r.roles,
  action: r.action,
  method: r.method,
  object: r.object,
  purpose: r.purpose,
  hash: r.hash,
  prevHash: r.prev_hash,
});

/**
 * The access log: `record` appends one hash-chained row (appends are serialised by locking the
 * head row, on PGlite and PostgreSQL alike); `list` pages through it; `verify` recomputes every hash
 * and link and compares the last row with the head; `head(until)` is the chain's head before a time
 * (what the daily anchor publishes); `anchors`/`markAnchored` record the anchored days.
 * The table refuses UPDATE, DELETE and TRUNCATE (a trigger), so only someone bypassing it as a
 * database superuser can edit a row, and `verify` then reports where.
 */
export function createAccessLog(db: Database, options: { now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  return {
    async record(entry: AccessEntry): Promise<AccessLogRow> {
      return db.transaction(async (tx) => {
        const { rows } = await tx.query<{ seq: string; hash: string }>(
          "select seq, hash from access_log_head where id for update",
        );
        const head = rows[0]!;
        const seq = Number(toBigInt(head.seq) + 1n);
        const at = new Date(now()).toISOString();
        const row = { ...entry, roles: [...entry.roles], seq, at };
        const hash = entryHash(head.hash, row);
        await tx.query(
          `insert into access_log (seq, at, actor, roles, action, method, object, purpose, prev_hash, hash)
           values ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9, $10)`,
          [seq, at, row.actor, row.roles, row.action, row.method, row.object, row.purpose, head.hash, hash],
        );
        await tx.query("update access_log_head set seq = $1, hash = $2 where id", [seq, hash]);
        return { ...row, hash, prevHash: head.hash };
      });
    },

    /** Entries after `after` (a seq), oldest first, at most `limit` (1–1000, default 100). */
    async list(options: { after?: number; limit?: number } = {}): Promise<AccessLogRow[]> {
      const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
      const { rows } = await db.query<Row>(
        `select * from access_log where seq > $1 order by seq limit ${limit}`,
        [options.after ?? 0],
      );
      return rows.map(rowOf);
    },

    async verify(): Promise<AccessLogVerification> {
      let prev = genesisHash;
      let expected = 1;
      let brokenAt: number | undefined;
      for (;;) {
        const { rows } = await db.query<Row>(
          "select * from access_log where seq >= $1 order by seq limit 1000",
          [expected],
        );
        for (const raw of rows) {
          const row = rowOf(raw);
          if (row.seq !== expected || row.prevHash !== prev || entryHash(prev, row) !== row.hash) {
            brokenAt = expected;
            break;
          }
          prev = row.hash;
          expected += 1;
        }
        if (brokenAt !== undefined || rows.length < 1000) break;
      }
      const head = (await db.query<{ seq: string; hash: string }>("select seq, hash from access_log_head"))
        .rows[0];
      // Rows missing at the end (or a head that moved without its row) break the chain at the first missing seq.
      if (brokenAt === undefined && head && (Number(head.seq) !== expected - 1 || head.hash !== prev)) {
        brokenAt = expected;
      }
      return brokenAt === undefined
        ? { ok: true, entries: expected - 1, head: prev }
        : { ok: false, entries: expected - 1, head: prev, brokenAt };
    },

    /** The last entry strictly before `until` (ms): its hash and seq (= entries so far); genesis and 0 when none. */
    async head(until: number): Promise<{ head: string; count: number }> {
      const { rows } = await db.query<{ seq: string; hash: string }>(
        "select seq, hash from access_log where at < $1 order by seq desc limit 1",
        [new Date(until).toISOString()],
      );
      const row = rows[0];
      return row ? { head: row.hash, count: Number(row.seq) } : { head: genesisHash, count: 0 };
    },

    /** When the first entry was written (ms), or undefined for an empty log. */
    async firstAt(): Promise<number | undefined> {
      const { rows } = await db.query<{ at: Date }>("select at from access_log where seq = 1");
      return rows[0]?.at.getTime();
    },

    /** The anchored days, newest first. */
    async anchors(): Promise<
      { day: number; date: string; head: string; count: number; anchoredAt: string }[]
    > {
      const { rows } = await db.query<{ day: string; head: string; count: string; anchored_at: Date }>(
        "select * from access_log_anchored_days order by day desc limit 1000",
      );
      return rows.map((r) => ({
        day: Number(r.day),
        date: new Date(Number(r.day) * 86_400_000).toISOString().slice(0, 10),
        head: r.head,
        count: Number(r.count),
        anchoredAt: r.anchored_at.toISOString(),
      }));
    },

    /** The last anchored day, or undefined. */
    async lastAnchoredDay(): Promise<number | undefined> {
      const { rows } = await db.query<{ day: string }>(
        "select max(day)::text as day from access_log_anchored_days",
      );
      return rows[0]?.day == null ? undefined : Number(rows[0].day);
    },

    async markAnchored(day: number, head: string, count: number): Promise<void> {
      await db.query(
        "insert into access_log_anchored_days (day, head, count) values ($1, $2, $3) on conflict (day) do nothing",
        [day, head, count],
      );
    },
  };
}

export type AccessLog = ReturnType<typeof createAccessLog>;

const dayMs = 86_400_000;

/**
 * Anchors the head of every finished UTC day not anchored yet (a day = days since 1970-01-01 UTC;
 * `count` = entries up to the end of that day). Days without new entries are skipped. `anchor` is the
 * on-chain call (Accounts.anchorAccessLog); a day is recorded as anchored only after it resolves.
 * Returns the days anchored. Run it daily (and at start-up).
 */
export async function anchorAccessLogDay(options: {
  accessLog: AccessLog;
  anchor: (day: number, head: string, count: number) => Promise<void>;
  now?: () => number;
}): Promise<number[]> {
  const { accessLog, anchor } = options;
  const today = Math.floor((options.now ?? Date.now)() / dayMs);
  const last = await accessLog.lastAnchoredDay();
  const first = await accessLog.firstAt();
  if (first === undefined) return [];
  let previousCount = last === undefined ? 0 : (await accessLog.head((last + 1) * dayMs)).count;
  const anchored: number[] = [];
  for (let day = last === undefined ? Math.floor(first / dayMs) : last + 1; day < today; day++) {
    const { head, count } = await accessLog.head((day + 1) * dayMs);
    if (count === previousCount) continue;
    await anchor(day, head, count);
    await accessLog.markAnchored(day, head, count);
    anchored.push(day);
    previousCount = count;
  }
  return anchored;
}

/**
 * Runs {@link anchorAccessLogDay} at start and then every `everyMs` (an hour by default: a day is
 * anchored within an hour of its end); a failed round is reported and retried at the next one.
 */
export function startAccessLogAnchoring(options: {
  accessLog: AccessLog;
  anchor: (day: number, head: string, count: number) => Promise<void>;
  onError: (error: unknown) => void;
  everyMs?: number;
}): { close(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const round = () => {
    running = running.then(() => anchorAccessLogDay(options).catch(options.onError));
  };
  round();
  const timer = setInterval(round, options.everyMs ?? 3_600_000);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
