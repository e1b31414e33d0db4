import { getAddress, type Hex, keccak256, stringToBytes, zeroAddress } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import type { GovernanceClient } from "../../src/governance/governanceClient.js";
import { createGridHooks } from "../../src/hooks/gridHooks.js";
import { createRegistryClient } from "../../src/registry/registryClient.js";
import { createRegistryIndexer } from "../../src/registry/registryIndexer.js";
import { createRegistryStore } from "../../src/registry/registryStore.js";
import { setupDatabase } from "../helpers/database.js";
import { embeddedClient } from "../helpers/embeddedClient.js";
import { consortiumAbi, registryAbi } from "../node/fixtures/oldLayout/index.js";
import {
  consortiumBeforeApprovalBytecode,
  registryBeforeApprovalBytecode,
} from "./fixtures/beforeDeviceApproval.js";

describe("a node on contracts deployed before device approval", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("still indexes their devices as active, and refuses adding an existing region before sending", async () => {
    const { client, operator } = await embeddedClient(closers);
    const deploy = async (abi: typeof consortiumAbi | typeof registryAbi, bytecode: Hex, args: unknown[]) =>
      getAddress(
        // biome-ignore lint/suspicious/noExplicitAny: the old constructors match the current ABIs' types
        (await client.sender.deploy({ abi, bytecode, args } as any)).contractAddress!,
      );
    const Consortium = await deploy(consortiumAbi, consortiumBeforeApprovalBytecode, ["Op", 4]);
    const Registry = await deploy(registryAbi, registryBeforeApprovalBytecode, [Consortium]);
    await client.sender.write({
      address: Consortium,
      abi: consortiumAbi,
      functionName: "bindRegistry",
      args: [Registry],
    });
    const contracts = {
      GridAuthority: zeroAddress,
      Consortium,
      GridTimelock: zeroAddress,
      ConsortiumGovernor: zeroAddress,
      Registry,
      MeterAnchor: zeroAddress,
      Accounts: zeroAddress,
      SettlementToken: zeroAddress,
      RewardToken: zeroAddress,
      Market: zeroAddress,
    };
    // The old Consortium's own proposal (its one seat passes it at once); no Governor on this chain.
    await client.sender.write({
      address: Consortium,
      abi: consortiumAbi,
      functionName: "proposeApproveRegion",
      args: ["CN-GD", "广东省", "Guangdong", operator, 900, ""],
    });
    const registry = createRegistryClient({ client, contracts, governance: {} as GovernanceClient });
    const publicKey = keccak256(stringToBytes("legacy device"));
    await registry.registerDevices([
      {
        scheme: 1,
        publicKey,
        owner: operator,
        regionId: keccak256(stringToBytes("CN-GD")),
        kind: 1,
        source: 0,
        capacityW: 0n,
        community: zeroAddress,
      },
    ]);

    const database = await setupDatabase("pglite");
    closers.push(database.cleanup);
    const indexer = createRegistryIndexer({
      db: database.db,
      publicClient: client.publicClient,
      contracts,
      fromBlock: 0n,
      hooks: createGridHooks(),
    });
    await indexer.sync();
    const store = createRegistryStore(database.db);
    const { devices } = await store.listDevices();
    expect(devices).toEqual([expect.objectContaining({ region: "CN-GD", status: "active" })]);

    await expect(
      registry.propose({ kind: "approve-region", code: "CN-GD", nameZh: "x", nameEn: "x" }),
    ).rejects.toMatchObject({ code: "REGISTRY_REGION_EXISTS" });
  });
});
