import { BaseError } from "../core/errors.js";

/** Key of a batch: one Merkle tree per (region, commodity, interval start, part). */
export type BatchKey = { regionId: `0x${string}`; commodity: number; intervalStart: bigint; part: number };

/**
 * Parses `<region>/<commodity>/<intervalStart>/<part>` (region as code or 0x region id);
 * `BATCH_KEY_INVALID` otherwise. The region is returned as given, for the caller to resolve.
 */
export function parseBatchKeyText(text: string): { region: string } & Omit<BatchKey, "regionId"> {
  const match = /^([^/\s]{1,80})\/([0-9]{1,3})\/(-?[0-9]{1,20})\/([0-9]{1,5})$/.exec(text.trim());
  const commodity = Number(match?.[2]);
  const part = Number(match?.[4]);
  const intervalStart = match ? BigInt(match[3]!) : 0n;
  if (
    !match ||
    commodity > 255 ||
    part > 32_767 ||
    intervalStart < -(2n ** 63n) ||
    intervalStart >= 2n ** 63n
  ) {
    throw new BaseError(
      "BATCH_KEY_INVALID",
      `a batch key is <region>/<commodity>/<intervalStart>/<part>, e.g. CN-GD/1/1767225600/0; got "${text.slice(0, 120)}"`,
    );
  }
  return { region: match[1]!, commodity, intervalStart, part };
}

const u64Max = 2n ** 64n - 1n;

/**
 * A batch total as anchored: `anchorOf` holds uint64 totals, which only hostile registers could
 * exceed; such a total is anchored (and audited) as the uint64 maximum.
 */
export const anchoredTotal = (total: bigint): bigint => (total > u64Max ? u64Max : total);

/** Orders leaves as the tree does: by deviceId bytes, then seq, ascending. */
export function sortLeaves<T extends { deviceId: string; seq: bigint }>(leaves: T[]): T[] {
  return leaves.sort((a, b) =>
    a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0,
  );
}
