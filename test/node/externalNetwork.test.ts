import { zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveNodeConfig } from "../../src/core/config.js";
import { readNodeState } from "../../src/node/nodeState.js";
import { type NodeContext, openNode } from "../../src/node/openNode.js";
import { type Anvil, startAnvil } from "../helpers/anvil.js";
import { tempDir } from "../helpers/cli.js";
import { createTestPostgresDatabase, postgresAvailable } from "../helpers/database.js";

const pgAvailable = await postgresAvailable();
// In CI PostgreSQL must answer: the test runs (and fails) rather than skip.
const skipPostgres = !pgAvailable && !process.env.CI;
const meterKey = (n: number) => n.toString(16).padStart(64, "0");

describe("a node on an external EVM network (Foundry's anvil)", () => {
  let anvil: Anvil;
  const cleanups: (() => Promise<void>)[] = [];
  const nodes: NodeContext[] = [];

  async function open(
    privateKey: string,
    extra: { consortium?: string; databaseUrl?: string; dataDir?: string } = {},
  ) {
    let dir = extra.dataDir;
    if (dir === undefined) {
      const temp = await tempDir();
      cleanups.push(temp.cleanup);
      dir = temp.dir;
    }
    const config = resolveNodeConfig(
      { dataDir: dir, rpcUrl: anvil.rpcUrl, databaseUrl: extra.databaseUrl },
      {},
    );
    const node = await openNode(config, { privateKey, consortium: extra.consortium, name: "Org" });
    nodes.push(node);
    return { node, dir };
  }

  beforeAll(async () => {
    anvil = await startAnvil({ hardfork: "cancun" });
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
    for (const cleanup of cleanups) await cleanup();
    await anvil.stop();
  });

  it("deploys on first start, registers a region and devices, and reads them back", async () => {
    const { node, dir } = await open(anvil.accounts[0]!.privateKey);
    expect(node.embedded).toBeUndefined();
    expect(node.chainId).toBe(anvil.chainId);
    const outcome = await node.registry.propose({
      kind: "approve-region",
      code: "CN-ZJ",
      nameZh: "浙江省",
      nameEn: "Zhejiang",
    });
    expect(outcome.executed).toBe(true);
    await node.indexer.sync();
    const region = await node.store.getRegion("CN-ZJ");
    expect(region).toMatchObject({ nameZh: "浙江省", operator: anvil.accounts[0]!.address });

    const devices = Array.from({ length: 160 }, (_, i) => ({
      scheme: 1,
      publicKey: `0x${meterKey(i + 1)}` as const,
      owner: node.registry.operator,
      regionId: region!.regionId as `0x${string}`,
      kind: 1,
      source: 0,
      capacityW: 7000n,
      community: zeroAddress,
    }));
    const { txHashes } = await node.registry.registerDevices(devices);
    expect(txHashes).toHaveLength(2);
    await node.indexer.sync();
    const listed = await node.store.listDevices({ regionId: region!.regionId, limit: 1000 });
    expect(listed.total).toBe(160);

    // Reopening adopts the recorded contracts instead of deploying again.
    const state = await readNodeState(dir);
    await node.close();
    nodes.splice(nodes.indexOf(node), 1);
    const again = await open(anvil.accounts[0]!.privateKey, { dataDir: dir });
    expect(again.node.contracts).toEqual(state!.contracts);
    expect((await again.node.store.listDevices()).total).toBe(160);
  });

  it("lets a second organisation attach to the deployed consortium and share governance by vote", async () => {
    const founder = nodes[0]!;
    const second = anvil.accounts[1]!;
    await founder.registry.propose({
      kind: "admit-member",
      address: second.address,
      name: "Zhejiang data centre",
      roles: ["region-operator"],
      seat: true,
    });
    const { node: other } = await open(second.privateKey, { consortium: founder.contracts.Consortium });
    expect(other.contracts).toEqual(founder.contracts);
    expect(await other.store.getRegion("CN-ZJ")).toBeDefined();

    // Two seats: one vote is not more than two thirds, two are.
    const proposed = await other.registry.propose({
      kind: "approve-region",
      code: "CN-SC",
      nameZh: "四川省",
      nameEn: "Sichuan",
    });
    expect(proposed.executed).toBe(false);
    const voted = await founder.registry.vote(BigInt(proposed.proposalId), true);
    expect(voted.executed).toBe(true);
    await other.indexer.sync();
    expect(await other.store.getRegion("CN-SC")).toMatchObject({ operator: second.address });
  });

  it.skipIf(skipPostgres)("keeps its registry index in PostgreSQL when DATABASE_URL is given", async () => {
    const database = await createTestPostgresDatabase();
    cleanups.push(database.drop);
    const { node } = await open(anvil.accounts[2]!.privateKey, {
      consortium: nodes[0]!.contracts.Consortium,
      databaseUrl: database.url,
    });
    expect(node.db.kind).toBe("postgres");
    expect((await node.store.listRegions("sichuan")).map((r) => r.code)).toEqual(["CN-SC"]);
    expect((await node.store.listDevices()).total).toBe(160);
  });
});
