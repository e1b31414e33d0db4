import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import type { ContractName } from "../chain/manifest.js";
import { BaseError } from "../core/errors.js";

/** What a node records about itself in `<dataDir>/node.json`. */
export type NodeState = {
  version: 1;
  chainId: number;
  /** "embedded", or the JSON-RPC URL of the external network the node was initialised against. */
  chain: { mode: "embedded" } | { mode: "external"; rpcUrl: string };
  operator: Address;
  /** Deployed (or adopted) contract addresses, by manifest name (src/chain/manifest.ts). */
  contracts: Partial<Record<ContractName, Address>>;
  /** Addresses a deployment in flight will have (from the deployer's nonce), so a crash mid-deploy is resumed. */
  pendingContracts?: Partial<Record<ContractName, Address>>;
  /** The contracts of the old layout while `gridledger migrate` copies them into the new set. */
  migratingFrom?: Partial<Record<ContractName, Address>>;
  /** The contracts of the old layout a migration moved this data directory from. */
  previousContracts?: Partial<Record<ContractName, Address>>;
  /** True once the founding (or the attachment) is complete: from then on the directory is read, nothing sent. */
  founded?: boolean;
  /** Block of the first deployment; indexing starts there. */
  deployedAtBlock?: number;
};

const stateFile = (dataDir: string) => join(dataDir, "node.json");
const keyFile = (dataDir: string) => join(dataDir, "keys", "operator.key");

/**
 * Writes a file atomically and durably: temp file, fsync, rename, fsync of the directory. The file is
 * owner-only (0600) unless `mode` says otherwise.
 */
export async function writeFileDurably(path: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, "w", mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  const dir = await open(join(path, ".."), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Reads `<dataDir>/node.json`, or undefined when the data directory was never initialised. */
export async function readNodeState(dataDir: string): Promise<NodeState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile(dataDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as NodeState;
  } catch (cause) {
    throw new BaseError("NODE_STATE_CORRUPT", `${stateFile(dataDir)} is not valid JSON`, { cause });
  }
}

/** Saves `<dataDir>/node.json` atomically. */
export async function writeNodeState(dataDir: string, state: NodeState): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFileDurably(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Returns the operator's private key from `<dataDir>/keys/operator.key`, creating it when missing:
 * from `privateKey` when given (an existing funded account on an external network), else random.
 * The file is readable by its owner only.
 */
export async function loadOrCreateOperatorKey(dataDir: string, privateKey?: string): Promise<Hex> {
  const path = keyFile(dataDir);
  try {
    await access(path, constants.F_OK);
    const existing = (await readFile(path, "utf8")).trim() as Hex;
    if (privateKey !== undefined && normaliseKey(privateKey) !== existing) {
      throw new BaseError(
        "NODE_KEY_MISMATCH",
        `${path} already holds a different operator key; remove it or use another --data-dir`,
      );
    }
    return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key =
    privateKey === undefined ? (`0x${randomBytes(32).toString("hex")}` as Hex) : normaliseKey(privateKey);
  await mkdir(join(dataDir, "keys"), { recursive: true, mode: 0o700 });
  await writeFileDurably(path, `${key}\n`, 0o600);
  return key;
}

function normaliseKey(key: string): Hex {
  const hex = key.trim().replace(/^0x/i, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new BaseError("NODE_INVALID_PRIVATE_KEY", "the operator private key must be 32 bytes of hex");
  }
  return `0x${hex}`;
}
