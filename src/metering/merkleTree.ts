import { createHash } from "node:crypto";

/**
 * Merkle trees of reading batches: RFC 6962 §2.1 Merkle Tree Hash with SHA-256. Leaf hash =
 * SHA-256(0x00 ‖ leaf input), inner node = SHA-256(0x01 ‖ left ‖ right), split at the largest power
 * of two smaller than n. Built bottom-up, carrying an unpaired last node up a level unchanged, which
 * yields exactly the RFC's recursive definition.
 */

const leafPrefix = Buffer.from([0]);
const nodePrefix = Buffer.from([1]);

/** SHA-256(0x00 ‖ input). */
export function leafHash(input: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(leafPrefix).update(input).digest());
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(nodePrefix).update(left).update(right).digest());
}

/** SHA-256 of the empty string: the RFC 6962 hash of an empty tree. */
export const emptyTreeRoot = new Uint8Array(createHash("sha256").digest());

function nextLevel(level: readonly Uint8Array[]): Uint8Array[] {
  const next: Uint8Array[] = new Array(Math.ceil(level.length / 2));
  for (let i = 0; i + 1 < level.length; i += 2) next[i / 2] = nodeHash(level[i]!, level[i + 1]!);
  if (level.length % 2 === 1) next[next.length - 1] = level[level.length - 1]!;
  return next;
}

/** Every level of the tree, from the leaf hashes up to `[root]` (build once, take many paths). */
export function merkleLevels(leafHashes: readonly Uint8Array[]): (readonly Uint8Array[])[] {
  const levels: (readonly Uint8Array[])[] = [leafHashes];
  while (levels.at(-1)!.length > 1) levels.push(nextLevel(levels.at(-1)!));
  return levels;
}

/** The Merkle Tree Hash of the given leaf hashes. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyTreeRoot;
  return merkleLevels(leafHashes).at(-1)![0]!;
}

/** The RFC 6962 §2.1.1 audit path of leaf `index`, from the leaf's sibling up to the root's child. */
export function auditPath(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  return auditPathIn(merkleLevels(leafHashes), index);
}

/** {@link auditPath} from levels built by {@link merkleLevels}. */
export function auditPathIn(levels: readonly (readonly Uint8Array[])[], index: number): Uint8Array[] {
  const size = levels[0]!.length;
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${size} leaves`);
  }
  const path: Uint8Array[] = [];
  let i = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = i ^ 1;
    if (sibling < level.length) path.push(level[sibling]!);
    i >>= 1;
  }
  return path;
}

/**
 * Verifies an inclusion proof with the algorithm of RFC 9162 §2.1.3.2: true when `path` leads from
 * the leaf hash at `index` in a tree of `treeSize` leaves to `root`.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    return false;
  }
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.compare(r, root) === 0;
}
