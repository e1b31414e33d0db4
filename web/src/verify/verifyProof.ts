import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, concatBytes, hexToBytes, normalHex } from "./hex.js";
import { commodityCode, encodeReadingJson } from "./readingMessage.js";
import { verifyMeterSignature } from "./verifySignature.js";

/** SHA-256 of some bytes. */
export type Digest = (data: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;

/** Which SHA-256 the browser uses: WebCrypto, or a JavaScript one where WebCrypto is unavailable (plain http off localhost). */
export function browserDigest(): { digest: Digest; implementation: "WebCrypto" | "JavaScript" } {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    return {
      digest: async (data) => new Uint8Array(await subtle.digest("SHA-256", data)),
      implementation: "WebCrypto",
    };
  }
  return { digest: async (data) => sha256(data), implementation: "JavaScript" };
}

/** A reading's proof as `GET /v1/readings/<deviceId>/<seq>/proof` answers it (docs/reading-format.md §6.3). */
export type ReadingProofJson = {
  reading: Record<string, unknown>;
  leafHash: string;
  leafIndex: number;
  treeSize: number;
  auditPath: string[];
  root: string;
  batch: { region: string; regionId: string; commodity: number; intervalStart: number; part: number };
  anchor?: { contract: string; txHash: string; blockNumber: number };
};

/** A batch's anchor as the chain holds it (`GET /v1/anchors/onchain`). */
export type ChainAnchor = { anchored: boolean; root: string; leafCount: number; contract: string };

/** The key a device registered. */
export type DeviceKeyInfo = { scheme: string; publicKey: string };

/** One step of the verification; the UI words it from `id` and `ok`, `detail` carries the values compared. */
export type VerificationCheck = {
  id: "leaf" | "path" | "batch" | "chainRoot" | "leafCount" | "signature";
  ok: boolean;
  detail?: string;
};

/** The outcome: verified only when every check holds. */
export type Verification = {
  verified: boolean;
  /** Set when the proof could not even be read. */
  malformed?: string;
  checks: VerificationCheck[];
  computedLeaf?: string;
  computedRoot?: string;
};

/** SHA-256(0x00 ‖ input): an RFC 6962 leaf hash. */
export async function leafHashOf(input: Uint8Array, digest: Digest): Promise<Uint8Array> {
  return digest(concatBytes(new Uint8Array([0]), input));
}

/**
 * Folds an audit path from a leaf hash up to a root, with the algorithm of RFC 9162 §2.1.3.2
 * (inner node = SHA-256(0x01 ‖ left ‖ right)). Undefined when the path does not fit a tree of
 * `treeSize` leaves (too long, too short, index out of range).
 */
export async function foldAuditPath(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  path: readonly Uint8Array[],
  digest: Digest,
): Promise<Uint8Array | undefined> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    return undefined;
  }
  const node = (left: Uint8Array, right: Uint8Array) => digest(concatBytes(new Uint8Array([1]), left, right));
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = await node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

function readProof(input: unknown): ReadingProofJson {
  if (typeof input !== "object" || input === null) throw new Error("the proof is not a JSON object");
  const p = input as Record<string, unknown>;
  if (typeof p.reading !== "object" || p.reading === null) throw new Error("the proof has no reading");
  for (const field of ["leafHash", "root"] as const) {
    if (typeof p[field] !== "string") throw new Error(`the proof has no ${field}`);
  }
  if (!Number.isSafeInteger(p.leafIndex) || !Number.isSafeInteger(p.treeSize)) {
    throw new Error("leafIndex and treeSize must be integers");
  }
  if (!Array.isArray(p.auditPath) || p.auditPath.some((step) => typeof step !== "string")) {
    throw new Error("auditPath must be a list of hex strings");
  }
  const batch = p.batch as Record<string, unknown> | undefined;
  if (typeof batch?.region !== "string" || typeof batch.regionId !== "string") {
    throw new Error("the proof has no batch (region, regionId, commodity, intervalStart, part)");
  }
  return input as ReadingProofJson;
}

/**
 * Verifies a reading's proof without trusting the node that served it (docs/reading-format.md §6.3):
 * the leaf hash recomputed from the reading's 90-byte message and signature, the audit path folded to
 * the root, the batch key, the root and leaf count anchored on chain, and the meter's signature with
 * its registered key.
 */
export async function verifyReadingProof(options: {
  proof: unknown;
  anchor: ChainAnchor | undefined;
  device: DeviceKeyInfo | undefined;
  digest: Digest;
}): Promise<Verification> {
  let proof: ReadingProofJson;
  let message: Uint8Array<ArrayBuffer>;
  let signature: Uint8Array<ArrayBuffer>;
  let path: Uint8Array[];
  try {
    proof = readProof(options.proof);
    message = encodeReadingJson(proof.reading);
    signature = hexToBytes(String(proof.reading.signature ?? ""), "signature");
    path = proof.auditPath.map((step, i) => hexToBytes(step, `auditPath[${i}]`));
    hexToBytes(proof.root, "root");
    hexToBytes(proof.leafHash, "leafHash");
  } catch (error) {
    return { verified: false, malformed: (error as Error).message, checks: [] };
  }
  const checks: VerificationCheck[] = [];
  const leaf = await leafHashOf(concatBytes(message, signature), options.digest);
  const computedLeaf = bytesToHex(leaf);
  checks.push({
    id: "leaf",
    ok: computedLeaf === normalHex(proof.leafHash),
    detail: `${computedLeaf} / ${normalHex(proof.leafHash)}`,
  });
  const folded = await foldAuditPath(leaf, proof.leafIndex, proof.treeSize, path, options.digest);
  const computedRoot = folded && bytesToHex(folded);
  checks.push({
    id: "path",
    ok: computedRoot === normalHex(proof.root),
    detail: `${computedRoot ?? "—"} / ${normalHex(proof.root)}`,
  });
  const { batch } = proof;
  const regionId = bytesToHex(keccak_256(new TextEncoder().encode(batch.region)));
  const batchProblems = [
    batch.commodity !== commodityCode(proof.reading.commodity) ? "commodity" : "",
    String(batch.intervalStart) !== String(proof.reading.intervalStart) ? "intervalStart" : "",
    regionId !== normalHex(batch.regionId) ? "regionId" : "",
  ].filter(Boolean);
  checks.push({ id: "batch", ok: batchProblems.length === 0, detail: batchProblems.join(", ") });
  const anchor = options.anchor;
  checks.push({
    id: "chainRoot",
    ok: anchor?.anchored === true && computedRoot !== undefined && normalHex(anchor.root) === computedRoot,
    detail: `${computedRoot ?? "—"} / ${anchor?.anchored ? normalHex(anchor.root) : "—"}`,
  });
  checks.push({
    id: "leafCount",
    ok: anchor?.anchored === true && anchor.leafCount === proof.treeSize,
    detail: `${proof.treeSize} / ${anchor?.anchored ? anchor.leafCount : "—"}`,
  });
  let signed = false;
  if (options.device) {
    try {
      signed = verifyMeterSignature(
        options.device.scheme,
        hexToBytes(options.device.publicKey, "publicKey"),
        signature,
        message,
      );
    } catch {
      signed = false;
    }
  }
  checks.push({ id: "signature", ok: signed, detail: options.device?.scheme ?? "" });
  return { verified: checks.every((check) => check.ok), checks, computedLeaf, computedRoot };
}
