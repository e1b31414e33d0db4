import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auditPath, leafHash, merkleRoot, verifyInclusion } from "./merkleTree.js";

const runs = { seed: 20_260_309, numRuns: 200 };

/** A tree of 1 to 70 leaves (every shape of the last, unpaired nodes) and one of its leaf indexes. */
const tree = fc
  .array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 })
  .chain((inputs) =>
    fc.record({ leaves: fc.constant(inputs.map(leafHash)), index: fc.nat(inputs.length - 1) }),
  );

const flipped = (bytes: Uint8Array, bit: number) => {
  const copy = new Uint8Array(bytes);
  copy[(bit >> 3) % copy.length]! ^= 1 << (bit & 7);
  return copy;
};

describe("Merkle trees (RFC 6962/9162), for arbitrary leaves", () => {
  it("proves every leaf against the root", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 }), (inputs) => {
        const leaves = inputs.map(leafHash);
        const root = merkleRoot(leaves);
        for (let i = 0; i < leaves.length; i++) {
          expect(verifyInclusion(leaves[i]!, i, leaves.length, auditPath(leaves, i), root)).toBe(true);
        }
      }),
      runs,
    );
  });

  it("fails the proof when the leaf, any path node, the index or the path's length is changed", () => {
    fc.assert(
      fc.property(tree, fc.nat(255), fc.nat(), (t, bit, which) => {
        const { leaves, index } = t;
        const root = merkleRoot(leaves);
        const path = auditPath(leaves, index);
        const n = leaves.length;
        expect(verifyInclusion(flipped(leaves[index]!, bit), index, n, path, root)).toBe(false);
        expect(verifyInclusion(leaves[index]!, index, n, path, flipped(root, bit))).toBe(false);
        if (path.length > 0) {
          const k = which % path.length;
          const tampered = path.map((node, i) => (i === k ? flipped(node, bit) : node));
          expect(verifyInclusion(leaves[index]!, index, n, tampered, root)).toBe(false);
          expect(verifyInclusion(leaves[index]!, index, n, path.slice(0, -1), root)).toBe(false);
        }
        expect(verifyInclusion(leaves[index]!, index, n, [...path, leaves[0]!], root)).toBe(false);
        const other = (index + 1 + (which % n)) % n;
        if (other !== index && Buffer.compare(leaves[other]!, leaves[index]!) !== 0) {
          expect(verifyInclusion(leaves[index]!, other, n, path, root)).toBe(false);
        }
        // A changed leaf anywhere changes the root, so the old proof no longer verifies against it.
        const j = which % n;
        const changed = leaves.map((leaf, i) => (i === j ? flipped(leaf, bit) : leaf));
        expect(Buffer.compare(merkleRoot(changed), root)).not.toBe(0);
      }),
      runs,
    );
  });

  it("refuses indexes and tree sizes outside the tree, whatever the path", () => {
    fc.assert(
      fc.property(tree, fc.oneof(fc.integer(), fc.double()), (t, bad) => {
        const { leaves, index } = t;
        const root = merkleRoot(leaves);
        const path = auditPath(leaves, index);
        if (!(Number.isInteger(bad) && bad >= 0 && bad < leaves.length)) {
          expect(verifyInclusion(leaves[index]!, bad, leaves.length, path, root)).toBe(false);
        }
        expect(verifyInclusion(leaves[index]!, index, index, path, root)).toBe(false);
      }),
      runs,
    );
  });
});
