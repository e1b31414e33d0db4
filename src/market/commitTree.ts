import { concat, encodeAbiParameters, type Hex, keccak256 } from "viem";
import type { SettlementLine } from "./settleSlot.js";

/** The root of an empty tree. */
export const emptyRoot: Hex = `0x${"00".repeat(32)}`;

/** OpenZeppelin `Hashes.commutativeKeccak256`: keccak256 of the two words, smaller first. */
export function commutativeKeccak256(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/**
 * The root of the in-order commutative keccak tree over `leaves` (docs/market.md, "Commitment
 * trees"): each level pairs (0,1), (2,3), … with `commutativeKeccak256`, an odd last node is carried
 * up unchanged; one leaf is its own root, no leaves give bytes32(0).
 */
export function commitRoot(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) return emptyRoot;
  let level = leaves.map((l) => l.toLowerCase() as Hex);
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(commutativeKeccak256(level[i] as Hex, level[i + 1] as Hex));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Hex);
    level = next;
  }
  return level[0] as Hex;
}

/**
 * The proof of the leaf at `index`: its siblings bottom-up, skipping the levels where it was carried
 * up. Verifies with OpenZeppelin `MerkleProof.verify(proof, root, leaf)` and `verifyCommitProof`.
 */
export function commitProof(leaves: readonly Hex[], index: number): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} outside 0..${leaves.length - 1}`);
  }
  const proof: Hex[] = [];
  let level = leaves.map((l) => l.toLowerCase() as Hex);
  let position = index;
  while (level.length > 1) {
    const sibling = position ^ 1;
    if (sibling < level.length) proof.push(level[sibling] as Hex);
    const next: Hex[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(commutativeKeccak256(level[i] as Hex, level[i + 1] as Hex));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Hex);
    level = next;
    position >>= 1;
  }
  return proof;
}

/** OpenZeppelin `MerkleProof.verify`: folds the proof over the leaf with `commutativeKeccak256`. */
export function verifyCommitProof(proof: readonly Hex[], root: Hex, leaf: Hex): boolean {
  let node = leaf;
  for (const sibling of proof) node = commutativeKeccak256(node, sibling);
  return BigInt(node) === BigInt(root);
}

/** OpenZeppelin's standard leaf: keccak256(bytes.concat(keccak256(encoded))). */
function doubleHash(encoded: Hex): Hex {
  return keccak256(keccak256(encoded));
}

/** The leaf of an order: keccak256(bytes.concat(keccak256(abi.encode(bytes32 orderDigest)))). */
export function orderLeaf(digest: Hex): Hex {
  return doubleHash(encodeAbiParameters([{ type: "bytes32" }], [digest]));
}

/** The leaf of a trade: the double hash of abi.encode(bytes32 buy, bytes32 sell, uint64 energyWh, uint64 price). */
export function tradeLeaf(t: { buyDigest: Hex; sellDigest: Hex; energyWh: bigint; price: bigint }): Hex {
  return doubleHash(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint64" }, { type: "uint64" }],
      [t.buyDigest, t.sellDigest, t.energyWh, t.price],
    ),
  );
}

/** The ABI tuple of a `SettlementLine` (Market.sol). */
export const settlementLineAbi = {
  type: "tuple",
  components: [
    { name: "account", type: "address" },
    { name: "device", type: "bytes32" },
    { name: "side", type: "uint8" },
    { name: "tradedWh", type: "uint64" },
    { name: "meteredWh", type: "uint64" },
    { name: "deliveredWh", type: "uint64" },
    { name: "tradeValue", type: "int256" },
    { name: "gridValue", type: "int256" },
    { name: "rewardWh", type: "uint64" },
  ],
} as const;

/** The leaf of a settlement line: the double hash of abi.encode(SettlementLine line). */
export function lineLeaf(line: SettlementLine): Hex {
  return doubleHash(encodeAbiParameters([settlementLineAbi], [line]));
}

/**
 * The roots a clearing commits on chain (`Market.commitClearing`): the orders root over the included
 * orders' digests in clearing input order, and the trades root over the trades in the order the
 * clearing returned them (trade ids are order digests).
 */
export function clearingRoots(
  orderDigests: readonly Hex[],
  trades: readonly { buy: string; sell: string; energyWh: bigint; price: bigint }[],
): { ordersRoot: Hex; tradesRoot: Hex } {
  return {
    ordersRoot: commitRoot(orderDigests.map(orderLeaf)),
    tradesRoot: commitRoot(
      trades.map((t) =>
        tradeLeaf({
          buyDigest: t.buy as Hex,
          sellDigest: t.sell as Hex,
          energyWh: t.energyWh,
          price: t.price,
        }),
      ),
    ),
  };
}
