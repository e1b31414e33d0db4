import type { FastifyInstance } from "fastify";
import { getAddress, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveNodeConfig } from "../../src/core/config.js";
import { type NodeContext, openNode } from "../../src/node/openNode.js";
import { createServer } from "../../src/server/createServer.js";
import { tempDir } from "../helpers/cli.js";

const elsewhere = getAddress("0x00000000000000000000000000000000000000ee");

describe("governance by the Governor over the HTTP API", () => {
  let node: NodeContext;
  let app: FastifyInstance;
  let cleanup: () => Promise<void>;
  const call = async (method: "GET" | "POST", url: string, payload?: unknown) => {
    const res = await app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: { authorization: `Bearer ${node.apiToken}` },
    });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    const dir = await tempDir();
    cleanup = dir.cleanup;
    // A development chain, so the test can move its clock past the timelock delay.
    node = await openNode(resolveNodeConfig({ dataDir: dir.dir, devChain: true }, {}), {
      timelockDelay: 600n,
    });
    app = await createServer({ ...node, rpcUrl: () => "http://127.0.0.1:8545" });
  });
  afterAll(async () => {
    await app.close();
    await node.close();
    await cleanup();
  });

  it("queues a passed proposal until the timelock delay has passed, then executes it", async () => {
    expect((await call("GET", "/v1/governance")).body).toMatchObject({ seats: 1, timelockDelay: 600 });
    const proposed = await call("POST", "/v1/proposals", {
      kind: "set-parameter",
      name: "fee",
      value: 5,
      description: "a fee",
    });
    expect(proposed).toMatchObject({ status: 200, body: { executed: false } });
    const id = proposed.body.proposalId;
    expect((await call("GET", `/v1/proposals/${id}`)).body).toMatchObject({
      state: "queued",
      description: "a fee",
      kind: "set-parameter",
      forVotes: 1,
    });
    expect(await call("POST", `/v1/proposals/${id}/execute`)).toMatchObject({
      status: 409,
      body: { error: { code: "GOVERNANCE_TIMELOCK_NOT_READY" } },
    });
    await node.client.publicClient.request({ method: "evm_increaseTime" as never, params: [601] as never });
    await node.client.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    expect((await call("POST", `/v1/proposals/${id}/execute`)).body).toMatchObject({ executed: true });
    expect((await call("GET", `/v1/proposals/${id}`)).body.state).toBe("executed");
  });

  it("proposes any call and shows each proposal's calls decoded with the manifest", async () => {
    const proposed = await call("POST", "/v1/proposals", {
      kind: "call",
      target: "Consortium",
      signature: "setParameter(bytes32,uint256)",
      args: ["grid.fee", "7"],
    });
    expect(proposed.status).toBe(200);
    const shown = await call("GET", `/v1/proposals/${proposed.body.proposalId}`);
    expect(shown.body).toMatchObject({ kind: "set-parameter", state: "queued" });
    expect(shown.body.calls).toEqual([
      {
        contract: "Consortium",
        target: node.contracts.Consortium,
        function: "setParameter",
        args: [stringToHex("grid.fee", { size: 32 }), "7"],
        value: "0",
      },
    ]);
    const bind = await call("POST", "/v1/proposals", {
      kind: "bind-service",
      service: "market",
      address: node.contracts.MeterAnchor,
    });
    expect(bind.status).toBe(200);
    const listed = (await call("GET", "/v1/proposals")).body.proposals;
    expect(listed[0]).toMatchObject({
      kind: "bind-service",
      calls: [{ contract: "Consortium", function: "bindService" }],
    });
  });

  it("refuses a malformed call, an unknown contract or function, and an unknown proposal id, by name", async () => {
    const refused = async (body: object, code: string) =>
      expect(await call("POST", "/v1/proposals", body)).toMatchObject({
        status: 400,
        body: { error: { code } },
      });
    await refused(
      { kind: "call", target: "Consortium", signature: "setParameter", args: ["fee"] },
      "GOVERNANCE_INVALID_ARGUMENT",
    );
    await refused(
      { kind: "call", target: "Nowhere", signature: "x()", args: [] },
      "REGISTRY_INVALID_ADDRESS",
    );
    await refused(
      { kind: "set-function-role", contract: "Treasury", function: "x", authorityRole: "public" },
      "GOVERNANCE_UNKNOWN_CONTRACT",
    );
    await refused(
      { kind: "set-function-role", contract: "Registry", function: "steal", authorityRole: "public" },
      "GOVERNANCE_UNKNOWN_FUNCTION",
    );
    await refused(
      { kind: "bind-service", service: "x".repeat(33), address: elsewhere },
      "GOVERNANCE_INVALID_SERVICE_NAME",
    );
    expect(await call("GET", `/v1/proposals/${"9".repeat(77)}`)).toMatchObject({
      status: 404,
      body: { error: { code: "CONSORTIUM_UNKNOWN_PROPOSAL" } },
    });
  });
});
