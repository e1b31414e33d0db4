import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bytesToHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** The mnemonic anvil derives its default, pre-funded dev accounts from. Never use it for anything real. */
export const anvilMnemonic = "test test test test test test test test test test test junk";

const anvilBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules/.bin/anvil");

/** A dev account of anvil: pre-funded with 10,000 ether. */
export type AnvilAccount = { address: Hex; privateKey: Hex };

/** A running anvil node. */
export type Anvil = {
  rpcUrl: string;
  port: number;
  chainId: number;
  accounts: AnvilAccount[];
  /** Kills the node and waits for it to exit. */
  stop(): Promise<void>;
};

/** Options for {@link startAnvil}. */
export type AnvilOptions = {
  /** Number of dev accounts (default 10). */
  accounts?: number;
  /** Chain id (default 31337). */
  chainId?: number;
  /** Block gas limit (default anvil's, 30,000,000). */
  gasLimit?: bigint;
  /** Hardfork, e.g. `cancun` (default anvil's latest). */
  hardfork?: string;
  /** Extra command-line arguments. */
  args?: string[];
  /** How long to wait for the node to answer (default 20 s). */
  timeoutMs?: number;
};

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The first `count` dev accounts of anvil's default mnemonic (BIP-44 path m/44'/60'/0'/0/i). */
export function anvilAccounts(count = 10): AnvilAccount[] {
  return Array.from({ length: count }, (_, i) => {
    const account = mnemonicToAccount(anvilMnemonic, { addressIndex: i });
    const privateKey = account.getHdKey().privateKey;
    if (!privateKey) throw new Error(`no private key for account ${i}`);
    return { address: account.address, privateKey: bytesToHex(privateKey) };
  });
}

async function answersChainId(rpcUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    const body = (await response.json()) as { result?: string };
    return body.result ? Number(body.result) : undefined;
  } catch {
    return undefined;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts Foundry's anvil (from the `@foundry-rs/anvil` npm package) on 127.0.0.1 at a free port and
 * resolves once it answers `eth_chainId`. Call `stop()` when done (e.g. in `afterAll`).
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const accountCount = options.accounts ?? 10;
  const chainId = options.chainId ?? 31337;
  const timeoutMs = options.timeoutMs ?? 20_000;
  // Another process may take the port between freePort() and anvil's bind: try a few ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--silent",
      "--accounts",
      String(accountCount),
      "--chain-id",
      String(chainId),
      ...(options.gasLimit === undefined ? [] : ["--gas-limit", options.gasLimit.toString()]),
      ...(options.hardfork === undefined ? [] : ["--hardfork", options.hardfork]),
      ...(options.args ?? []),
    ];
    const child = spawn(anvilBin, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => {
      stderr += String(error);
    });
    // Do not leave the node running if the test process ends without calling stop().
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    const rpcUrl = `http://127.0.0.1:${port}`;
    const stop = async () => {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited(child);
    };
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && child.exitCode === null) {
      const answered = await answersChainId(rpcUrl);
      // Still running, so the answer came from our node and not from one that took the port first.
      if (answered === chainId && child.exitCode === null) {
        return { rpcUrl, port, chainId, accounts: anvilAccounts(accountCount), stop };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    lastError = new Error(
      `anvil did not answer at ${rpcUrl} within ${timeoutMs} ms${stderr ? `: ${stderr}` : ""}`,
    );
  }
  throw lastError;
}
