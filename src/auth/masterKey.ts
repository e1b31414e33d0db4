import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { BaseError } from "../core/errors.js";
import { readIfExists } from "../core/files.js";
import { writeFileDurably } from "../node/nodeState.js";

/** Where a node keeps its master key when `GRIDLEDGER_MASTER_KEY` is not set (never in the database). */
export const masterKeyPath = (dataDir: string) => join(dataDir, "master.key");

/** Parses a 256-bit key given as 64 hex digits (0x optional) or base64; `PROFILE_MASTER_KEY_INVALID` otherwise. */
export function parseMasterKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const hex = trimmed.replace(/^0x/i, "");
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, trimmed.includes("-") || trimmed.includes("_") ? "base64url" : "base64");
    if (key.length === 32) return key;
  }
  throw new BaseError(
    "PROFILE_MASTER_KEY_INVALID",
    `the master key in ${source} must be 32 bytes as 64 hex digits or base64`,
    { details: { source } },
  );
}

/**
 * The master key that wraps every subject's data key: `GRIDLEDGER_MASTER_KEY` (hex or base64) when
 * set, else `<dataDir>/master.key`, created with a random key (0600) at first start. Without a data
 * directory and without the variable (an in-memory node), a random key lives for the process only.
 */
export async function loadMasterKey(options: {
  dataDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<Buffer> {
  const fromEnv = (options.env ?? process.env).GRIDLEDGER_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return parseMasterKey(fromEnv, "GRIDLEDGER_MASTER_KEY");
  if (options.dataDir === undefined) return randomBytes(32);
  const path = masterKeyPath(options.dataDir);
  const existing = await readIfExists(path);
  if (existing !== undefined) return parseMasterKey(existing, path);
  const key = randomBytes(32);
  await writeFileDurably(path, `${key.toString("hex")}\n`, 0o600);
  return key;
}
