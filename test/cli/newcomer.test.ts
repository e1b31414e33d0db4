import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractManifest } from "../../src/chain/manifest.js";
import { freePort, type NodeProcess, runCli, startNodeProcess, tempDir } from "../helpers/cli.js";

const castPath = resolve(import.meta.dirname, "../../node_modules/.bin/cast");

describe("a newcomer's first node, through the CLI", () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let node: NodeProcess | undefined;
  let port: number;
  let rpcPort: number;
  const cli = (...args: string[]) =>
    runCli(["--node", `http://127.0.0.1:${port}`, "--data-dir", dataDir, ...args]);
  const start = () =>
    startNodeProcess(["--data-dir", dataDir, "--port", String(port), "--rpc-port", String(rpcPort)]);

  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = await tempDir());
    port = await freePort();
    rpcPort = await freePort();
  });
  afterAll(async () => {
    await node?.kill();
    await cleanup();
  });

  it("initialises a data directory with an operator key and deployed contracts", async () => {
    const result = await runCli(["init", "--data-dir", dataDir, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.chain).toBe("embedded");
    expect(summary.database).toBe("pglite");
    expect(summary.contracts.Consortium).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(summary.contracts.Registry).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it("starts, adds a region that takes effect at once with a single seat, and registers a device from a PEM file", async () => {
    node = await start();
    const added = await cli(
      "region",
      "add",
      "--code",
      "CN-GD",
      "--name-zh",
      "广东省",
      "--name-en",
      "Guangdong",
    );
    expect(added.stderr).toBe("");
    expect(added.stdout).toMatch(/region CN-GD approved/);

    const { publicKey } = generateKeyPairSync("ed25519");
    const pemFile = join(dataDir, "meter.pem");
    await writeFile(pemFile, publicKey.export({ format: "pem", type: "spki" }));
    const registered = await cli(
      "device",
      "register",
      "--region",
      "CN-GD",
      "--kind",
      "consumption",
      "--scheme",
      "ed25519",
      "--public-key",
      pemFile,
    );
    expect(registered.stderr).toBe("");
    expect(registered.stdout.trim()).toMatch(/^0x[0-9a-f]{64}$/);

    const regions = await cli("region", "list", "--json");
    expect(JSON.parse(regions.stdout)).toEqual([
      expect.objectContaining({ code: "CN-GD", nameZh: "广东省", nameEn: "Guangdong", intervalSeconds: 900 }),
    ]);
    const devices = JSON.parse((await cli("device", "list", "--json")).stdout);
    expect(devices.devices).toEqual([
      expect.objectContaining({
        deviceId: registered.stdout.trim(),
        region: "CN-GD",
        kind: "consumption",
        status: "active",
      }),
    ]);
  });

  it("refuses bad input with a one-line error and a non-zero exit", async () => {
    const unknownRegion = await cli(
      "device",
      "register",
      "--region",
      "CN-XX",
      "--kind",
      "consumption",
      "--public-key",
      "ab".repeat(32),
    );
    expect(unknownRegion.code).not.toBe(0);
    expect(unknownRegion.stderr.trim()).toBe(
      'error: region "CN-XX" is not registered; see "gridledger region list" [REGISTRY_UNKNOWN_REGION]',
    );
    const badKey = await cli(
      "device",
      "register",
      "--region",
      "CN-GD",
      "--kind",
      "consumption",
      "--public-key",
      "abcd",
    );
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toMatch(
      /an ed25519 public key has 32 bytes, got 2 \[REGISTRY_INVALID_PUBLIC_KEY\]/,
    );
    const elsewhere = await tempDir();
    const noToken = await runCli([
      "--node",
      `http://127.0.0.1:${port}`,
      "--data-dir",
      elsewhere.dir,
      "region",
      "add",
      "--code",
      "CN-HN",
      "--name-zh",
      "湖南省",
      "--name-en",
      "Hunan",
    ]);
    await elsewhere.cleanup();
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toMatch(/refused the request: .*--data-dir .*\[AUTH_REQUIRED\]/);
    const noNode = await runCli(["--node", "http://127.0.0.1:9", "region", "list"]);
    expect(noNode.code).not.toBe(0);
    expect(noNode.stderr).toMatch(
      /no GridLedger node answers at http:\/\/127.0.0.1:9; .*\[CLI_NODE_UNREACHABLE\]/,
    );
  });

  it("answers chain status, and cast reads the block number from the printed rpcUrl", async () => {
    const status = JSON.parse((await cli("chain", "status", "--json")).stdout);
    expect(status.chainId).toBe(1337);
    expect(status.rpcUrl).toBe(`http://127.0.0.1:${rpcPort}`);
    expect(Object.keys(status.contracts).sort()).toEqual(contractManifest.map((spec) => spec.name).sort());
    const { stdout } = await promisify(execFile)(castPath, ["block-number", "--rpc-url", status.rpcUrl]);
    expect(Number(stdout.trim())).toBe(status.blockNumber);
  });

  it("prints the voting period in days, and the raw seconds with --json", async () => {
    expect((await cli("gov", "status")).stdout).toMatch(/votingPeriod: +7 days \(604800 s\)/);
    expect(JSON.parse((await cli("gov", "status", "--json")).stdout).votingPeriod).toBe(604800);
  });

  it("keeps regions and devices across a clean stop and across kill -9", async () => {
    const before = JSON.parse((await cli("device", "list", "--json")).stdout);
    expect(await node!.stop()).toBe(0);
    node = await start();
    expect(JSON.parse((await cli("device", "list", "--json")).stdout)).toEqual(before);

    const second = await cli(
      "device",
      "register",
      "--region",
      "cn-gd",
      "--kind",
      "generation",
      "--source",
      "solar",
      "--capacity-w",
      "5000",
      "--public-key",
      "cd".repeat(32),
    );
    expect(second.code).toBe(0);
    await node!.kill();
    node = await start();
    const after = JSON.parse((await cli("device", "list", "--json")).stdout);
    expect(after.total).toBe(2);
    expect(after.devices[1]).toMatchObject({
      deviceId: second.stdout.trim(),
      kind: "generation",
      source: "solar",
      capacityW: "5000",
    });
    expect(JSON.parse((await cli("region", "list", "--json")).stdout)).toHaveLength(1);
  }, 180_000); // two restarts of a node whose founding sends ~30 transactions

  it("refuses a second node on the same data directory, naming the process that has it", async () => {
    const result = await runCli(["start", "--data-dir", dataDir, "--port", "0", "--rpc-port", "0"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`the data directory .* is in use by process ${node!.process.pid}`),
    );
  });

  it("refuses a port given explicitly that is taken, naming the flag", async () => {
    const other = await tempDir();
    try {
      const result = await runCli([
        "start",
        "--data-dir",
        other.dir,
        "--port",
        String(port),
        "--rpc-port",
        "0",
      ]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(new RegExp(`port ${port} given with --port is already in use`));
    } finally {
      await other.cleanup();
    }
  });
});
