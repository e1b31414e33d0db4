import { chmod, mkdir, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { describeModeFixes, secureDataDir } from "../../src/core/dataDirModes.js";
import { tempDir } from "../helpers/cli.js";

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe("secureDataDir", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function dir() {
    const made = await tempDir("gridledger-modes-");
    cleanups.push(made.cleanup);
    return made.dir;
  }

  it("removes group and other bits from a data directory and reports each change", async () => {
    const root = await dir();
    await writeFile(join(root, "node.json"), "{}", { mode: 0o666 });
    await mkdir(join(root, "chain"), { mode: 0o755 });
    await writeFile(join(root, "chain", "000003.log"), "", { mode: 0o640 });
    await writeFile(join(root, "api-token"), "", { mode: 0o600 });
    await chmod(root, 0o755);
    await chmod(join(root, "node.json"), 0o666);
    await chmod(join(root, "chain"), 0o755);
    await chmod(join(root, "chain", "000003.log"), 0o640);

    const fixes = await secureDataDir(root);
    expect(new Set(fixes.map((fix) => `${fix.path} ${fix.from.toString(8)} ${fix.to.toString(8)}`))).toEqual(
      new Set([". 755 700", "node.json 666 600", "chain 755 700", "chain/000003.log 640 600"]),
    );
    expect(await modeOf(root)).toBe(0o700);
    expect(await modeOf(join(root, "chain", "000003.log"))).toBe(0o600);
    expect(await modeOf(join(root, "api-token"))).toBe(0o600);
    expect(await secureDataDir(root)).toEqual([]);
  });

  it("leaves a directory that is not a data directory, and what symbolic links point to, alone", async () => {
    const other = await dir();
    await writeFile(join(other, "notes.txt"), "", { mode: 0o644 });
    await chmod(join(other, "notes.txt"), 0o644);
    expect(await secureDataDir(other)).toEqual([]);
    expect(await modeOf(join(other, "notes.txt"))).toBe(0o644);

    const root = await dir();
    await writeFile(join(root, "node.json"), "{}");
    await symlink(join(other, "notes.txt"), join(root, "link"));
    await secureDataDir(root);
    expect(await modeOf(join(other, "notes.txt"))).toBe(0o644);
  });

  it("names the first paths in its warning and counts the rest", () => {
    const fixes = Array.from({ length: 12 }, (_, i) => ({ path: `db/base/${i}`, from: 0o666, to: 0o600 }));
    const message = describeModeFixes("/srv/gl", fixes);
    expect(message).toContain("from 12 path(s): db/base/0 0666→0600, db/base/1 0666→0600");
    expect(message).toContain("db/base/9 0666→0600, and 2 more");
    expect(message).not.toContain("db/base/10 ");
  });
});
