import { describe, expect, it } from "vitest";
import { generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { leafHash, merkleRoot, verifyInclusion } from "../../src/metering/merkleTree.js";
import {
  encodeReading,
  leafInputOf,
  readingToJson,
  type SignedReading,
} from "../../src/metering/readingFormat.js";
import { proofOf, type ReadingProof } from "../../src/metering/readingProof.js";
import { encodeReadingJson } from "../../web/src/verify/readingMessage.js";
import {
  browserDigest,
  type ChainAnchor,
  foldAuditPath,
  verifyReadingProof,
} from "../../web/src/verify/verifyProof.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const { digest, implementation } = browserDigest();
const regionIdGd = "c8a4a386faa60d72c6e89cebba6e25097b97d4894b25c422a79b518739f2a9a4";

/** A batch of `size` readings of distinct devices in one interval, as the node builds it. */
function batchOf(size: number, scheme: "ed25519" | "secp256k1" = "ed25519") {
  const intervalStart = 1_767_225_600n;
  const keys = Array.from({ length: size }, () => generateDeviceKey(scheme));
  const readings = keys.map((key, i) =>
    signReading(key, {
      seq: BigInt(i + 1),
      intervalStart,
      duration: 900,
      commodity: 1,
      quality: 0,
      importRegister: 1_000_000n + BigInt(i),
      exportRegister: 0n,
      importDelta: BigInt(100 + i),
      exportDelta: 0n,
    }),
  );
  const leaves = readings.map((r) => leafHash(leafInputOf(encodeReading(r), r.signature)));
  const root = merkleRoot(leaves);
  const proofs = readings.map((r, i) =>
    proofOf(
      r,
      leaves,
      i,
      root,
      { region: "CN-GD", regionId: regionIdGd, commodity: 1, intervalStart: Number(intervalStart), part: 0 },
      {
        contract: "0x0000000000000000000000000000000000000001",
        txHash: `0x${"ab".repeat(32)}`,
        blockNumber: 7,
      },
    ),
  );
  const anchor: ChainAnchor = {
    anchored: true,
    root: `0x${hex(root)}`,
    leafCount: size,
    contract: "0x0000000000000000000000000000000000000001",
  };
  const devices = keys.map((key) => ({ scheme: key.scheme, publicKey: `0x${hex(key.publicKey)}` }));
  return { readings, proofs, anchor, devices };
}

/** The proof with one hex digit changed at `at` of the string `get` returns. */
function flipDigit(text: string, at = 0): string {
  const digit = text[at]!;
  return `${text.slice(0, at)}${digit === "0" ? "1" : "0"}${text.slice(at + 1)}`;
}

const failing = (checks: { id: string; ok: boolean }[]) => checks.filter((c) => !c.ok).map((c) => c.id);

describe("the dashboard's in-browser proof verification", () => {
  it("uses WebCrypto's SHA-256", () => {
    expect(implementation).toBe("WebCrypto");
  });

  it("rebuilds the 90 signed bytes from the JSON form exactly as the node encodes them", () => {
    const key = generateDeviceKey();
    const samples: SignedReading[] = [
      signReading(key, {
        seq: 1n,
        intervalStart: 0n,
        duration: 60,
        commodity: 1,
        quality: 0,
        importRegister: 0n,
        exportRegister: 0n,
        importDelta: 0n,
        exportDelta: 0n,
      }),
      signReading(key, {
        seq: 2n ** 64n - 1n,
        intervalStart: -86_400n,
        duration: 86_400,
        commodity: 4,
        quality: 2,
        importRegister: 2n ** 64n - 1n,
        exportRegister: 2n ** 63n + 12345n,
        importDelta: 9_007_199_254_740_993n,
        exportDelta: 1n,
      }),
      signReading(key, {
        seq: 77n,
        intervalStart: 1_767_225_600n,
        duration: 900,
        commodity: 3,
        quality: 1,
        importRegister: 123_456_789n,
        exportRegister: 42n,
        importDelta: 250n,
        exportDelta: 7n,
      }),
    ];
    for (const reading of samples) {
      expect(hex(encodeReadingJson(readingToJson(reading)))).toBe(hex(encodeReading(reading)));
    }
    expect(() => encodeReadingJson({ ...readingToJson(samples[0]!), deviceId: "abcd" })).toThrow(/deviceId/);
    expect(() => encodeReadingJson({ ...readingToJson(samples[0]!), seq: "0" })).toThrow(/seq/);
  });

  it("folds audit paths exactly like RFC 9162 verification in the node, for every leaf of trees up to 17 leaves", async () => {
    for (let size = 1; size <= 17; size++) {
      const { proofs } = batchOf(size);
      for (const proof of proofs) {
        const leaf = new Uint8Array(Buffer.from(proof.leafHash, "hex"));
        const path = proof.auditPath.map((step) => new Uint8Array(Buffer.from(step, "hex")));
        const root = await foldAuditPath(leaf, proof.leafIndex, proof.treeSize, path, digest);
        expect(root && hex(root)).toBe(proof.root);
        // A wrong tree size or index: the node's verifier and the browser's agree.
        for (const [index, treeSize] of [
          [proof.leafIndex, size + 1],
          [proof.leafIndex + 1, size],
          [proof.leafIndex, Math.max(1, size - 1)],
        ] as const) {
          const browser = await foldAuditPath(leaf, index, treeSize, path, digest);
          const node = verifyInclusion(
            leaf,
            index,
            treeSize,
            path,
            new Uint8Array(Buffer.from(proof.root, "hex")),
          );
          expect(browser !== undefined && hex(browser) === proof.root).toBe(node);
        }
      }
    }
  }, 120_000);

  it("verifies every reading of a batch against the anchored root, with Ed25519 and secp256k1 meters", async () => {
    for (const scheme of ["ed25519", "secp256k1"] as const) {
      const { proofs, anchor, devices } = batchOf(5, scheme);
      for (const [i, proof] of proofs.entries()) {
        const result = await verifyReadingProof({ proof, anchor, device: devices[i], digest });
        expect(failing(result.checks)).toEqual([]);
        expect(result.verified).toBe(true);
      }
    }
  });

  it("refuses a proof with one hex digit of its audit path, root or leaf hash changed", async () => {
    const { proofs, anchor, devices } = batchOf(6);
    const proof = proofs[3]!;
    const device = devices[3];
    const check = async (altered: ReadingProof) =>
      verifyReadingProof({ proof: altered, anchor, device, digest });

    for (let step = 0; step < proof.auditPath.length; step++) {
      for (const at of [0, 31, 63]) {
        const auditPath = proof.auditPath.map((p, i) => (i === step ? flipDigit(p, at) : p));
        const result = await check({ ...proof, auditPath });
        expect(result.verified).toBe(false);
        expect(failing(result.checks)).toEqual(["path", "chainRoot"]);
      }
    }
    const rootChanged = await check({ ...proof, root: flipDigit(proof.root, 10) });
    expect(rootChanged.verified).toBe(false);
    expect(failing(rootChanged.checks)).toEqual(["path"]);
    const leafChanged = await check({ ...proof, leafHash: flipDigit(proof.leafHash, 5) });
    expect(failing(leafChanged.checks)).toEqual(["leaf"]);
  });

  it("refuses an altered reading, a wrong region, another root on chain, a wrong count, and a key that did not sign", async () => {
    const { proofs, anchor, devices } = batchOf(4);
    const proof = proofs[1]!;
    const verify = (changes: {
      proof?: ReadingProof;
      anchor?: ChainAnchor | undefined;
      device?: (typeof devices)[number];
    }) => verifyReadingProof({ proof, anchor, device: devices[1], digest, ...changes });

    const reading = await verify({ proof: { ...proof, reading: { ...proof.reading, importDelta: "999" } } });
    expect(failing(reading.checks)).toEqual(["leaf", "path", "chainRoot", "signature"]);
    const region = await verify({ proof: { ...proof, batch: { ...proof.batch, region: "CN-ZJ" } } });
    expect(failing(region.checks)).toEqual(["batch"]);
    const otherRoot = await verify({ anchor: { ...anchor, root: `0x${"11".repeat(32)}` } });
    expect(failing(otherRoot.checks)).toEqual(["chainRoot"]);
    const notAnchored = await verify({
      anchor: { ...anchor, anchored: false, root: `0x${"00".repeat(32)}`, leafCount: 0 },
    });
    expect(failing(notAnchored.checks)).toEqual(["chainRoot", "leafCount"]);
    const count = await verify({ anchor: { ...anchor, leafCount: 5 } });
    expect(failing(count.checks)).toEqual(["leafCount"]);
    const otherKey = await verify({ device: devices[2] });
    expect(failing(otherKey.checks)).toEqual(["signature"]);
    const noKey = await verify({ device: undefined });
    expect(noKey.verified).toBe(false);
  });

  it("says why a proof that is not a proof cannot be read", async () => {
    const { proofs, anchor, devices } = batchOf(2);
    const { auditPath: _path, ...withoutPath } = proofs[0]!;
    const result = await verifyReadingProof({ proof: withoutPath, anchor, device: devices[0], digest });
    expect(result).toMatchObject({ verified: false, malformed: expect.stringMatching(/auditPath/) });
    const notHex = await verifyReadingProof({
      proof: { ...proofs[0]!, auditPath: ["zz"] },
      anchor,
      device: devices[0],
      digest,
    });
    expect(notHex.malformed).toMatch(/auditPath\[0\] is not hex/);
  });
});
