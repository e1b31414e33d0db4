import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auditPath, emptyTreeRoot, leafHash, merkleRoot, nodeHash, verifyInclusion } from "./merkleTree.js";

// An independent, literal transcription of RFC 6962 §2.1 (MTH) and §2.1.1 (PATH) over leaf inputs.
function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(inputs: readonly Uint8Array[]): Uint8Array {
  if (inputs.length === 0) return sha256();
  if (inputs.length === 1) return sha256(Uint8Array.of(0), inputs[0]!);
  const k = largestPowerOfTwoBelow(inputs.length);
  return sha256(Uint8Array.of(1), mth(inputs.slice(0, k)), mth(inputs.slice(k)));
}

function path(m: number, inputs: readonly Uint8Array[]): Uint8Array[] {
  if (inputs.length <= 1) return [];
  const k = largestPowerOfTwoBelow(inputs.length);
  return m < k
    ? [...path(m, inputs.slice(0, k)), mth(inputs.slice(k))]
    : [...path(m - k, inputs.slice(k)), mth(inputs.slice(0, k))];
}

/** Leaf inputs of varied lengths, `i` in each, so no two leaves are equal. */
function leafInputs(n: number): Uint8Array[] {
  return Array.from(
    { length: n },
    (_, i) => new Uint8Array(Buffer.from(`reading ${i} `.repeat(1 + (i % 3)))),
  );
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function flipped(bytes: Uint8Array, at = 0): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[at]! ^= 0x01;
  return copy;
}

const sizes = Array.from({ length: 18 }, (_, n) => n);

describe("leafHash and nodeHash", () => {
  it("prefix 0x00 for leaves and 0x01 for inner nodes (RFC 6962 §2.1)", () => {
    const input = new Uint8Array([1, 2, 3]);
    expect(hex(leafHash(input))).toBe(hex(sha256(Uint8Array.of(0), input)));
    const left = sha256(Uint8Array.of(7));
    const right = sha256(Uint8Array.of(8));
    expect(hex(nodeHash(left, right))).toBe(hex(sha256(Uint8Array.of(1), left, right)));
  });
});

