import { stat } from "node:fs/promises";
import { join } from "node:path";
import { zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { readAccountKeyFile } from "../../src/auth/accountKey.js";
import { bindingsOf } from "../../src/auth/accountStore.js";
import { resolveNodeConfig } from "../../src/core/config.js";
import { generateDeviceKey } from "../../src/metering/deviceKey.js";
import { demoAccountRoles, seedDemoAccounts } from "../../src/node/demoAccounts.js";
import { seedDemoRegions } from "../../src/node/demoRegions.js";
import { openNode } from "../../src/node/openNode.js";
import { parseDeviceRequest } from "../../src/registry/deviceInput.js";
import { deviceStatuses } from "../../src/registry/deviceTypes.js";
import { regionIdOf } from "../../src/registry/regionCode.js";
import { runCli, startNodeProcess, tempDir } from "../helpers/cli.js";

describe("demo accounts", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("writes one 0600 key file per role, grants each its role on chain, and reuses them on restart", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const config = resolveNodeConfig({ dataDir: dir.dir, devChain: true }, {});
    let node = await openNode(config);
    await seedDemoRegions(node);
    const accounts = await seedDemoAccounts(node, dir.dir);
    expect(accounts.map((a) => a.role)).toEqual([...demoAccountRoles]);
    for (const account of accounts) {
      expect(account.keyFile).toBe(join(dir.dir, "demo-accounts", `${account.role}.key`));
      expect((await stat(account.keyFile)).mode & 0o777).toBe(0o600);
      expect((await readAccountKeyFile(account.keyFile)).address).toBe(account.address);
      expect(await bindingsOf(node.db, account.address)).toEqual([
        { role: account.role, scope: account.scope },
      ]);
    }
    expect(accounts.find((a) => a.role === "region-operator")?.scope).toEqual({
      kind: "region",
      region: "CN-GD",
    });
    expect(accounts.find((a) => a.role === "prosumer")?.scope).toEqual({
      kind: "community",
      community: node.registry.operator,
    });
    // A prosumer owns devices in the community that bound it; elsewhere, or a stranger, is refused by the Registry.
    const prosumer = accounts.find((a) => a.role === "prosumer")!.address;
    const device = (owner: string, community: string) =>
      parseDeviceRequest(
        {
          region: "CN-GD",
          kind: "consumption",
          publicKey: Buffer.from(generateDeviceKey().publicKey).toString("hex"),
          owner,
          community,
        },
        { operator: node.registry.operator, regionIdOf },
      ).input;
    await node.registry.registerDevices([device(prosumer, node.registry.operator)]);
    await expect(node.registry.registerDevices([device(prosumer, zeroAddress)])).rejects.toMatchObject({
      code: "REGISTRY_NOT_MEMBER",
    });
    const stranger = privateKeyToAddress(generatePrivateKey());
    await expect(
      node.registry.registerDevices([device(stranger, node.registry.operator)]),
    ).rejects.toMatchObject({
      code: "REGISTRY_NOT_MEMBER",
    });
    await node.indexer.sync();
    const { rows } = await node.db.query<{ owner: string; status: number }>(
      "select owner, status from devices where owner = $1",
      [prosumer.toLowerCase()],
    );
    expect(rows).toEqual([{ owner: prosumer.toLowerCase(), status: deviceStatuses.active }]);

    const operator = node.registry.operator;
    const sent = await node.client.publicClient.getTransactionCount({ address: operator });
    await node.close();

    node = await openNode(config);
    cleanups.push(() => node.close());
    const again = await seedDemoAccounts(node, dir.dir);
    expect(again).toEqual(accounts);
    expect(await node.client.publicClient.getTransactionCount({ address: operator })).toBe(sent);
  }, 240_000);
});

describe("gridledger account", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("creates a key file once, then grants, lists and revokes its role through the node", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const keyFile = join(dir.dir, "alice.key");
    const created = await runCli(["account", "create", "--out", keyFile]);
    expect(created.code).toBe(0);
    const address = created.stdout.trim();
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const twice = await runCli(["account", "create", "--out", keyFile]);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain("ACCOUNTS_KEY_FILE_EXISTS");
    expect((await readAccountKeyFile(keyFile)).address).toBe(address);

    const dataDir = join(dir.dir, "node");
    const node = await startNodeProcess([
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--rpc-port",
      "0",
      "--mqtt-port",
      "0",
    ]);
    cleanups.push(async () => {
      await node.stop();
    });
    const cli = (...args: string[]) => runCli(["--node", node.info.api, "--data-dir", dataDir, ...args]);
    const granted = await cli("account", "grant", address, "regulator");
    expect(granted).toMatchObject({ code: 0 });
    expect(granted.stdout).toContain(`granted regulator (all) for ${address}`);
    const listed = await cli("account", "list");
    expect(listed.stdout).toMatch(new RegExp(`${address}\\s+regulator\\s+all`));
    const json = await cli("--json", "account", "list", "--address", address);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ account: address, role: "regulator" }),
    ]);
    const refused = await cli("account", "grant", address, "collector");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("ACCOUNTS_SCOPE_REQUIRED");
    expect((await cli("account", "revoke", address, "regulator")).stdout).toContain("revoked regulator");
    expect((await cli("account", "list")).stdout).toContain("(no bindings)");
  }, 240_000);
});
