import type { FastifyInstance } from "fastify";
import { getAddress, keccak256, pad, stringToBytes, zeroHash } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindingsOf } from "../../src/auth/accountStore.js";
import { listAccessLogAnchors } from "../../src/auth/accountsMirror.js";
import { type NodeConfig, resolveNodeConfig } from "../../src/core/config.js";
import { type NodeContext, openNode } from "../../src/node/openNode.js";
import { createServer } from "../../src/server/createServer.js";
import { tempDir } from "../helpers/cli.js";

const alice = getAddress("0x00000000000000000000000000000000000a11ce");
const bob = getAddress("0x0000000000000000000000000000000000000b0b");
const roles = "regulator,grid-operator,region-operator,community,issuer,auditor";

describe("role bindings through the node: the API, the mirror and restarts", () => {
  let node: NodeContext;
  let app: FastifyInstance;
  let config: NodeConfig;
  let cleanup: () => Promise<void>;
  const post = async (url: string, payload: unknown, token: string | null = node.apiToken) => {
    const res = await app.inject({
      method: "POST",
      url,
      payload: payload as object,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: res.statusCode, body: res.json() };
  };
  const get = async (url: string) => {
    const res = await app.inject({
      method: "GET",
      url,
      headers: { authorization: `Bearer ${node.apiToken}` },
    });
    return { status: res.statusCode, body: res.json() };
  };
  const open = async () => {
    node = await openNode(config, { roles });
    app = await createServer({ ...node, rpcUrl: () => undefined });
  };

  beforeAll(async () => {
    const dir = await tempDir();
    cleanup = dir.cleanup;
    config = resolveNodeConfig({ dataDir: dir.dir }, {});
    await open();
    await node.registry.propose({
      kind: "approve-region",
      code: "CN-GD",
      nameZh: "广东省",
      nameEn: "Guangdong",
    });
  });
  afterAll(async () => {
    await app.close();
    await node.close();
    await cleanup();
  });

  it("grants a role on chain and shows it in the mirror, GET /v1/accounts and bindingsOf", async () => {
    const granted = await post("/v1/accounts/grants", { account: alice, role: "regulator" });
    expect(granted).toMatchObject({
      status: 200,
      body: { binding: { account: alice, role: "regulator", scope: { kind: "all" } }, changed: true },
    });
    const region = await post("/v1/accounts/grants", {
      account: alice,
      role: "region-operator",
      scope: { kind: "region", region: "cn-gd" },
    });
    expect(region.body.binding.scope).toEqual({ kind: "region", region: "CN-GD" });
    const prosumer = await post("/v1/accounts/grants", { account: bob, role: "prosumer" });
    expect(prosumer.body.binding.scope).toEqual({ kind: "community", community: node.registry.operator });

    expect(await bindingsOf(node.db, alice)).toEqual([
      { role: "regulator", scope: { kind: "all" } },
      { role: "region-operator", scope: { kind: "region", region: "CN-GD" } },
    ]);
    const one = await get(`/v1/accounts/${alice.toLowerCase()}`);
    expect(one.status).toBe(200);
    expect(one.body.bindings).toHaveLength(2);
    expect(one.body.bindings[0]).toMatchObject({ grantedBy: node.registry.operator, scopeWord: zeroHash });
    const prosumers = await get("/v1/accounts?role=prosumer");
    expect(prosumers.body.bindings).toEqual([
      expect.objectContaining({
        account: bob,
        role: "prosumer",
        scopeWord: pad(node.registry.operator.toLowerCase() as `0x${string}`, { size: 32 }),
      }),
    ]);
    expect((await get(`/v1/accounts/${getAddress(`0x${"1".repeat(40)}`)}`)).body.bindings).toEqual([]);
  });

  it("treats a second grant as done, and revokes: the binding leaves the mirror", async () => {
    const again = await post("/v1/accounts/grants", { account: bob, role: "prosumer" });
    expect(again).toMatchObject({ status: 200, body: { changed: false } });
    const revoked = await post("/v1/accounts/revocations", { account: bob, role: "prosumer" });
    expect(revoked).toMatchObject({ status: 200, body: { changed: true } });
    expect(await bindingsOf(node.db, bob)).toEqual([]);
    const twice = await post("/v1/accounts/revocations", { account: bob, role: "prosumer" });
    expect(twice).toMatchObject({ status: 404, body: { error: { code: "ACCOUNTS_NOT_GRANTED" } } });
  });

  it("refuses bad grants with named codes", async () => {
    const cases: [unknown, number, string][] = [
      [{ account: alice, role: "admin" }, 400, "ACCOUNTS_ROLE_NOT_ON_CHAIN"],
      [{ account: alice, role: "king" }, 400, "AUTH_UNKNOWN_ROLE"],
      [{ account: alice, role: "collector" }, 400, "ACCOUNTS_SCOPE_REQUIRED"],
      [
        { account: alice, role: "regulator", scope: { kind: "region", region: "CN-GD" } },
        400,
        "ACCOUNTS_SCOPE_MISMATCH",
      ],
      [
        { account: alice, role: "collector", scope: { kind: "region", region: "CN-XX" } },
        404,
        "REGISTRY_UNKNOWN_REGION",
      ],
      [
        { account: alice, role: "prosumer", scope: { kind: "community", community: bob } },
        400,
        "ACCOUNTS_INVALID_SCOPE",
      ],
      [{ account: "0x1234", role: "regulator" }, 400, "REQUEST_INVALID"],
      [{ account: `0x${"0".repeat(40)}`, role: "regulator" }, 400, "ACCOUNTS_ZERO_ADDRESS"],
    ];
    for (const [body, status, code] of cases) {
      const res = await post("/v1/accounts/grants", body);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status, code });
    }
    expect((await post("/v1/accounts/grants", { account: alice, role: "auditor" }, null)).status).toBe(401);
    expect((await app.inject({ method: "GET", url: "/v1/accounts" })).statusCode).toBe(401);
  });

  it("mirrors access-log anchors, and replays every binding into an emptied mirror after a restart", async () => {
    const head = keccak256(stringToBytes("day 20000"));
    await node.accounts.anchorAccessLog(20_000, head, 7);
    await node.indexer.sync();
    expect(await listAccessLogAnchors(node.db)).toEqual([
      expect.objectContaining({ org: node.registry.operator.toLowerCase(), day: 20_000, head, count: 7 }),
    ]);
    expect(await node.accounts.accessLogHead(node.registry.operator, 20_000)).toEqual({ head, count: 7 });
    const before = (await get("/v1/accounts")).body.bindings;
    expect(before).toHaveLength(2);
    await node.db.query("delete from account_roles");
    await node.db.query("delete from access_log_anchors");
    await node.db.query("delete from sync_state where name = 'accounts'");
    await app.close();
    await node.close();
    await open();
    expect((await get("/v1/accounts")).body.bindings).toEqual(before);
    expect(await listAccessLogAnchors(node.db)).toHaveLength(1);
  });
});
