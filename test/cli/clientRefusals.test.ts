import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { leafHash } from "../../src/metering/merkleTree.js";
import { commodities, encodeReading, leafInputOf, qualities } from "../../src/metering/readingFormat.js";
import { proofOf } from "../../src/metering/readingProof.js";
import { regionIdOf } from "../../src/registry/regionCode.js";
import { freePort, runCli, tempDir } from "../helpers/cli.js";

// A stand-in for a node that records every request: a refusal made by the CLI itself must leave it empty.
describe("the CLI refuses bad input before anything reaches the node", () => {
  let server: Server;
  let port: number;
  let dir: string;
  let cleanup: () => Promise<void>;
  const received: string[] = [];
  const cli = (...args: string[]) =>
    runCli(["--node", `http://127.0.0.1:${port}`, "--data-dir", dir, ...args]);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeFile(join(dir, "api-token"), "test-token\n", { mode: 0o600 });
    server = createServer((request, response) => {
      received.push(`${request.method} ${request.url}`);
      response.setHeader("content-type", "application/json");
      response.end(request.url === "/v1/regions" ? '{"regions":[]}' : "{}");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.close();
    await cleanup();
  });

  it("refuses a private key given as --public-key, saying which file to use", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const keyFile = join(dir, "meter.key");
    await writeFile(keyFile, privateKey.export({ format: "pem", type: "pkcs8" }));
    received.length = 0;
    const result = await cli(
      "device",
      "register",
      "--region",
      "CN-GD",
      "--kind",
      "consumption",
      "--public-key",
      keyFile,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /meter\.key holds a private key.*nothing was sent.*-pubout.*\[CLI_PRIVATE_KEY_GIVEN\]/,
    );
    expect(received).toEqual([]);
  });

  it("says that a --public-key file does not exist", async () => {
    const result = await cli(
      "device",
      "register",
      "--region",
      "CN-GD",
      "--kind",
      "consumption",
      "--public-key",
      "meter.pub",
    );
    expect(result.stderr.trim()).toMatch(
      /^error: --public-key: file meter.pub does not exist .*\[CLI_FILE_NOT_FOUND\]$/,
    );
  });

  it("lists the allowed kinds for a bad --kind", async () => {
    received.length = 0;
    const result = await cli(
      "device",
      "register",
      "--region",
      "CN-GD",
      "--kind",
      "fridge",
      "--public-key",
      "ab".repeat(32),
    );
    expect(result.stderr.trim()).toBe(
      'error: --kind must be one of consumption, generation, bidirectional, ev-charger, storage, feeder; got "fridge" [CLI_INVALID_CHOICE]',
    );
    expect(received).toEqual([]);
  });

  it("accepts --node without http://, as the node prints its address", async () => {
    received.length = 0;
    const result = await runCli(["--node", `127.0.0.1:${port}`, "region", "list", "--json"]);
    expect(result.stderr).toBe("");
    expect(received).toEqual(["GET /v1/regions"]);
  });

  it("reports a chain that does not answer to verify-proof in one line with a code", async () => {
    const proofFile = join(dir, "proof.json");
    // A proof consistent in itself (one leaf: the root is the leaf hash), so the CLI goes on to the chain.
    const signed = signReading(generateDeviceKey("ed25519"), {
      seq: 1n,
      intervalStart: 1_767_225_600n,
      duration: 900,
      commodity: commodities.electricity,
      quality: qualities.measured,
      importRegister: 1_000n,
      exportRegister: 0n,
      importDelta: 10n,
      exportDelta: 0n,
    });
    const leaf = leafHash(leafInputOf(encodeReading(signed), signed.signature));
    const batch = {
      region: "CN-GD",
      regionId: regionIdOf("CN-GD"),
      commodity: 1,
      intervalStart: 1_767_225_600,
      part: 0,
    };
    const anchor = { contract: `0x${"11".repeat(20)}`, txHash: `0x${"22".repeat(32)}`, blockNumber: 1 };
    await writeFile(proofFile, JSON.stringify(proofOf(signed, [leaf], 0, leaf, batch, anchor)));
    const deadPort = await freePort();
    const result = await runCli(["verify-proof", proofFile, "--rpc-url", `http://127.0.0.1:${deadPort}`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      /no EVM JSON-RPC endpoint answers at http:\/\/127\.0\.0\.1:\d+.*\[CHAIN_UNREACHABLE\]/,
    );
  });
});
