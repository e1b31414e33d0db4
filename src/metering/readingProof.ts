import { keccak_256 } from "@noble/hashes/sha3.js";
import { auditPath, leafHash, verifyInclusion } from "./merkleTree.js";
import {
  encodeReading,
  leafInputOf,
  parseReadingJson,
  type ReadingJson,
  readingToJson,
  type SignedReading,
} from "./readingFormat.js";

/** An inclusion proof of one reading, as `GET /v1/readings/<deviceId>/<seq>/proof` answers it. */
export type ReadingProof = {
  reading: ReadingJson;
  leafHash: string;
  leafIndex: number;
  treeSize: number;
  auditPath: string[];
  root: string;
  batch: { region: string; regionId: string; commodity: number; intervalStart: number; part: number };
  anchor: { contract: string; txHash: string; blockNumber: number };
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (text: string) => new Uint8Array(Buffer.from(text.replace(/^0x/i, ""), "hex"));

/** Builds the proof of leaf `leafIndex` of a batch from the batch's leaf hashes (in tree order). */
export function proofOf(
  reading: SignedReading,
  leafHashes: readonly Uint8Array[],
  leafIndex: number,
  root: Uint8Array,
  batch: ReadingProof["batch"],
  anchor: ReadingProof["anchor"],
): ReadingProof {
  return {
    reading: readingToJson(reading),
    leafHash: hex(leafHashes[leafIndex]!),
    leafIndex,
    treeSize: leafHashes.length,
    auditPath: auditPath(leafHashes, leafIndex).map(hex),
    root: hex(root),
    batch,
    anchor,
  };
}

/**
 * Checks a proof offline: the reading's bytes give the leaf hash, the audit path leads from it to the
 * root (RFC 9162 §2.1.3.2), and the batch key matches the reading and the region code. Returns the
 * problems found (empty when the proof holds) and the parsed reading.
 */
export function checkProof(proof: ReadingProof): { problems: string[]; reading?: SignedReading } {
  const problems: string[] = [];
  let reading: SignedReading;
  try {
    reading = parseReadingJson(proof.reading);
  } catch (error) {
    return { problems: [`the reading is malformed: ${(error as Error).message}`] };
  }
  const computedLeaf = leafHash(leafInputOf(encodeReading(reading), reading.signature));
  if (hex(computedLeaf) !== proof.leafHash.replace(/^0x/i, "").toLowerCase()) {
    problems.push("the reading does not hash to leafHash: the reading or the leaf hash was altered");
  }
  const path = Array.isArray(proof.auditPath) ? proof.auditPath.map(fromHex) : [];
  if (!verifyInclusion(computedLeaf, proof.leafIndex, proof.treeSize, path, fromHex(String(proof.root)))) {
    problems.push("the audit path does not lead from the reading's leaf to the root");
  }
  const batch = proof.batch;
  if (batch.commodity !== reading.commodity)
    problems.push("the batch's commodity differs from the reading's");
  if (BigInt(batch.intervalStart) !== reading.intervalStart) {
    problems.push("the batch's interval differs from the reading's");
  }
  // keccak256 from @noble/hashes (what viem uses) keeps viem out of the CLI's start-up.
  const regionId = hex(keccak_256(new TextEncoder().encode(batch.region)));
  if (regionId !== batch.regionId.replace(/^0x/i, "").toLowerCase()) {
    problems.push(`regionId is not keccak256("${batch.region}")`);
  }
  return { problems, reading };
}
