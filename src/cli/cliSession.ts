import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { BaseError } from "../core/errors.js";
import { writeFileDurably } from "../node/nodeState.js";

/** A session `gridledger login` stored for one node. */
export type StoredSession = { token: string; account: string; expiresAt: string; refreshUntil: string };

/** Where `gridledger login` keeps sessions: `<data-dir>/cli-sessions.json` (0600), one per node URL. */
export const cliSessionsPath = (dataDir: string) => join(dataDir, "cli-sessions.json");

async function readAll(dataDir: string): Promise<Record<string, StoredSession>> {
  try {
    return JSON.parse(await readFile(cliSessionsPath(dataDir), "utf8")) as Record<string, StoredSession>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new BaseError(
      "CLI_SESSION_UNREADABLE",
      `${cliSessionsPath(dataDir)} is not readable JSON; delete it and log in again`,
      {
        cause: error,
      },
    );
  }
}

/** The stored session for a node, or undefined. */
export async function readSession(dataDir: string, nodeUrl: string): Promise<StoredSession | undefined> {
  return (await readAll(dataDir))[nodeUrl];
}

/** Stores (or, with undefined, forgets) the session for a node; the file is readable by its owner only. */
export async function writeSession(dataDir: string, nodeUrl: string, session: StoredSession | undefined) {
  const all = await readAll(dataDir);
  if (session) all[nodeUrl] = session;
  else delete all[nodeUrl];
  if (Object.keys(all).length === 0) await rm(cliSessionsPath(dataDir), { force: true });
  else {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFileDurably(cliSessionsPath(dataDir), `${JSON.stringify(all, null, 2)}\n`, 0o600);
  }
}

/**
 * The token of a stored session, refreshed first (and stored again) when its hour is over but its
 * twelve hours are not; undefined when it can no longer be used.
 */
export async function sessionToken(dataDir: string, nodeUrl: string): Promise<string | undefined> {
  const session = await readSession(dataDir, nodeUrl);
  if (!session) return undefined;
  const now = Date.now();
  if (Date.parse(session.expiresAt) - 30_000 > now) return session.token;
  if (Date.parse(session.refreshUntil) <= now) return undefined;
  const response = await fetch(`${nodeUrl}/v1/auth/refresh`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.token}` },
  }).catch(() => undefined);
  if (!response?.ok) return undefined;
  const fresh = (await response.json()) as StoredSession;
  await writeSession(dataDir, nodeUrl, {
    token: fresh.token,
    account: fresh.account,
    expiresAt: fresh.expiresAt,
    refreshUntil: fresh.refreshUntil,
  });
  return fresh.token;
}
