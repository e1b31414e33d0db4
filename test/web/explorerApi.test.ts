import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Fastify from "fastify";
import { keccak256, stringToBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meterAnchorAbi } from "../../src/chain/artifacts/index.js";
import { contractManifest } from "../../src/chain/manifest.js";
import { seedDemoRegions } from "../../src/node/demoRegions.js";
import { registerWebRoutes } from "../../src/server/webRoutes.js";
import { tempDir } from "../helpers/cli.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

describe("the explorer's endpoints", () => {
  let t: MeteringNode;
  let start: bigint;
  let proof: { root: string; treeSize: number; anchor: { txHash: string; blockNumber: number } };

  beforeAll(async () => {
    t = await startMeteringNode();
    await seedDemoRegions(t.node.context);
    start = intervalAgo(6);
    const keys = [await t.device({ region: "CN-GD" }), await t.device({ region: "CN-GD" })];
    for (const key of keys) {
      const sent = await t.post("/v1/readings", {
        readings: asJson(readingSeries(key, { start, count: 2 })),
      });
      expect(sent.body.results.map((r: { status: string }) => r.status)).toEqual(["accepted", "accepted"]);
    }
    expect((await t.post("/v1/anchors", { region: "CN-GD" })).body.anchored).toBeGreaterThanOrEqual(2);
    proof = (await t.get(`/v1/readings/${keys[0]!.deviceId.slice(2)}/1/proof`)).body;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("lists batches newest first with order=desc, so the explorer's first page holds the latest intervals", async () => {
    const oldest = (await t.get("/v1/anchors?region=CN-GD")).body.batches;
    const newest = (await t.get("/v1/anchors?region=CN-GD&order=desc&limit=1")).body.batches;
    expect(oldest.length).toBeGreaterThanOrEqual(2);
    expect(oldest[0].intervalStart).toBe(Number(start));
    expect(newest).toHaveLength(1);
    expect(newest[0].intervalStart).toBe(
      Math.max(...oldest.map((b: { intervalStart: number }) => b.intervalStart)),
    );
    expect(newest[0].intervalStart).toBeGreaterThan(Number(start));
    expect((await t.get("/v1/anchors?order=sideways")).status).toBe(400);
  });

  it("lists the latest blocks newest first, naming the contract and function of each transaction", async () => {
    const head = (await t.get("/v1/chain")).body.blockNumber as number;
    const { status, body } = await t.get("/v1/chain/blocks?limit=5");
    expect(status).toBe(200);
    expect(body.head).toBeGreaterThanOrEqual(head);
    expect(body.blocks).toHaveLength(5);
    const numbers = body.blocks.map((b: { number: number }) => b.number);
    expect(numbers).toEqual([0, 1, 2, 3, 4].map((i) => body.head - i));
    for (const block of body.blocks) expect(block.hash).toMatch(/^0x[0-9a-f]{64}$/);

    const anchoring = await t.get(`/v1/chain/blocks?limit=1&before=${proof.anchor.blockNumber + 1}`);
    const [block] = anchoring.body.blocks;
    expect(block.number).toBe(proof.anchor.blockNumber);
    expect(block.transactions).toContainEqual({
      hash: proof.anchor.txHash,
      from: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      to: t.node.context.contracts.MeterAnchor,
      contract: "MeterAnchor",
      method: "anchor",
      created: null,
    });
  });

  it("names the contracts the deployment created and the registry calls that followed", async () => {
    const { body } = await t.get("/v1/chain/blocks?limit=100&before=101");
    const transactions = body.blocks.flatMap((b: { transactions: unknown[] }) => b.transactions);
    const created = transactions.filter((tx: { created: string | null }) => tx.created !== null);
    const contracts = t.node.context.contracts;
    expect(created.map((tx: { contract: string }) => tx.contract).sort()).toEqual(
      contractManifest.map((spec) => spec.name).sort(),
    );
    for (const tx of created) expect(tx.created).toBe(contracts[tx.contract as keyof typeof contracts]);
    expect(transactions).toContainEqual(
      expect.objectContaining({ contract: "ConsortiumGovernor", method: "propose" }),
    );
    expect(transactions).toContainEqual(
      expect.objectContaining({ contract: "Registry", method: "registerDevices" }),
    );
    expect(transactions).toContainEqual(
      expect.objectContaining({ contract: "Consortium", method: "bindService" }),
    );
  });

  it("reads a batch's anchor from the chain, and all zeros for an interval that is not anchored", async () => {
    const [root, leafCount, importTotal] = await t.node.context.client.publicClient.readContract({
      address: t.node.context.contracts.MeterAnchor,
      abi: meterAnchorAbi,
      functionName: "anchorOf",
      args: [keccak256(stringToBytes("CN-GD")), 1, start, 0],
    });
    const { status, body } = await t.get(
      `/v1/anchors/onchain?region=cn-gd&commodity=1&intervalStart=${start}&part=0`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      region: "CN-GD",
      regionId: keccak256(stringToBytes("CN-GD")),
      commodity: 1,
      intervalStart: Number(start),
      part: 0,
      contract: t.node.context.contracts.MeterAnchor,
      anchored: true,
      root: root.toLowerCase(),
      leafCount: Number(leafCount),
      importTotal: importTotal.toString(),
    });
    expect(body.root).toBe(`0x${proof.root}`);
    expect(body.leafCount).toBe(proof.treeSize);
    expect(body.anchoredAt).toBeGreaterThan(0);

    const later = await t.get(`/v1/anchors/onchain?region=CN-GD&intervalStart=${start + 900n * 100n}`);
    expect(later.body).toMatchObject({
      anchored: false,
      root: `0x${"0".repeat(64)}`,
      leafCount: 0,
      anchoredAt: null,
    });
  });

  it("refuses an unknown region and a request without an interval", async () => {
    const unknown = await t.get(`/v1/anchors/onchain?region=CN-XX&intervalStart=${start}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("REGISTRY_UNKNOWN_REGION");
    const missing = await t.get("/v1/anchors/onchain?region=CN-GD");
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("REQUEST_INVALID");
  });

  it("documents both endpoints in the OpenAPI file", async () => {
    const { body } = await t.get("/openapi.json");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(["/v1/chain/blocks", "/v1/anchors/onchain"]),
    );
  });
});

describe("serving the dashboard", () => {
  it("serves index.html uncached and hashed assets cached, leaving the API's routes and 404s alone", async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.dir, "assets"));
      await writeFile(join(dir.dir, "index.html"), "<!doctype html><title>GridLedger</title>");
      await writeFile(join(dir.dir, "assets", "index-abc123.js"), "console.log(1)");
      const app = Fastify();
      app.get("/health", async () => ({ status: "ok" }));
      await registerWebRoutes(app, { webDir: dir.dir });
      const page = await app.inject({ method: "GET", url: "/" });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toMatch(/text\/html/);
      expect(page.headers["cache-control"]).toBe("no-cache");
      expect(page.body).toContain("<title>GridLedger</title>");
      const asset = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect((await app.inject({ method: "GET", url: "/health" })).json()).toEqual({ status: "ok" });
      const missing = await app.inject({ method: "GET", url: "/v1/nothing" });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().message).toMatch(/Route GET:\/v1\/nothing not found/);
      await app.close();
    } finally {
      await dir.cleanup();
    }
  });

  it("says how to build the dashboard when web/dist is missing", async () => {
    const dir = await tempDir();
    try {
      const app = Fastify();
      await registerWebRoutes(app, { webDir: join(dir.dir, "dist") });
      const page = await app.inject({ method: "GET", url: "/" });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain("npm run build:web");
      await app.close();
    } finally {
      await dir.cleanup();
    }
  });
});
