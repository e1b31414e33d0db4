import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Abi,
  type Address,
  getAddress,
  type Hex,
  keccak256,
  stringToBytes,
  stringToHex,
  zeroAddress,
} from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { createChainClient } from "../../src/chain/chainClient.js";
import { createEmbeddedChain } from "../../src/chain/embedded/index.js";
import { contractSpec } from "../../src/chain/manifest.js";
import { resolveNodeConfig } from "../../src/core/config.js";
import { migrateDataDir } from "../../src/node/migrateContracts.js";
import { writeNodeState } from "../../src/node/nodeState.js";
import { openNode } from "../../src/node/openNode.js";
import { encodeRoles } from "../../src/registry/roles.js";
import { tempDir } from "../helpers/cli.js";
import * as old from "./fixtures/oldLayout/index.js";

const chainId = 1337;
const member = getAddress("0x00000000000000000000000000000000000000aa");
const account = getAddress("0x00000000000000000000000000000000000000cc");

/**
 * A data directory made with the contracts before governance by the Governor: old Consortium
 * (founder "Old Op"), Registry, MeterAnchor and Accounts, a member, region CN-GD, a suspended device
 * and an auditor account binding, all through the old contracts' own proposals.
 */
async function oldDataDir(dir: string) {
  process.umask(0o077); // as the node sets it: the chain's files owner-only
  const privateKey = generatePrivateKey();
  const operator = privateKeyToAddress(privateKey);
  await mkdir(join(dir, "keys"), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, "keys", "operator.key"), `${privateKey}\n`, { mode: 0o600 });
  const chain = await createEmbeddedChain({
    dataDir: join(dir, "chain"),
    chainId,
    genesisAccounts: [{ address: operator, balance: 10n ** 24n }],
    senders: "any",
  });
  const client = createChainClient({
    endpoint: { kind: "embedded", request: chain.request },
    chainId,
    privateKey,
  });
  const deploy = async (abi: Abi, bytecode: Hex, args: unknown[]) =>
    getAddress((await client.sender.deploy({ abi, bytecode, args })).contractAddress!);
  const write = (address: Address, abi: Abi, functionName: string, args: unknown[]) =>
    client.sender.write({ address, abi, functionName, args });
  const roles = encodeRoles("regulator,region-operator,community,auditor");
  const Consortium = await deploy(old.consortiumAbi, old.consortiumBytecode, ["Old Op", roles]);
  const Registry = await deploy(old.registryAbi, old.registryBytecode, [Consortium]);
  await write(Consortium, old.consortiumAbi, "bindRegistry", [Registry]);
  const MeterAnchor = await deploy(old.meterAnchorAbi, old.meterAnchorBytecode, [Registry]);
  await write(Consortium, old.consortiumAbi, "bindService", [
    stringToHex("MeterAnchor", { size: 32 }),
    MeterAnchor,
  ]);
  const Accounts = await deploy(old.accountsAbi, old.accountsBytecode, [Registry]);
  await write(Consortium, old.consortiumAbi, "bindService", [
    stringToHex("accounts", { size: 32 }),
    Accounts,
  ]);
  await write(Consortium, old.consortiumAbi, "proposeAdmitMember", [
    member,
    "Member Co",
    encodeRoles("community"),
    false,
    "",
  ]);
  await write(Consortium, old.consortiumAbi, "proposeApproveRegion", [
    "CN-GD",
    "广东省",
    "Guangdong",
    operator,
    900,
    "",
  ]);
  const publicKey = keccak256(stringToBytes("old device"));
  const regionId = keccak256(stringToBytes("CN-GD"));
  await write(Registry, old.registryAbi, "registerDevices", [
    [
      {
        scheme: 1,
        publicKey,
        owner: operator,
        regionId,
        kind: 1,
        source: 0,
        capacityW: 5000n,
        community: zeroAddress,
      },
    ],
  ]);
  const deviceId = (await client.publicClient.readContract({
    address: Registry,
    abi: old.registryAbi,
    functionName: "deviceIds",
    args: [0n, 1n],
  })) as Hex[];
  await write(Registry, old.registryAbi, "setDeviceStatus", [deviceId[0], 2]);
  // Role 7 is "auditor" (src/auth/roles.ts), scoped everywhere.
  await write(Accounts, old.accountsAbi, "grant", [account, 7, `0x${"00".repeat(32)}`]);
  await chain.close();
  await writeNodeState(dir, {
    version: 1,
    chainId,
    chain: { mode: "embedded" },
    operator,
    contracts: { Consortium, Registry, MeterAnchor, Accounts },
    deployedAtBlock: 0,
  });
  return { operator, Consortium, deviceId: deviceId[0] as Hex };
}

describe("a data directory of the contracts before the Governor", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("is refused at start with the command that migrates it, which copies the consortium into new contracts", async () => {
    const dir = await tempDir();
    closers.push(dir.cleanup);
    const before = await oldDataDir(dir.dir);
    const config = resolveNodeConfig({ dataDir: dir.dir }, {});

    await expect(openNode(config)).rejects.toMatchObject({
      code: "NODE_CONTRACTS_OUTDATED",
      message: expect.stringContaining(`gridledger migrate --data-dir ${dir.dir}`),
    });

    const report = await migrateDataDir(config);
    expect(report).toMatchObject({
      migrated: true,
      previousConsortium: before.Consortium,
      members: 1,
      regions: 1,
      devices: 1,
      devicesLeft: 0,
      bindings: 1,
      bindingsLeft: 0,
    });
    expect(report.consortium).not.toBe(before.Consortium);

    const node = await openNode(config);
    closers.push(() => node.close());
    expect(node.contracts.Consortium).toBe(report.consortium);
    expect(node.state.previousContracts?.Consortium).toBe(before.Consortium);
    expect(await node.store.getOrganisation(before.operator)).toMatchObject({ name: "Old Op", seat: true });
    expect(await node.store.getOrganisation(member)).toMatchObject({
      name: "Member Co",
      roles: ["community"],
      seat: false,
    });
    expect(await node.store.getRegion("CN-GD")).toMatchObject({
      nameEn: "Guangdong",
      operator: before.operator,
    });
    const device = (await node.client.publicClient.readContract({
      address: node.contracts.Registry,
      abi: contractSpec("Registry").abi,
      functionName: "device",
      args: [before.deviceId],
    } as never)) as { status: number; owner: Address; capacityW: bigint };
    expect(device).toMatchObject({ status: 2, owner: before.operator, capacityW: 5000n });
    const grantor = await node.client.publicClient.readContract({
      address: node.contracts.Accounts,
      abi: contractSpec("Accounts").abi,
      functionName: "grantorOf",
      args: [account, 7, `0x${"00".repeat(32)}`],
    } as never);
    expect(grantor).toBe(before.operator);
    // Governance works on the new contracts: the founder's seat passes a proposal alone.
    const outcome = await node.registry.propose(
      { kind: "set-parameter", name: "fee", value: 3 },
      "after migration",
    );
    expect(outcome.executed).toBe(true);
    await node.close();

    expect(await migrateDataDir(config)).toMatchObject({ migrated: false, consortium: report.consortium });
  });
});
