import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deviceKeyFromSecret, deviceKeyToPem, signReading } from "../../src/metering/deviceKey.js";
import { encodeAck, verifyAck } from "../../src/metering/mqttAck.js";
import { deviceToken, deviceTokenMessage } from "../../src/metering/mqttAuth.js";
import { commodities, qualities, readingToJson } from "../../src/metering/readingFormat.js";

// docs/reading-format.md §7.5 publishes the MQTT login token and a signed ack in blocks labelled
// ```<lang> mqttvector=<label> and an OpenSSL script labelled mqttscript=check-mqtt. This test
// recomputes each vector from the code, checks the document byte for byte and runs the script.

const doc = readFileSync(new URL("../../docs/reading-format.md", import.meta.url), "utf8");

function blocks(kind: string): Map<string, string> {
  const found = new Map<string, string>();
  const fence = new RegExp(`^ *\`\`\`[a-z]* ${kind}=([\\w.-]+)\\n([\\s\\S]*?)^ *\`\`\`$`, "gm");
  for (const [, label, body] of doc.matchAll(fence)) found.set(label!, body!.trim());
  return found;
}
const vectors = blocks("mqttvector");
/** The document's shell scripts (`mqttscript=<name>`), also run by test/metering/mqtt.test.ts. */
const scripts = blocks("mqttscript");
const vector = (label: string) => {
  const value = vectors.get(label);
  if (value === undefined) throw new Error(`docs/reading-format.md has no mqttvector ${label}`);
  return value;
};

const rfc8032Test1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const device = deviceKeyFromSecret("ed25519", Buffer.from(rfc8032Test1, "hex"));
const ackSecret = createHash("sha256").update("GridLedger ack key test vector").digest();
const ackKey = deviceKeyFromSecret("ed25519", ackSecret);
const timestamp = 1_767_225_600;
const reading = signReading(device, {
  seq: 42n,
  intervalStart: 1_767_225_600n,
  duration: 900,
  commodity: commodities.electricity,
  quality: qualities.measured,
  importRegister: 1_234_567n,
  exportRegister: 89_012n,
  importDelta: 250n,
  exportDelta: 12n,
});
const published = Buffer.from(JSON.stringify(readingToJson(reading)));
const ack = encodeAck({
  deviceId: device.deviceId.slice(2),
  payload: published,
  results: [{ status: "accepted", seq: "42" }],
  at: 1_767_226_500,
  key: ackKey,
});

describe("docs/reading-format.md MQTT vectors (§7.5)", () => {
  it("lists exactly the vectors this test recomputes", () => {
    expect([...vectors.keys()].sort()).toEqual(
      ["ack.payload", "ack.publicKeyPem", "ack.secretKey", "token.message", "token.password"].sort(),
    );
  });

  it("gives the 44 signed bytes of the login token, one field per line", () => {
    expect(vector("token.message").replace(/\s+/g, "")).toBe(
      Buffer.from(deviceTokenMessage(device.deviceId, timestamp)).toString("hex"),
    );
    expect(
      vector("token.message")
        .split("\n")
        .map((line) => line.trim().length / 2),
    ).toEqual([4, 32, 8]);
  });

  it("gives the password the code makes for that device and timestamp", () => {
    expect(vector("token.password")).toBe(deviceToken(device, timestamp));
  });

  it("gives the ack key and the ack the code writes, which verifies with that key", () => {
    expect(vector("ack.secretKey")).toBe(ackSecret.toString("hex"));
    expect(vector("ack.publicKeyPem")).toBe(deviceKeyToPem(ackKey).publicKeyPem.trim());
    expect(vector("ack.payload")).toBe(ack);
    expect(verifyAck(vector("ack.payload"), ackKey.publicKey, device.deviceId.slice(2))).toMatchObject({
      payloadSha256: createHash("sha256").update(published).digest("hex"),
      results: [{ status: "accepted", seq: "42" }],
    });
  });
});

const hasTools =
  spawnSync("sh", ["-c", "command -v openssl && command -v xxd"], { stdio: "ignore" }).status === 0;
// In CI a missing tool fails the test rather than skipping it.
describe.skipIf(!hasTools && !process.env.CI)("the document's OpenSSL check of the MQTT vectors", () => {
  const work = mkdtempSync(join(tmpdir(), "gridledger-mqtt-vectors-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const run = (ackText: string) => {
    writeFileSync(
      join(work, "test1.der"),
      Buffer.from(`302e020100300506032b657004220420${rfc8032Test1}`, "hex"),
    );
    execFileSync("openssl", ["pkey", "-inform", "DER", "-in", "test1.der", "-out", "test1.key"], {
      cwd: work,
    });
    writeFileSync(join(work, "ack.pub"), `${vector("ack.publicKeyPem")}\n`);
    writeFileSync(join(work, "ack.json"), ackText);
    return spawnSync("sh", ["-e", "-c", scripts.get("check-mqtt") ?? "exit 3"], {
      cwd: work,
      encoding: "utf8",
    });
  };

  it("makes the documented password and verifies the documented ack with openssl pkeyutl -verify", () => {
    const result = run(vector("ack.payload"));
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([
      vector("token.password"),
      "Signature Verified Successfully",
    ]);
  });

  it("fails the verification of an ack whose seq was changed", () => {
    const forged = vector("ack.payload").replace('"seq":"42"', '"seq":"43"');
    const result = run(forged);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("Signature Verification Failure");
  });
});
