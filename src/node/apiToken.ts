import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "./nodeState.js";

/** Where a node keeps the token its HTTP API requires for writes signed with the operator key. */
export const apiTokenPath = (dataDir: string) => join(dataDir, "api-token");

/** Reads `<dataDir>/api-token`, or undefined when there is none. */
export async function readApiToken(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(apiTokenPath(dataDir), "utf8")).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Returns the node's API token, creating a random one (readable by its owner only) when missing. */
export async function loadOrCreateApiToken(dataDir: string): Promise<string> {
  const existing = await readApiToken(dataDir);
  if (existing) return existing;
  const token = randomBytes(32).toString("base64url");
  await writeFileDurably(apiTokenPath(dataDir), `${token}\n`, 0o600);
  return token;
}

/** Replaces the bootstrap admin key in `<dataDir>/api-token` (durably, mode 0600): its rotation. */
export async function saveApiToken(dataDir: string, token: string): Promise<void> {
  await writeFileDurably(apiTokenPath(dataDir), `${token}\n`, 0o600);
}
