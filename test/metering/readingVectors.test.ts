import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, stringToBytes } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import {
  type DeviceKey,
  deviceKeyFromSecret,
  deviceKeyToPem,
  signReading,
} from "../../src/metering/deviceKey.js";
import { auditPath, leafHash, merkleRoot, nodeHash, verifyInclusion } from "../../src/metering/merkleTree.js";
import {
  commodities,
  decodeReading,
  encodeReading,
  leafInputOf,
  parseReadingJson,
  qualities,
  type Reading,
  readingToJson,
  type SignedReading,
} from "../../src/metering/readingFormat.js";
import { verifySignature } from "../../src/metering/verifyWorker.js";
import { type SignatureScheme, signatureSchemes } from "../../src/registry/deviceTypes.js";

// docs/reading-format.md publishes test vectors in fenced blocks labelled ```<lang> vector=<label>.
// This test recomputes each one from the code and checks the document byte for byte, then runs the
// document's OpenSSL commands for real.

const docPath = new URL("../../docs/reading-format.md", import.meta.url);
const doc = readFileSync(docPath, "utf8");

function fencedBlocks(kind: "vector" | "script"): Map<string, string> {
  const blocks = new Map<string, string>();
  const fence = new RegExp(`^ *\`\`\`[a-z]* ${kind}=([\\w.-]+)\\n([\\s\\S]*?)^ *\`\`\`$`, "gm");
  for (const match of doc.matchAll(fence)) {
    const [, label, body] = match;
    if (blocks.has(label!)) throw new Error(`docs/reading-format.md: ${kind} ${label} appears twice`);
    // Blocks inside list items are indented; the indentation is not part of the vector.
    blocks.set(label!, body!.replace(/^ +/gm, "").trim());
  }
  return blocks;
}

const documented = fencedBlocks("vector");
const scripts = fencedBlocks("script");

function vector(label: string): string {
  const value = documented.get(label);
  if (value === undefined) throw new Error(`docs/reading-format.md has no vector ${label}`);
  return value;
}

