import type { Address } from "viem";
import { meterAnchorAbi } from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import type { Database } from "../db/database.js";
import { toBigInt } from "../db/sql.js";
import { outOfContractRange } from "./anchorRefusal.js";
import { anchoredTotal, sortLeaves } from "./batchKey.js";
import type { Batch, BatchStore } from "./batchStore.js";
import { leafHash, merkleRoot } from "./merkleTree.js";
import { decodeReading, leafInputOf, type Reading } from "./readingFormat.js";
import { bytesOf, type ReadingStore } from "./readingStore.js";
import type { VerifyPool } from "./verifyPool.js";

/** One thing `verify` found wrong, naming the batch and, where it can, the reading. */
export type AuditFinding = {
  kind:
    | "tampered"
    | "bad_signature"
    | "missing"
    | "extra"
    | "root_mismatch"
    | "chain_mismatch"
    | "not_anchored"
    | "conflict"
    | "quarantined"
    | "dropped";
  region: string;
  commodity: number;
  intervalStart: string;
  part: number;
  deviceId?: string;
  seq?: string;
  message: string;
};

/** The outcome of an audit: what was checked and what does not match. */
export type AuditReport = { batches: number; readings: number; findings: AuditFinding[] };

const fields = [
  ["seq", "seq"],
  ["commodity", "commodity"],
  ["interval_start", "intervalStart"],
  ["duration", "duration"],
  ["quality", "quality"],
  ["import_register", "importRegister"],
  ["export_register", "exportRegister"],
  ["import_delta", "importDelta"],
  ["export_delta", "exportDelta"],
] as const satisfies readonly (readonly [string, keyof Reading])[];

/**
 * Recomputes every batch in range from the stored readings: each stored column against the signed
 * message, each signature against the registered key, the root and totals against the database's
 * record and against the chain (`anchorOf`). Names each reading or batch that does not match.
 */
export async function auditBatches(options: {
  db: Database;
  batches: BatchStore;
  store: ReadingStore;
  pool: VerifyPool;
  client: ChainClient;
  meterAnchor: Address;
  regionCode: (regionId: string) => string;
  regionIds?: readonly string[] | undefined;
  from?: bigint | undefined;
  to?: bigint | undefined;
}): Promise<AuditReport> {
  const { db, pool } = options;
  const report: AuditReport = { batches: 0, readings: 0, findings: [] };
  for (let offset = 0; ; offset += 500) {
    const page = await options.batches.list({
      regionIds: options.regionIds,
      from: options.from,
      to: options.to,
      limit: 500,
      offset,
    });
    for (const batch of page) await auditBatch(batch);
    if (page.length < 500) break;
  }
  return report;

  async function auditBatch(batch: Batch): Promise<void> {
    report.batches++;
    const where = {
      region: options.regionCode(batch.regionId),
      commodity: batch.commodity,
      intervalStart: batch.intervalStart.toString(),
      part: batch.part,
    };
    const find = (kind: AuditFinding["kind"], message: string, reading?: { deviceId: string; seq: bigint }) =>
      report.findings.push({
        kind,
        ...where,
        ...(reading ? { deviceId: reading.deviceId, seq: reading.seq.toString() } : {}),
        message,
      });
    const { rows } = await db.query<Record<string, unknown>>(
      `select device_id, seq::text as seq, commodity, interval_start::text as interval_start, duration, quality,
              import_register::text as import_register, export_register::text as export_register,
              import_delta::text as import_delta, export_delta::text as export_delta, message, signature
         from readings where region_id = $1 and commodity = $2 and interval_start = $3 and part = $4`,
      [batch.regionId, batch.commodity, batch.intervalStart.toString(), batch.part],
    );
    report.readings += rows.length;
    const leaves = sortLeaves(
      rows.map((row) => ({
        row,
        deviceId: row.device_id as string,
        seq: toBigInt(row.seq),
        message: bytesOf(row.message),
        signature: bytesOf(row.signature),
      })),
    );
    const devices = await options.store.devices([...new Set(leaves.map((leaf) => leaf.deviceId))]);
    const signable = leaves.filter((leaf) => devices.has(leaf.deviceId));
    const valid = await pool.verify(
      signable.map((leaf) => {
        const device = devices.get(leaf.deviceId)!;
        return {
          scheme: device.scheme,
          publicKey: device.publicKey,
          signature: leaf.signature,
          message: leaf.message,
        };
      }),
    );
    const validSet = new Set(signable.filter((_, i) => valid[i]));
    let importTotal = 0n;
    let exportTotal = 0n;
    for (const leaf of leaves) {
      let signed: Reading | undefined;
      try {
        signed = decodeReading(leaf.message);
      } catch {
        find("tampered", "the stored message is not a valid reading", leaf);
      }
      if (signed) {
        const altered: string[] = fields
          .filter(([column, field]) => String(leaf.row[column]) !== String(signed[field]))
          .map(([column]) => column);
        if (signed.deviceId !== leaf.deviceId) altered.push("device_id");
        if (altered.length > 0) {
          find("tampered", `stored ${altered.join(", ")} differ from what the meter signed`, leaf);
        }
        importTotal += signed.importDelta;
        exportTotal += signed.exportDelta;
      }
      if (!devices.has(leaf.deviceId)) find("bad_signature", "the device is not registered", leaf);
      else if (!validSet.has(leaf)) {
        find(
          "bad_signature",
          "the signature does not verify: the stored message or signature was altered",
          leaf,
        );
      }
    }
    const root = `0x${Buffer.from(merkleRoot(leaves.map((leaf) => leafHash(leafInputOf(leaf.message, leaf.signature))))).toString("hex")}`;
    // A key outside the contract's types was never anchored and cannot be asked for.
    const [chainRoot, chainCount, chainImport, chainExport] =
      outOfContractRange(batch) !== undefined
        ? ([`0x${"00".repeat(32)}`, 0, 0n, 0n] as const)
        : await options.client.publicClient.readContract({
            address: options.meterAnchor,
            abi: meterAnchorAbi,
            functionName: "anchorOf",
            args: [batch.regionId, batch.commodity, batch.intervalStart, batch.part],
          });
    const anchoredCount = BigInt(chainRoot) === 0n ? batch.leafCount : chainCount;
    if (leaves.length < anchoredCount) {
      find(
        "missing",
        `${anchoredCount - leaves.length} reading(s) of the batch are missing from the database`,
      );
    } else if (leaves.length > anchoredCount) {
      find("extra", `${leaves.length - anchoredCount} reading(s) were added to the batch after it was built`);
    }
    if (root !== batch.root)
      find("root_mismatch", `the readings give root ${root}, the database records ${batch.root}`);
    if (batch.status === "conflict") find("conflict", "the chain holds another root for this batch key");
    if (BigInt(chainRoot) === 0n && batch.status === "dropped") {
      find("dropped", "the operator dropped this batch: it is never anchored; its readings stay stored");
    } else if (BigInt(chainRoot) === 0n && batch.status === "quarantined") {
      find(
        "quarantined",
        `not anchored: the chain refused the batch (${batch.statusReason ?? "no reason recorded"}); release or drop it`,
      );
    } else if (BigInt(chainRoot) === 0n) {
      find("not_anchored", "the batch is not anchored on chain yet");
    } else if (chainRoot.toLowerCase() !== root) {
      find("chain_mismatch", `the readings give root ${root}, the chain holds ${chainRoot.toLowerCase()}`);
    } else if (chainImport !== anchoredTotal(importTotal) || chainExport !== anchoredTotal(exportTotal)) {
      find("chain_mismatch", "the totals of the readings differ from the anchored totals");
    }
  }
}
