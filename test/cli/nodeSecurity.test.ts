import { execFile } from "node:child_process";
import { chmod, lstat, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { devAccounts } from "../../src/node/openNode.js";
import { freePort, type NodeProcess, runCli, startNodeProcess, tempDir } from "../helpers/cli.js";

const castPath = fileURLToPath(new URL("../../node_modules/.bin/cast", import.meta.url));
const run = promisify(execFile);

/** Every path under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<{ path: string; mode: number; directory: boolean }[]> {
  const found: { path: string; mode: number; directory: boolean }[] = [];
  const walk = async (path: string) => {
    const stats = await lstat(path);
    found.push({
      path: relative(dir, path) || ".",
      mode: stats.mode & 0o777,
      directory: stats.isDirectory(),
    });
    if (stats.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
  };
  await walk(dir);
  return found;
}

/** Paths whose group or other permission bits are set, as `path 0644`. */
async function openToOthers(dir: string): Promise<string[]> {
  return (await modes(dir))
    .filter((entry) => (entry.mode & 0o077) !== 0)
    .map((entry) => `${entry.path} 0${entry.mode.toString(8)}`);
}

async function rpc(url: string, method: string, params: unknown[] = []) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
}

describe("a node's chain and data directory are its operator's alone", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NodeProcess> {
    const node = await startNodeProcess(["--port", "0", "--mqtt-port", "0", ...args], env);
    cleanups.push(() => node.stop());
    return node;
  }

  let plainDir = "";

  it("a plain start serves JSON-RPC on --rpc-host only, refuses evm_* and the dev accounts, and funds only the operator", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    plainDir = dir.dir;
    const rpcPort = await freePort();
    const node = await start([
      "--data-dir",
      dir.dir,
      "--rpc-port",
      String(rpcPort),
      "--rpc-host",
      "127.0.0.2",
    ]);
    expect(node.info).toMatchObject({ rpcUrl: `http://127.0.0.2:${rpcPort}`, devChain: false });
    const { stdout } = await run(castPath, ["chain-id", "--rpc-url", node.info.rpcUrl]);
    expect(stdout.trim()).toBe("1337");
    await expect(fetch(`http://127.0.0.1:${rpcPort}`, { method: "POST" })).rejects.toThrow();
    // The API still listens on --host.
    expect(node.info.api).toMatch(/^http:\/\/127\.0\.0\.1:/);

    const increase = await rpc(node.info.rpcUrl, "evm_increaseTime", [691200]);
    expect(increase.error).toMatchObject({ code: -32601, message: expect.stringContaining("--dev-chain") });
    for (const account of [devAccounts[0]!, devAccounts[9]!]) {
      expect(await rpc(node.info.rpcUrl, "eth_getBalance", [account, "latest"])).toMatchObject({
        result: "0x0",
      });
    }
    await node.stop();

    // Created under umask 0077: the chain's LevelDB, PGlite's files, the keys and node.json alike.
    const entries = await modes(dir.dir);
    expect(entries.some((entry) => entry.path.startsWith("db/"))).toBe(true);
    expect(entries.some((entry) => entry.path.startsWith("chain/"))).toBe(true);
    expect(await openToOthers(dir.dir)).toEqual([]);
    expect(entries.find((entry) => entry.path === ".")?.mode).toBe(0o700);
    expect(entries.find((entry) => entry.path === "keys/operator.key")?.mode).toBe(0o600);
  });

  it("tightens a data directory that others can read at the next start, with a warning naming what changed", async () => {
    expect(plainDir).not.toBe("");
    const chainFile = (await readdir(join(plainDir, "chain"))).find((name) => name.endsWith(".log"));
    expect(chainFile).toBeDefined();
    await chmod(plainDir, 0o755);
    await chmod(join(plainDir, "keys"), 0o755);
    await chmod(join(plainDir, "keys", "operator.key"), 0o644);
    await chmod(join(plainDir, "node.json"), 0o666);
    await chmod(join(plainDir, "api-token"), 0o666);
    await chmod(join(plainDir, "chain", chainFile!), 0o666);
    await chmod(join(plainDir, "db", "PG_VERSION"), 0o666);
    expect((await openToOthers(plainDir)).length).toBe(7);

    const init = await runCli(["init", "--data-dir", plainDir, "--json"]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain(`warning: the data directory ${plainDir} was readable by other users`);
    for (const change of [
      ". 0755→0700",
      "keys 0755→0700",
      "keys/operator.key 0644→0600",
      "node.json 0666→0600",
      "api-token 0666→0600",
      `chain/${chainFile} 0666→0600`,
      "db/PG_VERSION 0666→0600",
    ]) {
      expect(init.stderr).toContain(change);
    }
    expect(await openToOthers(plainDir)).toEqual([]);

    const again = await runCli(["init", "--data-dir", plainDir, "--json"]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("warning");
  });

  it("GRIDLEDGER_DEV_CHAIN=1 serves evm_* and funds the development accounts on a new chain", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const node = await start(["--data-dir", dir.dir, "--rpc-port", "0"], { GRIDLEDGER_DEV_CHAIN: "1" });
    expect(node.info).toMatchObject({ devChain: true });
    expect(await rpc(node.info.rpcUrl, "evm_increaseTime", [60])).toMatchObject({ result: "0x3c" });
    expect(await rpc(node.info.rpcUrl, "eth_getBalance", [devAccounts[0]!, "latest"])).toMatchObject({
      result: `0x${(10n ** 24n).toString(16)}`,
    });
  });
});
