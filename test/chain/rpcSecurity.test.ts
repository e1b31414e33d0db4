import { execFile } from "node:child_process";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getAddress, type Hex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import {
  consortiumAbi,
  consortiumBytecode,
  gridAuthorityAbi,
  gridAuthorityBytecode,
} from "../../src/chain/artifacts/index.js";
import { createEmbeddedChain, type EmbeddedChain, serveJsonRpc } from "../../src/chain/embedded/index.js";
import { clientsFor, createTempDir, removeTempDir, setupChain, TEST_CHAIN_ID } from "./helpers.js";

const CAST = fileURLToPath(new URL("../../node_modules/.bin/cast", import.meta.url));
const run = promisify(execFile);

/** The first key of the public test mnemonic: anyone can sign with it. */
const DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV = privateKeyToAccount(DEV_KEY).address;
const YEAR = 365 * 24 * 3600;

type Exchange = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Raw HTTP exchange, so tests control the method, content type and origin sent. */
function exchange(
  url: string,
  body: string,
  options: { method?: string; contentType?: string; origin?: string } = {},
): Promise<Exchange> {
  const headers: Record<string, string> = {};
  if (options.contentType !== undefined) headers["content-type"] = options.contentType;
  if (options.origin !== undefined) headers.origin = options.origin;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function rpcError(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error("expected a JSON-RPC error");
}

/**
 * A chain like a node's: `operator` funded and always allowed, the Consortium's members allowed; the
 * dev key funded too, so a refusal is the permissioning's and not for lack of funds.
 */
async function permissionedChain(devChain = false) {
  const dataDir = await createTempDir();
  const operatorKey = generatePrivateKey();
  const memberKey = generatePrivateKey();
  const operator = privateKeyToAccount(operatorKey).address;
  const member = privateKeyToAccount(memberKey).address;
  let consortium: Hex | undefined;
  const chain: EmbeddedChain = await createEmbeddedChain({
    dataDir,
    chainId: TEST_CHAIN_ID,
    genesisAccounts: [operator, member, DEV].map((address) => ({ address, balance: parseEther("1000") })),
    devChain,
    senders: devChain ? "any" : { operator, consortium: () => consortium },
  });
  onTestFinished(async () => {
    await chain.close();
    await removeTempDir(dataDir);
  });
  const deployConsortium = async () => {
    const { publicClient, walletClient, account } = clientsFor(chain, operatorKey);
    // A bare authority with the operator as its admin, so the operator may admit members directly.
    const authorityHash = await walletClient.deployContract({
      abi: gridAuthorityAbi,
      bytecode: gridAuthorityBytecode,
      args: [operator],
      account,
      chain: null,
    });
    const authority = (await publicClient.getTransactionReceipt({ hash: authorityHash })).contractAddress!;
    const hash = await walletClient.deployContract({
      abi: consortiumAbi,
      bytecode: consortiumBytecode,
      args: [authority, "Operator", 1],
      account,
      chain: null,
    });
    consortium = getAddress((await publicClient.getTransactionReceipt({ hash })).contractAddress!);
    return consortium;
  };
  return { chain, operatorKey, memberKey, member, deployConsortium };
}

async function signTransfer(key: Hex, nonce: number): Promise<Hex> {
  return privateKeyToAccount(key).signTransaction({
    type: "eip1559",
    chainId: TEST_CHAIN_ID,
    nonce,
    to: "0x000000000000000000000000000000000000dEaD",
    value: parseEther("1"),
    gas: 21_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 0n,
  });
}

async function served(chain: EmbeddedChain, cors?: string[]) {
  const server = await serveJsonRpc(chain, { port: 0, cors });
  onTestFinished(() => server.close());
  return server;
}

const increaseTimeBody = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "evm_increaseTime",
  params: [691200],
});

