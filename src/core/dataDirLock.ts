import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BaseError } from "./errors.js";

/** A held lock on a data directory (or a part of one). */
export type DataDirLock = {
  /** Absolute path of the lock file. */
  path: string;
  /** Removes the lock file if it is still ours (idempotent). */
  release(): Promise<void>;
};

// Lock files this process holds. A lock file naming our own pid that is not in here was left by an
// earlier process that happened to get the same pid (common in containers, where it is often 1).
const held = new Set<string>();

/**
 * Takes `${dataDir}/<fileName>` (default `db.lock`, error code `DB_LOCKED`), a file holding the pid of
 * the process that has the directory open. PGlite does not lock its files and two processes on one
 * directory corrupt it (the node takes `node.lock` for the whole data directory likewise), so a lock held by a
 * live process (or by this process) is refused with DB_LOCKED. A lock whose pid is dead, or an empty
 * or garbled lock file, is stale and taken over. The file is created with O_EXCL, so two openers
 * never both win a free lock; two openers taking over the same stale lock at the same instant is
 * the one race left. The pid test only holds on one host: do not share a data directory over NFS.
 */
export async function acquireDataDirLock(
  dataDir: string,
  options: { fileName?: string; code?: string } = {},
): Promise<DataDirLock> {
  const path = resolve(join(dataDir, options.fileName ?? "db.lock"));
  const code = options.code ?? "DB_LOCKED";
  // Claimed before the first await, so two openers in this process cannot both get past here.
  if (held.has(path)) throw locked(code, dataDir, path, process.pid);
  held.add(path);
  try {
    await mkdir(dataDir, { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await tryCreate(path)) {
        let releasing: Promise<void> | undefined;
        return { path, release: () => (releasing ??= release(path)) };
      }
      const owner = await readOwner(path);
      if (owner === "missing") continue;
      if (typeof owner === "number" && owner !== process.pid && isAlive(owner)) {
        throw locked(code, dataDir, path, owner);
      }
      await rm(path, { force: true });
    }
    throw new BaseError(code, `could not take the lock file ${path}: it keeps changing`, {
      details: { dataDir, lockFile: path },
    });
  } catch (error) {
    held.delete(path);
    throw error;
  }
}

function locked(code: string, dataDir: string, path: string, pid: number): BaseError {
  return new BaseError(
    code,
    `the data directory ${dataDir} is in use by process ${pid} (lock file ${path}); ` +
      "stop that process, or delete the lock file if no GridLedger process uses the directory",
    { details: { dataDir, lockFile: path, pid } },
  );
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    await writeFile(path, `${process.pid}\n`, { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

async function readOwner(path: string): Promise<number | "missing" | "garbled"> {
  // An empty file may be a lock being written right now (between O_EXCL create and write): look again.
  for (let attempt = 0; attempt < 2; attempt++) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
      throw error;
    }
    if (text.trim() !== "") {
      const pid = Number(text.trim());
      return Number.isSafeInteger(pid) && pid > 0 ? pid : "garbled";
    }
    await sleep(50);
  }
  return "garbled";
}

async function release(path: string): Promise<void> {
  try {
    const owner = await readOwner(path);
    if (owner === process.pid) await rm(path, { force: true });
  } finally {
    // Only now may another opener in this process claim the path, so it never sees our file as stale.
    held.delete(path);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
