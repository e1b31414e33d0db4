import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The CLI entry point, run the way `npx gridledger` runs it. */
export const cliPath = resolve(import.meta.dirname, "../../bin/gridledger.js");

/** Result of one CLI run. */
export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs `gridledger …args` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A temporary directory removed by the returned cleanup. */
export async function tempDir(
  prefix = "gridledger-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A node started with `gridledger start --json …`, once it printed where it listens. */
export type NodeProcess = {
  process: ChildProcess;
  info: { api: string; rpcUrl: string; mqttUrl: string; chainId: number; contracts: Record<string, string> };
  output: () => string;
  /** SIGTERM and wait for exit. */
  stop: () => Promise<number | null>;
  /** SIGKILL (kill -9) and wait for exit. */
  kill: () => Promise<number | null>;
};

/** Starts `gridledger start --json …args` and resolves when the node printed its URLs. */
export function startNodeProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, [cliPath, "start", "--json", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const waitExit = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`node did not start within 120 s\n${stdout}\n${stderr}`));
    }, 120_000);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const start = stdout.indexOf("{");
      const end = stdout.indexOf("\n}");
      if (start >= 0 && end > start) {
        clearTimeout(timer);
        done({
          process: child,
          info: JSON.parse(stdout.slice(start, end + 2)),
          output: () => stdout + stderr,
          stop: () => waitExit("SIGTERM"),
          kill: () => waitExit("SIGKILL"),
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`node exited with ${code} before it started\n${stdout}\n${stderr}`));
    });
  });
}

/**
 * `gridledger start` on free ports (API, JSON-RPC, MQTT) with a grace period far beyond any test, so
 * only the `anchor` command (or POST /v1/anchors) anchors the test's intervals.
 */
export function startMeteringNodeProcess(dataDir: string): Promise<NodeProcess> {
  return startNodeProcess([
    "--data-dir",
    dataDir,
    "--port",
    "0",
    "--rpc-port",
    "0",
    "--mqtt-port",
    "0",
    "--anchor-grace",
    "10000000",
  ]);
}
