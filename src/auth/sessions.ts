import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { secretHash } from "./apiKeys.js";

/** A session lasts one hour; refresh gives a new one until twelve hours after sign-in. */
export const sessionSeconds = 3600;
export const refreshSeconds = 12 * 3600;

/** The name of the dashboard's session cookie. */
export const sessionCookie = "gridledger_session";

const tokenPattern = /^gls_([A-Za-z0-9_-]{43})$/;

/** A live session as the auth plugin sees it. */
export type Session = { id: string; account: Address; expiresAt: Date; refreshUntil: Date };

type Row = { id: string; account: string; expires_at: Date; refresh_until: Date };

const sessionOf = (row: Row): Session => ({
  id: row.id,
  account: row.account as Address,
  expiresAt: row.expires_at,
  refreshUntil: row.refresh_until,
});

/** True when a bearer token has the shape of a session token (`gls_…`). */
export const isSessionToken = (token: string) => tokenPattern.test(token);

/**
 * Sessions of signed-in accounts (table `sessions`): `gls_<32 random bytes, base64url>`, stored as
 * its sha256 only.
 */
export function createSessionStore(db: Queryable, now: () => Date = () => new Date()) {
  async function open(account: Address, refreshUntil?: Date): Promise<Session & { token: string }> {
    const secret = randomBytes(32).toString("base64url");
    const id = randomBytes(8).toString("hex");
    const start = now();
    const until = refreshUntil ?? new Date(start.getTime() + refreshSeconds * 1000);
    const expires = new Date(Math.min(start.getTime() + sessionSeconds * 1000, until.getTime()));
    await db.query(
      `insert into sessions (token_hash, id, account, created_at, expires_at, refresh_until)
       values ($1, $2, $3, $4, $5, $6)`,
      [secretHash(secret), id, account.toLowerCase(), start, expires, until],
    );
    return {
      id,
      account: account.toLowerCase() as Address,
      expiresAt: expires,
      refreshUntil: until,
      token: `gls_${secret}`,
    };
  }

  /** The live session of a token; undefined when unknown or revoked; `AUTH_SESSION_EXPIRED` when past its hour. */
  async function resolve(token: string): Promise<Session | undefined> {
    const match = tokenPattern.exec(token);
    if (!match) return undefined;
    const { rows } = await db.query<Row>(
      "select id, account, expires_at, refresh_until from sessions where token_hash = $1 and revoked_at is null",
      [secretHash(match[1]!)],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.expires_at.getTime() <= now().getTime()) {
      throw new BaseError("AUTH_SESSION_EXPIRED", "the session has expired; refresh it or sign in again", {
        details: { expiredAt: row.expires_at.toISOString() },
      });
    }
    return sessionOf(row);
  }

  return {
    /** Opens a session for an account that has just signed in; returns its one-time `token`. */
    open: (account: Address) => open(account),
    resolve,

    /**
     * Replaces a session by a new one (the old is revoked), while within twelve hours of sign-in; an
     * expired session may be refreshed too. `AUTH_SESSION_INVALID` or `AUTH_REFRESH_EXPIRED` otherwise.
     */
    async refresh(token: string): Promise<Session & { token: string }> {
      const match = tokenPattern.exec(token);
      const { rows } = match
        ? await db.query<Row>(
            `update sessions set revoked_at = now() where token_hash = $1 and revoked_at is null
             returning id, account, expires_at, refresh_until`,
            [secretHash(match[1]!)],
          )
        : { rows: [] };
      const row = rows[0];
      if (!row) throw new BaseError("AUTH_SESSION_INVALID", "no live session to refresh; sign in");
      if (row.refresh_until.getTime() <= now().getTime()) {
        throw new BaseError("AUTH_REFRESH_EXPIRED", "the session is past its twelve hours; sign in again");
      }
      return open(row.account as Address, row.refresh_until);
    },

    /** Revokes a session (sign-out); unknown tokens are ignored. */
    async revoke(sessionId: string): Promise<void> {
      await db.query("update sessions set revoked_at = coalesce(revoked_at, now()) where id = $1", [
        sessionId,
      ]);
    },
  };
}

/** The session store's interface. */
export type SessionStore = ReturnType<typeof createSessionStore>;
