import { generateKeyPairSync } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveNodeConfig } from "../../src/core/config.js";
import { type NodeContext, openNode } from "../../src/node/openNode.js";
import { createServer } from "../../src/server/createServer.js";
import { tempDir } from "../helpers/cli.js";

const ed25519Hex = () => {
  const { publicKey } = generateKeyPairSync("ed25519");
  return Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");
};

describe("the node's HTTP API", () => {
  let node: NodeContext;
  let app: FastifyInstance;
  let cleanup: () => Promise<void>;
  const post = async (url: string, payload: unknown) => {
    const res = await app.inject({
      method: "POST",
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${node.apiToken}` },
    });
    return { status: res.statusCode, body: res.json() };
  };
  const patch = async (url: string, payload: unknown) => {
    const res = await app.inject({
      method: "PATCH",
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${node.apiToken}` },
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

  beforeAll(async () => {
    const dir = await tempDir();
    cleanup = dir.cleanup;
    node = await openNode(resolveNodeConfig({ dataDir: dir.dir }, {}));
    app = await createServer({ ...node, rpcUrl: () => "http://127.0.0.1:8545" });
    const added = await post("/v1/regions", { code: "CN-GD", nameZh: "广东省", nameEn: "Guangdong" });
    expect(added).toMatchObject({ status: 200, body: { executed: true } });
  });
  afterAll(async () => {
    await app.close();
    await node.close();
    await cleanup();
  });

  it("refuses a write without an API key, and one with a wrong key", async () => {
    const body = { code: "CN-ZJ", nameZh: "浙江省", nameEn: "Zhejiang" };
    const missing = await app.inject({ method: "POST", url: "/v1/regions", payload: body });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe("AUTH_REQUIRED");
    const wrong = await app.inject({
      method: "POST",
      url: "/v1/regions",
      payload: body,
      headers: { authorization: "Bearer not-the-token" },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("AUTH_TOKEN_INVALID");
    expect((await get("/v1/regions?search=zhejiang")).body.regions).toEqual([]);
  });

  it("reports health with the chain and database it uses", async () => {
    const { status, body } = await get("/health");
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", chainId: 1337, database: "pglite" });
    expect(body.blockNumber).toBeGreaterThan(0);
  });

  it("publishes an OpenAPI document listing its endpoints", async () => {
    const { body } = await get("/openapi.json");
    expect(body.openapi).toBe("3.0.3");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        "/health",
        "/v1/chain",
        "/v1/regions",
        "/v1/devices",
        "/v1/proposals/{id}/votes",
      ]),
    );
  });

  it("finds a region by part of its Chinese or English name or its code, in any case", async () => {
    for (const search of ["广东", "guang", "GUANGDONG", "cn-g"]) {
      const { body } = await get(`/v1/regions?search=${encodeURIComponent(search)}`);
      expect(body.regions.map((r: { code: string }) => r.code)).toEqual(["CN-GD"]);
    }
    expect((await get("/v1/regions?search=zhejiang")).body.regions).toEqual([]);
    expect(await get("/v1/regions/cn-gd")).toMatchObject({ status: 200, body: { nameEn: "Guangdong" } });
    expect(await get("/v1/regions/CN-XX")).toMatchObject({
      status: 404,
      body: { error: { code: "REGISTRY_REGION_NOT_FOUND" } },
    });
  });

  it("registers a batch of devices and lists them with their region", async () => {
    const keys = Array.from({ length: 3 }, ed25519Hex);
    const { status, body } = await post("/v1/devices", {
      devices: keys.map((publicKey, i) => ({
        region: "CN-GD",
        kind: i === 0 ? "generation" : "consumption",
        source: i === 0 ? "wind" : undefined,
        capacityW: i === 0 ? "2000000" : undefined,
        publicKey,
      })),
    });
    expect(status).toBe(200);
    expect(body.deviceIds).toHaveLength(3);
    expect(body.txHashes).toHaveLength(1);
    const listed = await get("/v1/devices?region=CN-GD");
    expect(listed.body.total).toBe(3);
    const wind = await get(`/v1/devices/${body.deviceIds[0]}`);
    expect(wind.body).toMatchObject({
      kind: "generation",
      source: "wind",
      capacityW: "2000000",
      region: "CN-GD",
    });
  });

  it("refuses bad requests with a stable code and a message that says what was wrong", async () => {
    const key = ed25519Hex();
    await post("/v1/devices", { devices: [{ region: "CN-GD", kind: "consumption", publicKey: key }] });
    expect(
      await post("/v1/devices", { devices: [{ region: "CN-GD", kind: "consumption", publicKey: key }] }),
    ).toMatchObject({
      status: 409,
      body: { error: { code: "REGISTRY_DEVICE_EXISTS" } },
    });
    expect(
      await post("/v1/devices", { devices: [{ region: "CN-GD", kind: "toaster", publicKey: key }] }),
    ).toMatchObject({ status: 400, body: { error: { code: "REQUEST_INVALID" } } });
    expect(
      await post("/v1/devices", {
        devices: [{ region: "CN-GD", kind: "generation", publicKey: ed25519Hex() }],
      }),
    ).toMatchObject({ status: 400, body: { error: { code: "REGISTRY_MISSING_ENERGY_SOURCE" } } });
    expect(
      await post("/v1/regions", { code: "CN-ZJ", nameZh: "浙江省", nameEn: "Zhejiang", intervalSeconds: 7 }),
    ).toMatchObject({ status: 400, body: { error: { code: "REGISTRY_INVALID_INTERVAL" } } });
    const res = await app.inject({
      method: "POST",
      url: "/v1/devices",
      headers: { "content-type": "application/json", authorization: `Bearer ${node.apiToken}` },
      payload: "{not json",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/JSON/i);
  });

  it("decodes a contract refusal into a named error with its values", async () => {
    const { status, body } = await post("/v1/proposals", {
      kind: "remove-member",
      address: node.registry.operator,
    });
    expect(status).toBe(409);
    expect(body.error).toMatchObject({
      code: "CONSORTIUM_LAST_SEAT",
      details: { error: "ConsortiumLastSeat", org: node.registry.operator },
    });
  });

  it("admits a member and lists proposals with their state", async () => {
    const member = "0x00000000000000000000000000000000000000aa";
    const admitted = await post("/v1/proposals", {
      kind: "admit-member",
      address: member,
      name: "Pearl River community",
      roles: ["community"],
      description: "admit the community",
    });
    expect(admitted).toMatchObject({ status: 200, body: { executed: true } });
    const org = await get(`/v1/organisations/${member}`);
    expect(org.body).toMatchObject({
      name: "Pearl River community",
      roles: ["community"],
      seat: false,
      active: true,
    });
    const { body } = await get("/v1/proposals");
    expect(body.proposals[0]).toMatchObject({
      kind: "admit-member",
      state: "executed",
      description: "admit the community",
    });
    expect(await get("/v1/proposals/999")).toMatchObject({
      status: 404,
      body: { error: { code: "CONSORTIUM_UNKNOWN_PROPOSAL" } },
    });
  });

  it("refuses NUL, control characters and lone surrogates in text fields and searches with TEXT_INVALID", async () => {
    const refused = { status: 400, body: { error: { code: "TEXT_INVALID" } } };
    const key = ed25519Hex();
    const writes: [string, unknown][] = [
      ["/v1/regions", { code: "CN-ZZ", nameZh: "a\u0000b", nameEn: "Z" }],
      ["/v1/regions", { code: "CN-ZZ", nameZh: "z", nameEn: "bad \ud800 half" }],
      ["/v1/regions", { code: "CN-ZZ", nameZh: "z", nameEn: "Z", description: "ok\nbut\u0007" }],
      [
        "/v1/proposals",
        { kind: "admit-member", address: `0x${"ab".repeat(20)}`, name: "X\u001b[2J", roles: [] },
      ],
      ["/v1/proposals", { kind: "set-parameter", name: "fee\u0000", value: 1 }],
      ["/v1/proposals", { kind: "remove-member", address: "0x\u0000" }],
      ["/v1/proposals", { kind: "update-region", code: "CN-GD", nameEn: "Canton\rGuangdong" }],
      ["/v1/devices", { devices: [{ region: "CN-GD\u0000", kind: "consumption", publicKey: key }] }],
      [
        "/v1/devices",
        { devices: [{ region: "CN-GD", kind: "consumption", publicKey: key, owner: "\u0000" }] },
      ],
    ];
    for (const [url, body] of writes) expect(await post(url, body), url).toMatchObject(refused);
    expect(await patch("/v1/regions/CN-GD", { nameZh: "\udc00" })).toMatchObject(refused);
    for (const url of [
      "/v1/regions?search=%00",
      "/v1/regions?search=a%01",
      "/v1/regions/CN%00GD",
      "/v1/organisations/0x%00",
      "/v1/devices?owner=%00",
      "/v1/devices?region=CN-GD%00",
    ]) {
      expect(await get(url), url).toMatchObject(refused);
    }
    const { body } = await get("/v1/regions");
    expect(body.regions.map((r: { code: string }) => r.code)).toEqual(["CN-GD"]);
    expect((await get(`/v1/devices/0x${"00".repeat(32)}`)).status).toBe(404);
  });

  it("matches % and _ in a region search as themselves", async () => {
    for (const search of ["%", "_", "\\"]) {
      expect((await get(`/v1/regions?search=${encodeURIComponent(search)}`)).body.regions).toEqual([]);
    }
  });

  it("refuses adding a region whose code exists, and changes it with an update shown as from → to", async () => {
    expect(await post("/v1/regions", { code: "cn-gd", nameZh: "x", nameEn: "x" })).toMatchObject({
      status: 409,
      body: { error: { code: "REGISTRY_REGION_EXISTS", details: { region: "CN-GD" } } },
    });
    expect((await get("/v1/regions/CN-GD")).body).toMatchObject({ nameZh: "广东省", nameEn: "Guangdong" });
    const updated = await patch("/v1/regions/cn-gd", { nameEn: "Guangdong Province" });
    expect(updated).toMatchObject({ status: 200, body: { executed: true } });
    expect((await get("/v1/regions/CN-GD")).body).toMatchObject({
      nameZh: "广东省",
      nameEn: "Guangdong Province",
      intervalSeconds: 900,
    });
    const shown = await get(`/v1/proposals/${updated.body.proposalId}`);
    expect(shown.body).toMatchObject({
      kind: "update-region",
      state: "executed",
      change: "CN-GD nameEn: Guangdong → Guangdong Province",
    });
    expect(await patch("/v1/regions/CN-GD", { nameEn: "Guangdong Province" })).toMatchObject({
      status: 400,
      body: { error: { code: "REGISTRY_REGION_UNCHANGED" } },
    });
    expect(await patch("/v1/regions/CN-XX", { nameEn: "X" })).toMatchObject({
      status: 404,
      body: { error: { code: "REGISTRY_UNKNOWN_REGION" } },
    });
  });

  it("keeps a device pending in a region another member operates until that region's operator approves it", async () => {
    const other = "0x00000000000000000000000000000000000000bb";
    await post("/v1/proposals", {
      kind: "admit-member",
      address: other,
      name: "Zhejiang DC",
      roles: ["region-operator"],
    });
    expect(
      await post("/v1/regions", { code: "CN-ZJ", nameZh: "浙江省", nameEn: "Zhejiang", operator: other }),
    ).toMatchObject({ status: 200, body: { executed: true } });
    const registered = await post("/v1/devices", {
      devices: [{ region: "CN-ZJ", kind: "consumption", publicKey: ed25519Hex() }],
    });
    const id = registered.body.deviceIds[0];
    expect((await get(`/v1/devices/${id}`)).body.status).toBe("pending");
    const pending = await get("/v1/devices?status=pending");
    expect(pending.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([id]);
    expect(await post("/v1/devices/approvals", { deviceIds: [id] })).toMatchObject({
      status: 403,
      body: { error: { code: "REGISTRY_NOT_REGION_OPERATOR", details: { caller: node.registry.operator } } },
    });
    const handed = await patch("/v1/regions/CN-ZJ", { operator: node.registry.operator });
    expect((await get(`/v1/proposals/${handed.body.proposalId}`)).body.change).toBe(
      `CN-ZJ operator: ${getAddress(other)} → ${node.registry.operator}`,
    );
    expect(await post("/v1/devices/approvals", { deviceIds: [id] })).toMatchObject({
      status: 200,
      body: { deviceIds: [id] },
    });
    expect((await get(`/v1/devices/${id}`)).body.status).toBe("active");
    expect(await post("/v1/devices/approvals", { deviceIds: [id] })).toMatchObject({
      status: 409,
      body: { error: { code: "REGISTRY_DEVICE_NOT_PENDING", details: { deviceId: id, status: 1 } } },
    });
  });
});