/** A hex vector without its layout whitespace (messages are shown one field per line). */
function hexVector(label: string): string {
  return vector(label).replace(/\s+/g, "");
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

// ---- The fixed inputs: keys, the interval and the five readings of the tree. ----

const keys = {
  // RFC 8032 §7.1 TEST 1, TEST 2, TEST 3 and TEST 1024.
  rfc8032Test1: ["ed25519", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"],
  rfc8032Test2: ["ed25519", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"],
  rfc8032Test3: ["ed25519", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"],
  rfc8032Test1024: ["ed25519", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5"],
  // SHA-256 of the ASCII text "GridLedger secp256k1 test vector".
  secp256k1: ["secp256k1", createHash("sha256").update("GridLedger secp256k1 test vector").digest("hex")],
} satisfies Record<string, [SignatureScheme, string]>;

function key(name: keyof typeof keys): DeviceKey {
  const [scheme, secret] = keys[name];
  return deviceKeyFromSecret(scheme, new Uint8Array(Buffer.from(secret, "hex")));
}

const region = "CN-GD";
const interval = { intervalStart: 1_767_225_600n, duration: 900, commodity: commodities.electricity };
type Fields = Omit<Reading, "deviceId" | "intervalStart" | "duration" | "commodity">;
const measured = qualities.measured;

const readings: [keyof typeof keys, Fields][] = [
  [
    "rfc8032Test1",
    {
      seq: 42n,
      quality: measured,
      importRegister: 1_234_567n,
      exportRegister: 89_012n,
      importDelta: 250n,
      exportDelta: 12n,
    },
  ],
  [
    "secp256k1",
    {
      seq: 7n,
      quality: measured,
      importRegister: 5_000_321n,
      exportRegister: 0n,
      importDelta: 1830n,
      exportDelta: 0n,
    },
  ],
  [
    "rfc8032Test2",
    {
      seq: 1n,
      quality: measured,
      importRegister: 98n,
      exportRegister: 0n,
      importDelta: 98n,
      exportDelta: 0n,
    },
  ],
  [
    "rfc8032Test3",
    {
      seq: 1000n,
      quality: qualities.estimated,
      importRegister: 20_480_000n,
      exportRegister: 3_100_000n,
      importDelta: 0n,
      exportDelta: 740n,
    },
  ],
  [
    "rfc8032Test1024",
    {
      seq: 96n,
      quality: measured,
      importRegister: 77_770n,
      exportRegister: 0n,
      importDelta: 310n,
      exportDelta: 0n,
    },
  ],
];

const signed = new Map<keyof typeof keys, SignedReading>(
  readings.map(([name, fields]) => [name, signReading(key(name), { ...interval, ...fields })]),
);

function leafOf(reading: SignedReading): Uint8Array {
  return leafHash(leafInputOf(encodeReading(reading), reading.signature));
}

// Leaves ordered by (deviceId bytes, seq): lowercase hex of equal length sorts like the bytes.
const tree = [...signed.values()].sort((a, b) =>
  a.deviceId === b.deviceId ? Number(a.seq - b.seq) : a.deviceId < b.deviceId ? -1 : 1,
);
const leaves = tree.map(leafOf);
const root = merkleRoot(leaves);
const provenIndex = 2;
const path = auditPath(leaves, provenIndex);

/** DER form of an r‖s ECDSA signature (SEC 1 §C.8), which `openssl dgst -verify` takes. */
function derSignature(signature: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const body = bytes[i]! & 0x80 ? [0, ...bytes.subarray(i)] : [...bytes.subarray(i)];
    return [0x02, body.length, ...body];
  };
  const body = [...integer(signature.subarray(0, 32)), ...integer(signature.subarray(32))];
  return new Uint8Array([0x30, body.length, ...body]);
}

// ---- Expected values of every documented vector. ----

function single(prefix: string, name: keyof typeof keys): Record<string, string> {
  const device = key(name);
  const reading = signed.get(name)!;
  return {
    [`${prefix}.secretKey`]: keys[name][1],
    [`${prefix}.privateKeyPem`]: deviceKeyToPem(device).privateKeyPem.trim(),
    [`${prefix}.publicKey`]: hex(device.publicKey),
    [`${prefix}.deviceId`]: device.deviceId.slice(2),
    [`${prefix}.message`]: hex(encodeReading(reading)),
    [`${prefix}.signature`]: hex(reading.signature),
    [`${prefix}.leafHash`]: hex(leafOf(reading)),
  };
}

const steps: Uint8Array[] = [];
{
  // RFC 9162 §2.1.3.2 for leaf 2 of 5: right sibling, then a left one, then a right one.
  const [p0, p1, p2] = path;
  steps.push(nodeHash(leaves[provenIndex]!, p0!));
  steps.push(nodeHash(p1!, steps[0]!));
  steps.push(nodeHash(steps[1]!, p2!));
}

const expectedText: Record<string, string> = {
  ...single("ed25519", "rfc8032Test1"),
  ...single("secp256k1", "secp256k1"),
  "secp256k1.signatureDer": hex(derSignature(signed.get("secp256k1")!.signature)),
  "tree.leafHashes": leaves.map(hex).join(""),
  "tree.root": hex(root),
  "tree.auditPath": path.map(hex).join(""),
  "tree.step1": hex(steps[0]!),
  "tree.step2": hex(steps[1]!),
  "tree.step3": hex(steps[2]!),
  "tree.regionId": keccak256(stringToBytes(region)).slice(2),
};

const expectedJson: Record<string, unknown> = {
  "ed25519.json": readingToJson(signed.get("rfc8032Test1")!),
  "secp256k1.json": readingToJson(signed.get("secp256k1")!),
  "tree.readings": tree.map(readingToJson),
};

const isPem = (label: string) => label.endsWith("Pem");

describe("docs/reading-format.md test vectors", () => {
  it("lists exactly the vectors this test recomputes", () => {
    const known = [...Object.keys(expectedText), ...Object.keys(expectedJson), "tree.proof", "tree.anchorOf"];
    expect([...documented.keys()].sort()).toEqual(known.sort());
  });

  it.each(Object.keys(expectedText))("%s equals what the code computes", (label) => {
    const actual = isPem(label) ? vector(label) : hexVector(label);
    expect(actual).toBe(expectedText[label]);
  });

  it.each(Object.keys(expectedJson))("%s equals the JSON form the code writes", (label) => {
    expect(JSON.parse(vector(label))).toEqual(expectedJson[label]);
  });

  it("shows the message one field per line, at the documented offsets", () => {
    for (const label of ["ed25519.message", "secp256k1.message"]) {
      expect(
        vector(label)
          .split("\n")
          .map((line) => line.trim().length / 2),
      ).toEqual([4, 32, 8, 8, 4, 1, 1, 8, 8, 8, 8]);
    }
  });

  it("uses the expected keys: RFC 8032 TEST 1 and the documented secp256k1 secret", () => {
    expect(vector("ed25519.publicKey")).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    expect(doc).toContain("GridLedger secp256k1 test vector");
  });

  it("proves leaf 2 with the documented proof JSON, and its steps end at the root", () => {
    expect(hex(steps[2]!)).toBe(hex(root));
    expect(verifyInclusion(leaves[provenIndex]!, provenIndex, leaves.length, path, root)).toBe(true);
    const proof = JSON.parse(vector("tree.proof"));
    expect(proof).toMatchObject({
      reading: readingToJson(tree[provenIndex]!),
      leafHash: hex(leaves[provenIndex]!),
      leafIndex: provenIndex,
      treeSize: leaves.length,
      auditPath: path.map(hex),
      root: hex(root),
      batch: {
        region,
        regionId: keccak256(stringToBytes(region)).slice(2),
        commodity: interval.commodity,
        intervalStart: Number(interval.intervalStart),
        part: 0,
      },
    });
    expect(Object.keys(proof.anchor).sort()).toEqual(["blockNumber", "contract", "txHash"]);
  });

  it("gives the anchorOf answer of the tree: root, leaf count and totals", () => {
    const [anchoredRoot, leafCount, importTotal, exportTotal] = vector("tree.anchorOf").split("\n");
    expect(anchoredRoot).toBe(`0x${hex(root)}`);
    expect(leafCount).toBe(String(tree.length));
    expect(importTotal).toBe(String(tree.reduce((sum, r) => sum + r.importDelta, 0n)));
    expect(exportTotal).toBe(String(tree.reduce((sum, r) => sum + r.exportDelta, 0n)));
  });
});

// ---- The document's OpenSSL commands, run for real. ----

function hasTool(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

// On a developer's machine without these tools the checks skip; in CI they must run (and fail if missing).
const hasOpenssl = Boolean(process.env.CI) || hasTool("openssl", ["version"]);
const hasShellTools =
  Boolean(process.env.CI) || (hasOpenssl && hasTool("sh", ["-c", "command -v xxd && command -v sha256sum"]));
const work = mkdtempSync(join(tmpdir(), "gridledger-vectors-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function openssl(...args: string[]): Buffer {
  return execFileSync("openssl", args, { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
}

function runScript(name: string, edit: (script: string) => string = (script) => script): string[] {
  const script = scripts.get(name);
  if (script === undefined) throw new Error(`docs/reading-format.md has no script ${name}`);
  const output = execFileSync("sh", ["-e", "-c", edit(script)], { cwd: work, encoding: "utf8" });
  return output.trim().split("\n");
}

function file(name: string, content: Uint8Array | string): string {
  const at = join(work, name);
  writeFileSync(at, content);
  return at;
}

function fromHex(text: string): Buffer {
  return Buffer.from(text, "hex");
}

describe.skipIf(!hasOpenssl)("the vectors with OpenSSL", () => {
  it("openssl pkeyutl -sign -rawin signs the Ed25519 vector message into the vector signature", () => {
    // RFC 8410 PKCS #8 prefix followed by the 32-byte seed, as the document builds it with xxd.
    const der = file("test1.der", fromHex(`302e020100300506032b657004220420${vector("ed25519.secretKey")}`));
    openssl("pkey", "-inform", "DER", "-in", der, "-out", join(work, "test1.key"));
    expect(readFileSync(join(work, "test1.key"), "utf8").trim()).toBe(vector("ed25519.privateKeyPem"));
    const spki = openssl("pkey", "-in", "test1.key", "-pubout", "-outform", "DER");
    expect(hex(spki.subarray(-32))).toBe(vector("ed25519.publicKey"));
    const message = file("msg.bin", fromHex(hexVector("ed25519.message")));
    openssl(
      "pkeyutl",
      "-sign",
      "-rawin",
      "-inkey",
      "test1.key",
      "-in",
      message,
      "-out",
      join(work, "sig.bin"),
    );
    expect(hex(readFileSync(join(work, "sig.bin")))).toBe(vector("ed25519.signature"));
  });

  it("openssl dgst -sha256 gives the device id, the leaf hash and every step of the audit path", () => {
    const sha256 = (name: string, content: Uint8Array) =>
      hex(openssl("dgst", "-sha256", "-binary", file(name, content)));
    expect(sha256("pub.bin", fromHex(vector("ed25519.publicKey")))).toBe(vector("ed25519.deviceId"));
    const leafInput = Buffer.concat([
      Buffer.of(0),
      fromHex(hexVector("ed25519.message")),
      fromHex(vector("ed25519.signature")),
    ]);
    expect(sha256("leaf.bin", leafInput)).toBe(vector("ed25519.leafHash"));
    const [p0, p1, p2] = vector("tree.auditPath").split(/\s+/);
    const leaf2 = vector("tree.leafHashes").split(/\s+/)[2]!;
    const inner = (left: string, right: string) => sha256("node.bin", fromHex(`01${left}${right}`));
    expect(inner(leaf2, p0!)).toBe(vector("tree.step1"));
    expect(inner(p1!, vector("tree.step1"))).toBe(vector("tree.step2"));
    expect(inner(vector("tree.step2"), p2!)).toBe(vector("tree.root"));
  });

  it("openssl verifies the secp256k1 vector signature and derives its compressed public key", () => {
    file("k1.key", `${vector("secp256k1.privateKeyPem")}\n`);
    const compressed = openssl(
      "ec",
      "-in",
      "k1.key",
      "-pubout",
      "-outform",
      "DER",
      "-conv_form",
      "compressed",
    );
    expect(hex(compressed.subarray(-33))).toBe(vector("secp256k1.publicKey"));
    openssl("pkey", "-in", "k1.key", "-pubout", "-out", join(work, "k1.pub"));
    const message = file("k1msg.bin", fromHex(hexVector("secp256k1.message")));
    const signature = file("k1sig.der", fromHex(vector("secp256k1.signatureDer")));
    const verified = openssl("dgst", "-sha256", "-verify", "k1.pub", "-signature", signature, message);
    expect(verified.toString()).toMatch(/Verified OK/);
  });

  it.skipIf(!hasShellTools)("the document's shell check reproduces the Ed25519 vector", () => {
    expect(runScript("check-ed25519")).toEqual([
      vector("ed25519.publicKey"),
      vector("ed25519.deviceId"),
      hexVector("ed25519.message"),
      vector("ed25519.signature"),
      vector("ed25519.leafHash"),
    ]);
  });
});

describe.skipIf(!hasShellTools)("the document's walkthrough (section 8)", () => {
  it("makes a key, builds, signs and hashes a reading that the node's code accepts", () => {
    const steps = [...scripts.keys()].filter((name) => name.startsWith("walkthrough-")).sort();
    expect(steps).toEqual([
      "walkthrough-1-keys",
      "walkthrough-2-id",
      "walkthrough-4-message",
      "walkthrough-5-sign",
      "walkthrough-6-leaf",
      "walkthrough-7-json",
    ]);
    const dir = mkdtempSync(join(work, "walkthrough-"));
    const script = [...steps.map((name) => scripts.get(name)!), `printf '%s\\n' "$json"`].join("\n");
    const output = execFileSync("sh", ["-e", "-c", script], { cwd: dir, encoding: "utf8" })
      .trim()
      .split("\n");
    const [rawKey, id, length, verified, leafLine, json] = output;
    expect(output).toHaveLength(6);
    expect(id).toBe(createHash("sha256").update(fromHex(rawKey!)).digest("hex"));
    expect(length!.trim()).toBe("90");
    expect(verified).toMatch(/Signature Verified Successfully/);

    const message = new Uint8Array(readFileSync(join(dir, "msg.bin")));
    const signature = new Uint8Array(readFileSync(join(dir, "sig.bin")));
    const reading = decodeReading(message);
    expect(reading).toMatchObject({
      deviceId: `0x${id}`,
      seq: 1n,
      duration: 900,
      commodity: commodities.electricity,
      quality: qualities.measured,
      importRegister: 1_234_567n,
      exportRegister: 89_012n,
      importDelta: 250n,
      exportDelta: 12n,
    });
    const now = BigInt(Math.floor(Date.now() / 1000));
    expect(reading.intervalStart % 900n).toBe(0n);
    expect(reading.intervalStart + 900n <= now).toBe(true);
    expect(verifySignature(signatureSchemes.ed25519, fromHex(rawKey!), signature, message)).toBe(true);
    expect(leafLine).toBe(`${hex(leafHash(leafInputOf(message, signature)))}  -`);

    const parsed = parseReadingJson(JSON.parse(json!));
    expect(hex(encodeReading(parsed))).toBe(hex(message));
    expect(hex(parsed.signature)).toBe(hex(signature));
  });
});

describe.skipIf(!hasShellTools)("the document's shell proof check", () => {
  it("folds the audit path of leaf 2 through the documented steps to the root", () => {
    expect(runScript("verify-proof")).toEqual([
      vector("tree.step1"),
      vector("tree.step2"),
      vector("tree.step3"),
      "included",
    ]);
  });

  it("says NOT included for another root, another index or a longer path", () => {
    const root = vector("tree.root");
    const other = vector("tree.leafHashes").split(/\s+/)[0]!;
    expect(runScript("verify-proof", (s) => s.replace(`root=${root}`, `root=${other}`)).at(-1)).toBe(
      "NOT included",
    );
    expect(runScript("verify-proof", (s) => s.replace("leafIndex=2", "leafIndex=1")).at(-1)).toBe(
      "NOT included",
    );
    expect(runScript("verify-proof", (s) => s.replace(/auditPath="/, `auditPath="${other} `)).at(-1)).toBe(
      "NOT included",
    );
    expect(runScript("verify-proof", (s) => s.replace("treeSize=5", "treeSize=4")).at(-1)).toBe(
      "NOT included",
    );
    expect(
      runScript("verify-proof", (s) => s.replace(/auditPath="([^"]*)"/, `auditPath="$1 ${other}"`)).at(-1),
    ).toBe("NOT included");
  });
});
