import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/cli.js";

const root = resolve(import.meta.dirname, "../..");

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

describe("a node started through npm", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("stops, freeing its port and data directory, when npm's process is killed", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    // Like `npm start`: npm runs a shell, the shell runs the node; only npm's pid is known to the user.
    const npm = spawn(
      "npm",
      ["run", "--silent", "gridledger", "--", "start", "--json", "--data-dir", dir, "--port", "0"].concat([
        "--rpc-port",
        "0",
        "--mqtt-port",
        "0",
      ]),
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    npm.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    while (!stdout.includes("\n}")) {
      if (npm.exitCode !== null) throw new Error(`npm exited early:\n${stdout}`);
      await sleep(200);
    }
    const { api } = JSON.parse(stdout.slice(stdout.indexOf("{"), stdout.indexOf("\n}") + 2)) as {
      api: string;
    };
    expect(await answers(api)).toBe(true);

    npm.kill("SIGTERM");
    let stopped = false;
    for (let i = 0; i < 60 && !stopped; i++) {
      await sleep(500);
      const lockHeld = await access(join(dir, "node.lock")).then(
        () => true,
        () => false,
      );
      stopped = !lockHeld && !(await answers(api));
    }
    expect(stopped).toBe(true);
  });
});