describe("embedded chain JSON-RPC security", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses evm_increaseTime sent as text/plain with 415 and no CORS header, and time does not move", async () => {
    const { chain } = await setupChain();
    const server = await served(chain);
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
      const response = await exchange(server.url, increaseTimeBody, { contentType });
      expect(response.status, String(contentType)).toBe(415);
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
      expect(JSON.parse(response.body)).toMatchObject({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: expect.stringContaining("application/json") },
      });
    }
    // The total offset is still zero: none of the refused calls reached the chain.
    expect(await chain.request({ method: "evm_increaseTime", params: [0] })).toBe("0x0");
    const json = await exchange(server.url, increaseTimeBody, {
      contentType: "application/json; charset=utf-8",
    });
    expect(JSON.parse(json.body)).toEqual({ jsonrpc: "2.0", id: 1, result: "0xa8c00" });
  });

  it("sends CORS headers and answers preflights only for the configured origin", async () => {
    const { chain } = await setupChain();
    const server = await served(chain, ["http://localhost:3000"]);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" });

    const preflight = await exchange(server.url, "", { method: "OPTIONS", origin: "http://localhost:3000" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://localhost:3000");
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
    const allowed = await exchange(server.url, body, {
      contentType: "application/json",
      origin: "http://localhost:3000",
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe("http://localhost:3000");

    for (const method of ["OPTIONS", "POST"]) {
      const foreign = await exchange(server.url, method === "POST" ? increaseTimeBody : "", {
        method,
        contentType: "application/json",
        origin: "http://evil.example",
      });
      expect(foreign.status, method).toBe(403);
      expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
      expect(JSON.parse(foreign.body).error.message).toContain("http://evil.example");
    }
    expect(await chain.request({ method: "evm_increaseTime", params: [0] })).toBe("0x0");
  });

  it("refuses an oversized body with 413 and keeps serving", async () => {
    const { chain } = await setupChain();
    const server = await served(chain);
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_chainId",
      params: ["x".repeat(9 << 20)],
    });
    const response = await exchange(server.url, big, { contentType: "application/json" });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe(-32600);
    const after = await exchange(
      server.url,
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_blockNumber" }),
      {
        contentType: "application/json",
      },
    );
    expect(JSON.parse(after.body)).toEqual({ jsonrpc: "2.0", id: 2, result: "0x0" });
  });

  it("answers evm_* with method-not-available naming --dev-chain on a plain chain, and serves them on a dev chain", async () => {
    const plain = await setupChain({ devChain: false });
    for (const method of ["evm_increaseTime", "evm_mine"]) {
      const error = await rpcError(
        plain.chain.request({ method, params: method === "evm_mine" ? [] : [60] }),
      );
      expect(error.code).toBe(-32601);
      expect(error.message).toContain(method);
      expect(error.message).toContain("--dev-chain");
    }
    const server = await served(plain.chain);
    const overHttp = await exchange(server.url, increaseTimeBody, { contentType: "application/json" });
    expect(JSON.parse(overHttp.body)).toMatchObject({ id: 1, error: { code: -32601 } });
    expect(await plain.chain.request({ method: "eth_blockNumber" })).toBe("0x0");

    const dev = await setupChain({ devChain: true });
    expect(await dev.chain.request({ method: "evm_increaseTime", params: [60] })).toBe("0x3c");
    expect(await dev.chain.request({ method: "evm_mine", params: [] })).toBe("0x0");
    expect(await dev.chain.request({ method: "eth_blockNumber" })).toBe("0x1");
  });

  it("refuses a transfer signed with a public development key on a plain chain and mines nothing", async () => {
    const { chain } = await permissionedChain();
    await chain.request({ method: "eth_sendRawTransaction", params: [await signTransfer(DEV_KEY, 0)] }).then(
      () => expect.unreachable("the dev key's transfer was accepted"),
      (error: { code: number; message: string }) => {
        expect(error.code).toBe(-32003);
        expect(error.message).toBe(
          `transaction rejected: sender ${DEV} is not a consortium member account (this chain accepts transactions only from the node's operator and the consortium's members)`,
        );
      },
    );
    expect(await chain.request({ method: "eth_blockNumber" })).toBe("0x0");
    expect(await chain.request({ method: "eth_getTransactionCount", params: [DEV, "latest"] })).toBe("0x0");
    // Reading stays open to everyone.
    const { publicClient } = clientsFor(chain, DEV_KEY);
    expect(await publicClient.estimateGas({ account: DEV, to: DEV, value: 1n })).toBe(21_000n);
    expect(await publicClient.call({ account: DEV, to: DEV })).toEqual({ data: undefined });
  });

  it("accepts the operator always, and another account once the Consortium admitted it", async () => {
    const { chain, operatorKey, memberKey, member, deployConsortium } = await permissionedChain();
    // Before the Consortium exists only the operator may send: it deploys it.
    const early = await rpcError(
      chain.request({ method: "eth_sendRawTransaction", params: [await signTransfer(memberKey, 0)] }),
    );
    expect(early.code).toBe(-32003);
    const consortium = await deployConsortium();
    const stillOut = await rpcError(
      chain.request({ method: "eth_sendRawTransaction", params: [await signTransfer(memberKey, 0)] }),
    );
    expect(stillOut.code).toBe(-32003);

    // The operator, admin of this bare authority, admits the member.
    const { walletClient, account, publicClient } = clientsFor(chain, operatorKey);
    await walletClient.writeContract({
      address: consortium,
      abi: consortiumAbi,
      functionName: "admitMember",
      args: [member, "Member Co", 0, false],
      account,
      chain: null,
    });
    expect(
      await publicClient.readContract({
        address: consortium,
        abi: consortiumAbi,
        functionName: "isMember",
        args: [member],
      }),
    ).toBe(true);

    const hash = await chain.request({
      method: "eth_sendRawTransaction",
      params: [await signTransfer(memberKey, 0)],
    });
    const receipt = (await chain.request({ method: "eth_getTransactionReceipt", params: [hash] })) as {
      status: string;
      from: string;
    };
    expect(receipt).toMatchObject({ status: "0x1", from: member.toLowerCase() });
    // The dev key is still no member.
    expect(
      (
        await rpcError(
          chain.request({ method: "eth_sendRawTransaction", params: [await signTransfer(DEV_KEY, 0)] }),
        )
      ).code,
    ).toBe(-32003);
  });

  it("cast send with the public dev key is refused on a plain chain and mined on a dev chain", async () => {
    const args = (url: string) => [
      "send",
      "--rpc-url",
      url,
      "--private-key",
      DEV_KEY,
      "0x000000000000000000000000000000000000dEaD",
      "--value",
      "1ether",
      "--json",
    ];
    const plain = await permissionedChain(false);
    const plainServer = await served(plain.chain);
    // The npm wrapper of cast exits 0 even when cast fails: what it printed tells.
    const refused = await run(CAST, args(plainServer.url)).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(refused.stderr).toContain("error code -32003: transaction rejected: sender");
    expect(refused.stderr).toContain("is not a consortium member account");
    expect(refused.stdout).toBe("");
    expect(await plain.chain.request({ method: "eth_blockNumber" })).toBe("0x0");

    const dev = await permissionedChain(true);
    const devServer = await served(dev.chain);
    const { stdout } = await run(CAST, args(devServer.url));
    expect(JSON.parse(stdout)).toMatchObject({ status: "0x1", from: DEV.toLowerCase() });
    expect(
      await dev.chain.request({
        method: "eth_getBalance",
        params: ["0x000000000000000000000000000000000000dEaD", "latest"],
      }),
    ).toBe("0xde0b6b3a7640000");
  });

  it("refuses negative, oversized and backward time moves with -32602 and leaves block time alone", async () => {
    const { chain } = await setupChain();
    for (const value of [-1, -3600, `0x${(1n << 112n).toString(16)}`, YEAR + 1]) {
      const error = await rpcError(chain.request({ method: "evm_increaseTime", params: [value] }));
      expect(error.code, String(value)).toBe(-32602);
    }
    expect(await chain.request({ method: "evm_increaseTime", params: [0] })).toBe("0x0");
    expect(await chain.request({ method: "evm_increaseTime", params: [YEAR] })).toBe(
      `0x${YEAR.toString(16)}`,
    );

    await chain.request({ method: "evm_mine", params: [] });
    const { publicClient } = clientsFor(chain);
    const latest = (await publicClient.getBlock()).timestamp;
    const backwards = await rpcError(chain.request({ method: "evm_mine", params: [Number(latest) - 1] }));
    expect(backwards.code).toBe(-32602);
    expect(backwards.message).toContain("never goes backwards");
    const huge = await rpcError(
      chain.request({ method: "evm_mine", params: [`0x${(1n << 112n).toString(16)}`] }),
    );
    expect(huge.code).toBe(-32602);
    expect(await publicClient.getBlockNumber()).toBe(1n);
    // The same second as the latest block is fine: several blocks may share a second.
    await chain.request({ method: "evm_mine", params: [Number(latest)] });
    expect((await publicClient.getBlock()).timestamp).toBe(latest);
  });

  it("keeps block time from going backwards when the wall clock steps back", async () => {
    const { chain } = await setupChain();
    const { publicClient, walletClient, account } = clientsFor(chain);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3_600_000 });
    await walletClient.sendTransaction({ account, chain: null, to: DEV, value: 1n });
    const ahead = (await publicClient.getBlock()).timestamp;
    vi.setSystemTime(Date.now() - 7_200_000);
    await walletClient.sendTransaction({ account, chain: null, to: DEV, value: 1n });
    const after = await publicClient.getBlock();
    expect(after.number).toBe(2n);
    expect(after.timestamp).toBe(ahead);
  });
});
