import { open, readFile } from "node:fs/promises";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { BaseError } from "../core/errors.js";

/**
 * Writes a new secp256k1 account key to `path` (`0x` and 64 hex digits, a newline; mode 0600) and returns
 * its address. Never overwrites: an existing file is refused with `ACCOUNTS_KEY_FILE_EXISTS`.
 */
export async function createAccountKeyFile(path: string): Promise<{ address: Address; path: string }> {
  const key = generatePrivateKey();
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new BaseError(
        "ACCOUNTS_KEY_FILE_EXISTS",
        `${path} exists already; an account key is never overwritten`,
        {
          details: { path },
        },
      );
    }
    throw error;
  }
  try {
    await handle.writeFile(`${key}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { address: privateKeyToAddress(key), path };
}

/** Reads an account key file (`0x` and 64 hex digits); `ACCOUNTS_INVALID_KEY_FILE` when it holds anything else. */
export async function readAccountKeyFile(path: string): Promise<{ key: Hex; address: Address }> {
  const text = (await readFile(path, "utf8")).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) {
    throw new BaseError(
      "ACCOUNTS_INVALID_KEY_FILE",
      `${path} does not hold an account key (0x and 64 hex digits)`,
      {
        details: { path },
      },
    );
  }
  const key = text.toLowerCase() as Hex;
  return { key, address: privateKeyToAddress(key) };
}
