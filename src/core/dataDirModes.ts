import { chmod, lstat, readdir } from "node:fs/promises";
import { join, relative } from "node:path";

/** One path whose permissions were tightened. */
export type ModeFix = {
  /** Path relative to the data directory (`.` for the directory itself). */
  path: string;
  /** Permission bits before (e.g. 0o755). */
  from: number;
  /** Permission bits after (e.g. 0o700). */
  to: number;
};

/** Group and other permission bits: none may be set on anything in a data directory. */
const GROUP_OTHER = 0o077;

/** Entries a data directory may hold before its `node.json` exists: the lock of the opening node. */
const NEW_DIR_ENTRIES = new Set(["node.lock"]);

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}

async function tighten(root: string, path: string, fixes: ModeFix[]): Promise<void> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  // Symbolic links have no permissions of their own; what they point to may be outside the directory.
  if (stats.isSymbolicLink()) return;
  const mode = stats.mode & 0o7777;
  if (stats.isDirectory()) {
    if ((mode & GROUP_OTHER) !== 0) {
      await chmod(path, 0o700);
      fixes.push({ path: relative(root, path) || ".", from: mode, to: 0o700 });
    }
    const entries = await readdir(path).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    for (const entry of entries) await tighten(root, join(path, entry), fixes);
    return;
  }
  if ((mode & GROUP_OTHER) !== 0) {
    const to = mode & 0o700;
    await chmod(path, to);
    fixes.push({ path: relative(root, path), from: mode, to });
  }
}

/**
 * Makes a node's data directory owner-only: the directory and every directory in it 0700, every file
 * without group or other bits (0600 for the usual 0644/0666). Returns what it changed. Only a GridLedger
 * data directory is walked (one with `node.json`, or an empty one), so a `--data-dir` pointed at some
 * other directory by mistake is left alone; symbolic links are not followed.
 */
export async function secureDataDir(dataDir: string): Promise<ModeFix[]> {
  const entries = await readdir(dataDir);
  const isDataDir = entries.includes("node.json") || entries.every((entry) => NEW_DIR_ENTRIES.has(entry));
  if (!isDataDir) return [];
  const fixes: ModeFix[] = [];
  await tighten(dataDir, dataDir, fixes);
  return fixes;
}

/**
 * Makes `dir`, a directory the node alone writes (e.g. the embedded database's), owner-only like
 * {@link secureDataDir}, without the check that it is a data directory. Returns what it changed.
 */
export async function secureOwnDirectory(dir: string): Promise<ModeFix[]> {
  const fixes: ModeFix[] = [];
  await tighten(dir, dir, fixes);
  return fixes;
}

/** One warning line naming what {@link secureDataDir} changed (the first `limit` paths, then a count). */
export function describeModeFixes(dataDir: string, fixes: readonly ModeFix[], limit = 10): string {
  const octal = (mode: number) => `0${mode.toString(8).padStart(3, "0")}`;
  const listed = fixes.slice(0, limit).map((fix) => `${fix.path} ${octal(fix.from)}→${octal(fix.to)}`);
  const more = fixes.length > limit ? `, and ${fixes.length - limit} more` : "";
  return `the data directory ${dataDir} was readable by other users: removed group and other permissions from ${fixes.length} path(s): ${listed.join(", ")}${more}`;
}
