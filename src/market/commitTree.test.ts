import { concat, type Hex, keccak256, numberToHex, pad } from "viem";
import { describe, expect, it } from "vitest";
import {
  commitProof,
  commitRoot,
  commutativeKeccak256,
  emptyRoot,
  lineLeaf,
  orderLeaf,
  tradeLeaf,
  verifyCommitProof,
} from "./commitTree.js";

const leaves = (count: number): Hex[] =>
  Array.from({ length: count }, (_, i) => keccak256(numberToHex(i + 1, { size: 32 })));

describe("the in-order commutative keccak tree", () => {
  it("has bytes32(0) for no leaves and the leaf itself for one", () => {
    const [leaf] = leaves(1) as [Hex];
    expect(commitRoot([])).toBe(emptyRoot);
    expect(commitRoot([leaf])).toBe(leaf);
    expect(commitProof([leaf], 0)).toEqual([]);
  });

  it("hashes pairs smaller word first and carries an odd last node up unchanged", () => {
    const [a, b, c] = leaves(3) as [Hex, Hex, Hex];
    const ab = BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
    expect(commutativeKeccak256(a, b)).toBe(ab);
    expect(commutativeKeccak256(b, a)).toBe(ab);
    expect(commitRoot([a, b, c])).toBe(commutativeKeccak256(ab, c));
    expect(commitProof([a, b, c], 2)).toEqual([ab]);
  });

  it("proves every leaf of trees of 1 to 17 leaves, as OpenZeppelin MerkleProof.verify does", () => {
    for (let count = 1; count <= 17; count++) {
      const all = leaves(count);
      const root = commitRoot(all);
      all.forEach((leaf, index) => {
        expect(verifyCommitProof(commitProof(all, index), root, leaf)).toBe(true);
      });
    }
  });

  it("rejects a proof for another leaf or against another root", () => {
    const all = leaves(9);
    const root = commitRoot(all);
    const proof = commitProof(all, 4);
    expect(verifyCommitProof(proof, root, all[5] as Hex)).toBe(false);
    expect(verifyCommitProof(proof, commitRoot(all.slice(1)), all[4] as Hex)).toBe(false);
    expect(() => commitProof(all, 9)).toThrow(RangeError);
  });
});

describe("commitment leaves (OpenZeppelin's double hash of the ABI encoding)", () => {
  const word = (n: bigint) => pad(numberToHex(n), { size: 32 });
  const digest = keccak256("0x01");
  const other = keccak256("0x02");

  it("hashes an order digest twice", () => {
    expect(orderLeaf(digest)).toBe(keccak256(keccak256(digest)));
  });

  it("encodes a trade as buy, sell, energy and price words", () => {
    const encoded = concat([digest, other, word(1500n), word(23n)]);
    expect(tradeLeaf({ buyDigest: digest, sellDigest: other, energyWh: 1500n, price: 23n })).toBe(
      keccak256(keccak256(encoded)),
    );
  });

  it("encodes a settlement line as its nine words, values in two's complement", () => {
    const line = {
      account: "0x00000000000000000000000000000000000000aa" as const,
      device: other,
      side: 0 as const,
      tradedWh: 1000n,
      meteredWh: 800n,
      deliveredWh: 800n,
      tradeValue: -23n,
      gridValue: -1n,
      rewardWh: 800n,
    };
    const minus = (n: bigint) => numberToHex(2n ** 256n - n, { size: 32 });
    const encoded = concat([
      word(0xaan),
      other,
      word(0n),
      word(1000n),
      word(800n),
      word(800n),
      minus(23n),
      minus(1n),
      word(800n),
    ]);
    expect(lineLeaf(line)).toBe(keccak256(keccak256(encoded)));
  });
});
