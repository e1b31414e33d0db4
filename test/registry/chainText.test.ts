import type { FastifyInstance } from "fastify";
import { encodeFunctionData, type Hex, stringToHex } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { registryAbi } from "../../src/chain/artifacts/index.js";
import { resolveNodeConfig } from "../../src/core/config.js";
import { type NodeContext, openNode } from "../../src/node/openNode.js";
import { createServer } from "../../src/server/createServer.js";
import { tempDir } from "../helpers/cli.js";

/** Calldata of `fn` with the UTF-8 bytes of `placeholder` swapped for `bytes` of the same length. */
function withRawBytes(data: Hex, placeholder: string, bytes: Hex): Hex {
  const hex = stringToHex(placeholder).slice(2);
  expect(bytes.length - 2).toBe(hex.length);
  expect(data.split(hex)).toHaveLength(2);
  return data.replace(hex, bytes.slice(2)) as Hex;
}

describe("text on chain the database cannot hold", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("never stops the node: a NUL and invalid UTF-8 written straight to the contract are stored as U+FFFD with an alert", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const config = resolveNodeConfig({ dataDir: dir.dir }, {});
    const first: NodeContext = await openNode(config);
    // Bypass the API and the CLI: the node's own key (the only seat) proposes raw calldata to the Governor.
    const data = withRawBytes(
      encodeFunctionData({
        abi: registryAbi,
        functionName: "approveRegion",
        args: ["CN-NU", "a\u0000b", "Bad XX name", first.registry.operator, 900],
      }),
      "XX",
      "0xc0ff", // not UTF-8: an overlong-encoding lead byte and a byte UTF-8 never uses
    );
    const outcome = await first.governance.propose([{ target: first.contracts.Registry, data }], "raw write");
    expect(outcome.executed).toBe(true);
    await first.close();

    // Restart: opening indexes the new block (this failed with `invalid byte sequence … 0x00`).
    const node = await openNode(config);
    const app: FastifyInstance = await createServer({ ...node, rpcUrl: () => "http://127.0.0.1:8545" });
    cleanups.push(async () => {
      await app.close();
      await node.close();
    });
    const get = async (url: string) => {
      const res = await app.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${node.apiToken}` },
      });
      return { status: res.statusCode, body: res.json() };
    };
    const listed = await get("/v1/regions");
    expect(listed.status).toBe(200);
    expect(listed.body.regions).toEqual([
      expect.objectContaining({ code: "CN-NU", nameZh: "a\ufffdb", nameEn: "Bad \ufffd\ufffd name" }),
    ]);
    expect(await get("/v1/regions/CN-NU")).toMatchObject({ status: 200, body: { nameZh: "a\ufffdb" } });
    expect((await get("/v1/regions?search=bad")).status).toBe(200);
    expect((await get("/v1/devices?region=CN-NU")).status).toBe(200);
    expect((await get("/v1/organisations")).status).toBe(200);

    const alerts = await get("/v1/alerts?kind=chain_text_sanitised");
    expect(alerts.status).toBe(200);
    const byField = Object.fromEntries(
      alerts.body.alerts.map((a: { evidence: Record<string, unknown> }) => [a.evidence.field, a]),
    );
    expect(Object.keys(byField).sort()).toEqual(["nameEn", "nameZh"]);
    expect(byField.nameZh).toMatchObject({
      severity: "warning",
      region: "CN-NU",
      evidence: {
        contract: "Registry",
        event: "RegionApproved",
        field: "nameZh",
        blockNumber: String(outcome.blockNumber),
        stored: "a\ufffdb",
      },
    });
    expect(byField.nameZh.message).toContain(`block ${outcome.blockNumber}`);
  }, 180_000); // founds a consortium, then opens the node twice
});
