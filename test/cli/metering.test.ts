import { execFile } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceKeyFromPem, signReading } from "../../src/metering/deviceKey.js";
import { leafHash } from "../../src/metering/merkleTree.js";
import { deviceToken } from "../../src/metering/mqttAuth.js";
import {
  encodeReading,
  leafInputOf,
  parseReadingJson,
  readingToJson,
} from "../../src/metering/readingFormat.js";
import type { ReadingProof } from "../../src/metering/readingProof.js";
import { type NodeProcess, runCli, startMeteringNodeProcess, tempDir } from "../helpers/cli.js";
import { intervalAgo } from "../helpers/metering.js";

const execFileAsync = promisify(execFile);

/**
 * A meter maker's and an auditor's path through the CLI, against one node process: make a key,
 * register it, send a signed reading, anchor, fetch the proof and check it offline and on chain.
 * The tests run in order and build on each other.
 */
describe("metering through the CLI: keygen, register, send, anchor, proof, verify", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let node: NodeProcess | undefined;
  let deviceId: string;
  let proofFile: string;
  // Fixed once: the interval two before the current one when the test file starts.
  const intervalStart = intervalAgo(2);
  const dataDir = () => join(dir, "node");
  const cli = (...args: string[]) => runCli(["--node", node!.info.api, "--data-dir", dataDir(), ...args]);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    // A grace period far beyond the test: only the `anchor` command anchors its interval.
    node = await startMeteringNodeProcess(dataDir());
  });
  afterAll(async () => {
    await node?.stop();
    await cleanup?.();
  });

  it("device keygen writes an owner-only PKCS#8 key that OpenSSL reads, and its public key", async () => {
    const out = join(dir, "meter");
    const made = await runCli(["device", "keygen", "--out", out]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^deviceId: +[0-9a-f]{64}$/m);
    expect(made.stdout).toContain(`--public-key ${out}.pub`);

    expect((await stat(`${out}.key`)).mode & 0o777).toBe(0o600);
    const pem = await readFile(`${out}.key`, "utf8");
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    await execFileAsync("openssl", ["pkey", "-in", `${out}.key`, "-noout"]);
    await execFileAsync("openssl", ["pkey", "-pubin", "-in", `${out}.pub`, "-noout"]);
    // The public file is the key file's public half.
    const { stdout: derived } = await execFileAsync("openssl", ["pkey", "-in", `${out}.key`, "-pubout"]);
    expect(await readFile(`${out}.pub`, "utf8")).toBe(derived);

    deviceId = deviceKeyFromPem(pem).deviceId.slice(2);
    expect(made.stdout).toMatch(new RegExp(`^deviceId: +${deviceId}$`, "m"));
  });

  it("device keygen refuses to overwrite a key unless --force, and prints JSON with --json", async () => {
    const out = join(dir, "meter");
    const again = await runCli(["device", "keygen", "--out", out]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      `error: ${out}.key exists; choose another --out or pass --force [CLI_FILE_EXISTS]`,
    );
    expect(deviceKeyFromPem(await readFile(`${out}.key`, "utf8")).deviceId.slice(2)).toBe(deviceId);

    const other = join(dir, "spare");
    const json = await runCli(["device", "keygen", "--scheme", "secp256k1", "--out", other, "--json"]);
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout);
    const key = deviceKeyFromPem(await readFile(`${other}.key`, "utf8"));
    expect(summary).toEqual({
      scheme: "secp256k1",
      deviceId: key.deviceId.slice(2),
      publicKey: Buffer.from(key.publicKey).toString("hex"),
      privateKeyFile: `${other}.key`,
      publicKeyFile: `${other}.pub`,
    });
    await execFileAsync("openssl", ["pkey", "-in", `${other}.key`, "-noout"]);
  });

  it("registers the key's device from meter.pub under the id keygen printed", async () => {
    const region = await cli(
      "region",
      "add",
      "--code",
      "CN-GD",
      "--name-zh",
      "广东省",
      "--name-en",
      "Guangdong",
    );
    expect(region.stderr).toBe("");
    expect(region.stdout).toMatch(/region CN-GD approved/);
    const registered = await cli(
      "device",
      "register",
      "--region",
      "CN-GD",
      "--kind",
      "consumption",
      "--public-key",
      join(dir, "meter.pub"),
    );
    expect(registered.stderr).toBe("");
    expect(registered.stdout.trim()).toBe(`0x${deviceId}`);
  });

  it("takes a reading signed with meter.key over POST /v1/readings with the meter's own token, none without", async () => {
    const key = deviceKeyFromPem(await readFile(join(dir, "meter.key"), "utf8"));
    const reading = signReading(key, {
      seq: 1n,
      intervalStart,
      duration: 900,
      commodity: 1,
      quality: 0,
      importRegister: 1_000_250n,
      exportRegister: 0n,
      importDelta: 250n,
      exportDelta: 0n,
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${node!.info.api}/v1/readings`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ readings: [readingToJson(reading)] }),
      });
    const anonymous = await post({});
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("AUTH_REQUIRED");
    const token = deviceToken(key, Math.floor(Date.now() / 1000));
    const response = await post({ authorization: `Device ${key.deviceId} ${token}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ results: [{ status: "accepted", seq: "1" }] });
  });

  it("has no proof before the interval is anchored", async () => {
    const early = await cli("proof", deviceId, "1");
    expect(early.code).toBe(1);
    expect(early.stdout).toBe("");
    expect(early.stderr).toMatch(/batch is not anchored yet.* \[READING_NOT_ANCHORED\]$/m);
  });

  it("anchor closes the ended interval and anchors its batch at once", async () => {
    const round = await cli("anchor", "--json");
    expect(round.stderr).toBe("");
    expect(round.code).toBe(0);
    expect(JSON.parse(round.stdout)).toEqual({
      built: 1,
      anchored: 1,
      reconciled: 0,
      conflicts: 0,
      quarantined: 0,
    });

    const nothingLeft = await cli("anchor");
    expect(nothingLeft.code).toBe(0);
    expect(nothingLeft.stdout).toMatch(/^built: +0$/m);
    expect(nothingLeft.stdout).toMatch(/^anchored: +0$/m);
  });

  it("proof prints the reading's Merkle proof as JSON, for the id with or without 0x", async () => {
    const [printed, prefixed] = await Promise.all([
      cli("proof", deviceId, "1"),
      cli("proof", `0x${deviceId}`, "1"),
    ]);
    expect(printed.stderr).toBe("");
    expect(printed.code).toBe(0);
    const proof = JSON.parse(printed.stdout) as ReadingProof;
    expect(proof.reading).toMatchObject({ deviceId, seq: "1", importDelta: "250" });
    expect(proof).toMatchObject({
      leafIndex: 0,
      treeSize: 1,
      auditPath: [],
      batch: { region: "CN-GD", commodity: 1, intervalStart: Number(intervalStart), part: 0 },
      anchor: { contract: node!.info.contracts.MeterAnchor?.toLowerCase() },
    });
    proofFile = join(dir, "proof.json");
    await writeFile(proofFile, printed.stdout);

    expect(JSON.parse(prefixed.stdout)).toEqual(proof);
  });

  it("verify-proof checks the proof file offline, and with --rpc-url the anchored root and the signature", async () => {
    // Independent reads, run side by side: each CLI run starts a Node process.
    const consortium = node!.info.contracts.Consortium!;
    const [offline, onChain, json] = await Promise.all([
      runCli(["verify-proof", proofFile]),
      runCli(["verify-proof", proofFile, "--rpc-url", node!.info.rpcUrl, "--consortium", consortium]),
      runCli(["verify-proof", proofFile, "--rpc-url", node!.info.rpcUrl, "--json"]),
    ]);
    expect(offline.stderr).toBe("");
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/^proof: +ok$/m);
    // Offline, a proof can only be consistent in itself: the CLI does not call that "verified".
    expect(offline.stdout.trim().split("\n").at(-1)).toMatch(/^consistent offline; pass --rpc-url/);

    expect(onChain.code).toBe(0);
    expect(onChain.stdout).toMatch(/^contract: +ok$/m);
    expect(onChain.stdout).toMatch(/^anchoredRoot: +ok$/m);
    expect(onChain.stdout).toMatch(/^signature: +ok$/m);
    expect(onChain.stdout.trim().split("\n").at(-1)).toBe("verified");

    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      onChain: true,
      checks: {
        proof: "ok",
        contract: "taken from the proof (pass --consortium to pin it)",
        anchoredRoot: "ok",
        signature: "ok",
      },
      problems: [],
    });
  });

  it("verify-proof --consortium refuses a proof that names another contract than the consortium's MeterAnchor", async () => {
    const proof = JSON.parse(await readFile(proofFile, "utf8")) as ReadingProof;
    const lookalikeFile = join(dir, "lookalike.json");
    const lookalike = node!.info.contracts.Registry!;
    await writeFile(
      lookalikeFile,
      JSON.stringify({ ...proof, anchor: { ...proof.anchor, contract: lookalike } }),
    );
    const result = await runCli([
      "verify-proof",
      lookalikeFile,
      "--rpc-url",
      node!.info.rpcUrl,
      "--consortium",
      node!.info.contracts.Consortium!,
      "--json",
    ]);
    expect(result.code).toBe(1);
    const answer = JSON.parse(result.stdout);
    expect(answer).toMatchObject({ ok: false, checks: { contract: "FAILED" } });
    expect(answer.problems[0]).toMatch(/the consortium's MeterAnchor is/);
  });

  it("verify-proof refuses a proof whose reading was altered, exit 1 and NOT verified", async () => {
    const proof = JSON.parse(await readFile(proofFile, "utf8")) as ReadingProof;
    const tamperedFile = join(dir, "tampered.json");
    await writeFile(
      tamperedFile,
      JSON.stringify({ ...proof, reading: { ...proof.reading, importDelta: "249" } }, null, 2),
    );

    const [offline, json] = await Promise.all([
      runCli(["verify-proof", tamperedFile]),
      runCli(["verify-proof", tamperedFile, "--rpc-url", node!.info.rpcUrl, "--json"]),
    ]);
    expect(offline.code).toBe(1);
    expect(offline.stdout).toMatch(/^proof: +FAILED$/m);
    expect(offline.stdout).toContain("problem: the reading does not hash to leafHash");
    expect(offline.stdout.trim().split("\n").at(-1)).toBe("NOT verified");

    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({
      ok: false,
      checks: { proof: "FAILED", anchoredRoot: "ok", signature: "FAILED" },
    });
    expect(result.problems).toContain(
      "the signature does not verify with the device's registered public key",
    );
  });

  it("verify-proof --rpc-url refuses a forged proof that is consistent in itself but not anchored", async () => {
    // An altered reading made into a one-leaf tree of its own: the path checks out offline, but the
    // chain anchors another root for the batch and the device never signed these values.
    const proof = JSON.parse(await readFile(proofFile, "utf8")) as ReadingProof;
    const forgedReading = { ...proof.reading, importDelta: "249" };
    const parsed = parseReadingJson(forgedReading);
    const leaf = Buffer.from(leafHash(leafInputOf(encodeReading(parsed), parsed.signature))).toString("hex");
    const forgedFile = join(dir, "forged.json");
    await writeFile(
      forgedFile,
      JSON.stringify({ ...proof, reading: forgedReading, leafHash: leaf, root: leaf, auditPath: [] }),
    );

    const result = await runCli(["verify-proof", forgedFile, "--rpc-url", node!.info.rpcUrl, "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      checks: { proof: "ok", anchoredRoot: "FAILED", signature: "FAILED" },
      problems: expect.arrayContaining([
        expect.stringMatching(/^the chain anchors root 0x[0-9a-f]{64}, not the proof's$/),
      ]),
    });
  });

  it("verify recomputes every batch from the stored readings and finds it matches the chain", async () => {
    const [human, json, before] = await Promise.all([
      cli("verify"),
      cli("verify", "--region", "CN-GD", "--json"),
      cli("verify", "--to", new Date(Number(intervalStart) * 1000).toISOString(), "--json"),
    ]);
    expect(human.stderr).toBe("");
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^1 batch(es)?, 1 readings? checked$/m);
    expect(human.stdout).toMatch(/^every batch matches its readings and the chain$/m);

    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, batches: 1, readings: 1, findings: [] });

    expect(JSON.parse(before.stdout)).toMatchObject({ ok: true, batches: 0, readings: 0 });
  });
});