describe("merkleRoot", () => {
  it("of no leaves is SHA-256 of the empty string", () => {
    expect(hex(merkleRoot([]))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hex(emptyTreeRoot)).toBe(hex(merkleRoot([])));
  });

  it.each(sizes)("of %i leaves equals the recursive RFC 6962 Merkle Tree Hash", (n) => {
    const inputs = leafInputs(n);
    expect(hex(merkleRoot(inputs.map(leafHash)))).toBe(hex(mth(inputs)));
  });

  it("matches the published Certificate Transparency test trees", () => {
    // Leaves and roots from the RFC 6962 reference tests of certificate-transparency-go (merkle/testdata).
    const inputs = [
      "",
      "00",
      "10",
      "2021",
      "3031",
      "40414243",
      "5051525354555657",
      "606162636465666768696a6b6c6d6e6f",
    ];
    const roots = [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    const leaves = inputs.map((input) => leafHash(new Uint8Array(Buffer.from(input, "hex"))));
    roots.forEach((root, i) => {
      expect(hex(merkleRoot(leaves.slice(0, i + 1)))).toBe(root);
    });
  });

  it("does not change the caller's array", () => {
    const leaves = leafInputs(5).map(leafHash);
    const before = leaves.map(hex);
    merkleRoot(leaves);
    auditPath(leaves, 3);
    expect(leaves.map(hex)).toEqual(before);
  });
});

describe("auditPath", () => {
  it.each(sizes.filter((n) => n > 0))(
    "of every leaf of %i leaves equals the recursive RFC 6962 PATH",
    (n) => {
      const inputs = leafInputs(n);
      const leaves = inputs.map(leafHash);
      for (let m = 0; m < n; m++) {
        expect(auditPath(leaves, m).map(hex)).toEqual(path(m, inputs).map(hex));
      }
    },
  );

  it("refuses an index outside the tree", () => {
    const leaves = leafInputs(3).map(leafHash);
    for (const index of [-1, 3, 1.5, Number.NaN]) {
      expect(() => auditPath(leaves, index)).toThrow(RangeError);
    }
    expect(() => auditPath([], 0)).toThrow(RangeError);
  });
});

describe("verifyInclusion", () => {
  it.each(sizes.filter((n) => n > 0))("accepts the audit path of every leaf of %i leaves", (n) => {
    const leaves = leafInputs(n).map(leafHash);
    const root = merkleRoot(leaves);
    leaves.forEach((leaf, m) => {
      expect(verifyInclusion(leaf, m, n, auditPath(leaves, m), root)).toBe(true);
    });
  });

  it.each(sizes.filter((n) => n > 0))("refuses a tampered leaf, path, index or size in a tree of %i", (n) => {
    const inputs = leafInputs(n);
    const leaves = inputs.map(leafHash);
    const root = merkleRoot(leaves);
    leaves.forEach((leaf, m) => {
      const proof = auditPath(leaves, m);
      expect(verifyInclusion(flipped(leaf, 31), m, n, proof, root)).toBe(false);
      expect(verifyInclusion(leaf, m, n, proof, flipped(root))).toBe(false);
      proof.forEach((_, i) => {
        const tampered = proof.map((p, j) => (j === i ? flipped(p, 5) : p));
        expect(verifyInclusion(leaf, m, n, tampered, root)).toBe(false);
      });
      for (let j = 0; j < n; j++) {
        if (j !== m) expect(verifyInclusion(leaf, j, n, proof, root)).toBe(false);
      }
      expect(verifyInclusion(leaf, m, n, [...proof, leaf], root)).toBe(false);
      if (proof.length > 0) {
        expect(verifyInclusion(leaf, m, n, proof.slice(0, -1), root)).toBe(false);
        expect(verifyInclusion(leaf, m, n, [...proof].reverse(), root)).toBe(proof.length === 1);
      }
      // A size whose tree has another path length for this index cannot verify this path.
      for (let size = m + 1; size <= n + 2; size++) {
        if (size !== n && path(m, leafInputs(size)).length !== proof.length) {
          expect(verifyInclusion(leaf, m, size, proof, root)).toBe(false);
        }
      }
    });
  });

  it("binds the path to the tree's shape, not to its size: the size must come from the anchor", () => {
    const leaves = leafInputs(5).map(leafHash);
    const root = merkleRoot(leaves);
    const proof = auditPath(leaves, 2);
    expect(verifyInclusion(leaves[2]!, 2, 5, proof, root)).toBe(true);
    expect(verifyInclusion(leaves[2]!, 2, 3, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[2]!, 2, 4, proof, root)).toBe(false);
    // Leaf 2 of 6 has a path of the same shape (right, left, right), as RFC 9162 allows: a verifier
    // takes treeSize from the anchored leafCount rather than from whoever presents the proof.
    expect(verifyInclusion(leaves[2]!, 2, 6, proof, root)).toBe(true);
  });

  it("accepts a one-leaf tree whose root is the leaf hash, with an empty path", () => {
    const leaf = leafHash(new Uint8Array([42]));
    expect(verifyInclusion(leaf, 0, 1, [], leaf)).toBe(true);
    expect(verifyInclusion(leaf, 0, 1, [leaf], nodeHash(leaf, leaf))).toBe(false);
  });

  it("refuses an index or size that is negative, fractional or out of range", () => {
    const leaves = leafInputs(4).map(leafHash);
    const root = merkleRoot(leaves);
    const proof = auditPath(leaves, 1);
    for (const [index, size] of [
      [-1, 4],
      [1.5, 4],
      [4, 4],
      [1, 0],
      [1, -4],
      [1, 4.5],
      [1, Number.POSITIVE_INFINITY],
    ] as const) {
      expect(verifyInclusion(leaves[1]!, index, size, proof, root)).toBe(false);
    }
  });
});
