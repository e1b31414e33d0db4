import { execFile } from "node:child_process";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it, onTestFinished } from "vitest";
import { serveJsonRpc } from "../../src/chain/embedded/index.js";
import { setupChain, TEST_CHAIN_ID, TEST_KEYS } from "./helpers.js";

const CAST = fileURLToPath(new URL("../../node_modules/.bin/cast", import.meta.url));
const run = promisify(execFile);

async function serveTestChain() {
  const setup = await setupChain();
  const server = await serveJsonRpc(setup.chain, { port: 0 });
  onTestFinished(() => server.close());
  return { ...setup, server };
}

/** Raw HTTP exchange, so tests control the exact bytes sent. */
function exchange(
  url: string,
  body: string,
  method = "POST",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { "content-type": "application/json" } }, (res) => {
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

describe("JSON-RPC HTTP server", () => {
  it("listens on 127.0.0.1 and answers cast block-number and chain-id", async () => {
    const { server, chain } = await serveTestChain();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const account = privateKeyToAccount(TEST_KEYS[0]);
    const raw = await account.signTransaction({
      type: "eip1559",
      chainId: TEST_CHAIN_ID,
      nonce: 0,
      to: account.address,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 0n,
    });
    await chain.request({ method: "eth_sendRawTransaction", params: [raw] });

    const blockNumber = await run(CAST, ["block-number", "--rpc-url", server.url]);
    expect(blockNumber.stdout.trim()).toBe("1");
    const chainId = await run(CAST, ["chain-id", "--rpc-url", server.url]);
    expect(chainId.stdout.trim()).toBe(String(TEST_CHAIN_ID));
  });

  it("answers batch requests in order, with an error object for each failed entry", async () => {
    const { server } = await serveTestChain();
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
      { jsonrpc: "2.0", id: "two", method: "eth_noSuchMethod" },
      { jsonrpc: "2.0", id: 3, method: "eth_getBalance", params: ["not an address", "latest"] },
      { jsonrpc: "2.0", method: "eth_blockNumber" },
      42,
      { jsonrpc: "2.0", id: 5, method: "eth_blockNumber", params: [] },
    ];
    const response = await exchange(server.url, JSON.stringify(batch));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual([
      { jsonrpc: "2.0", id: 1, result: `0x${TEST_CHAIN_ID.toString(16)}` },
      {
        jsonrpc: "2.0",
        id: "two",
        error: { code: -32601, message: "the method eth_noSuchMethod does not exist/is not available" },
      },
      { jsonrpc: "2.0", id: 3, error: { code: -32602, message: expect.stringContaining("invalid address") } },
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: expect.any(String) } },
      { jsonrpc: "2.0", id: 5, result: "0x0" },
    ]);
  });

  it("answers malformed input with JSON-RPC errors and keeps serving", async () => {
    const { server } = await serveTestChain();
    const malformed = await exchange(server.url, '{"jsonrpc":"2.0","id":1,"method":');
    expect(malformed.status).toBe(200);
    expect(JSON.parse(malformed.body)).toMatchObject({ id: null, error: { code: -32700 } });

    for (const body of [
      "",
      "[]",
      '"text"',
      "null",
      '{"id":{},"method":"eth_chainId"}',
      '{"id":1,"method":5}',
    ]) {
      const response = await exchange(server.url, body);
      const parsed = JSON.parse(response.body) as { error?: { code: number } };
      expect(parsed.error?.code, body).toBeLessThan(-32000);
    }
    const objectParams = await exchange(
      server.url,
      '{"jsonrpc":"2.0","id":9,"method":"eth_chainId","params":{}}',
    );
    expect(JSON.parse(objectParams.body)).toMatchObject({ id: 9, error: { code: -32602 } });
    const notification = await exchange(server.url, '{"jsonrpc":"2.0","method":"eth_chainId"}');
    expect(notification.status).toBe(204);
    const get = await exchange(server.url, "", "GET");
    expect(get.status).toBe(405);

    const healthy = await exchange(server.url, '{"jsonrpc":"2.0","id":7,"method":"eth_blockNumber"}');
    expect(JSON.parse(healthy.body)).toEqual({ jsonrpc: "2.0", id: 7, result: "0x0" });
  });

  it("sends no CORS headers and answers no preflight unless origins are configured", async () => {
    const { server } = await serveTestChain();
    const preflight = await exchange(server.url, "", "OPTIONS");
    expect(preflight.status).toBe(405);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    const response = await exchange(server.url, '{"jsonrpc":"2.0","id":1,"method":"net_version"}');
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    expect(JSON.parse(response.body)).toMatchObject({ result: String(TEST_CHAIN_ID) });
  });
});
