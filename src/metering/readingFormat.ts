import { BaseError } from "../core/errors.js";

/**
 * Wire format v1 of a meter reading (docs/reading-format.md): 90 bytes, integers big-endian.
 * `GLR1` ‖ deviceId(32) ‖ seq u64 ‖ intervalStart i64 ‖ duration u32 ‖ commodity u8 ‖ quality u8 ‖
 * importRegister u64 ‖ exportRegister u64 ‖ importDelta u64 ‖ exportDelta u64.
 */
export const readingMessageLength = 90;
/** ASCII `GLR1`. */
export const readingMagic = new Uint8Array([0x47, 0x4c, 0x52, 0x31]);
/** Interval length bounds in seconds, and the default (15 minutes). */
export const durationLimits = { min: 60, max: 86_400, default: 900 } as const;

/**
 * Valid ranges of a reading's values beyond their wire types (docs/reading-format.md "Valid ranges"),
 * refused at ingest with a per-reading code. They keep every batch anchorable: the MeterAnchor contract
 * holds `uint64` interval starts and totals and a `uint32` leaf count, and a batch holds at most
 * `maxBatchLeaves` readings, so its totals stay below `maxBatchLeaves × maxDelta` = 10^19 < 2^64.
 */
export const readingLimits = {
  /** 2000-01-01T00:00:00Z: no interval starts earlier (the latest is bounded by the node's clock). */
  minIntervalStart: 946_684_800n,
  /** Largest cumulative register: 10^15 (1 PWh in Wh), so registers stay exact as JSON numbers. */
  maxRegister: 10n ** 15n,
  /** Largest delta of one interval: 10^13 (10 TWh in Wh), more than any device measures in a day. */
  maxDelta: 10n ** 13n,
  /** Most readings in one batch (Merkle tree); more readings of an interval go to the next part. */
  maxBatchLeaves: 1_000_000,
} as const;

/** Commodities and their integer units: electricity in Wh, natural gas in litres, heat in kJ, water in litres. */
export const commodities = { electricity: 1, gas: 2, heat: 3, water: 4 } as const;
/** The meter's own diagnosis of a reading. */
export const qualities = { measured: 0, estimated: 1, suspect: 2 } as const;

export type CommodityName = keyof typeof commodities;
export type QualityName = keyof typeof qualities;

/** A reading's fields, as signed by the meter. `deviceId` is 0x-prefixed lowercase hex. */
export type Reading = {
  deviceId: `0x${string}`;
  seq: bigint;
  intervalStart: bigint;
  duration: number;
  commodity: number;
  quality: number;
  importRegister: bigint;
  exportRegister: bigint;
  importDelta: bigint;
  exportDelta: bigint;
};

/** A reading with the device's signature over its 90-byte message. */
export type SignedReading = Reading & { signature: Uint8Array };

/** JSON form of a signed reading (HTTP and MQTT): uint64 fields as decimal strings, hex without `0x`. */
export type ReadingJson = {
  v: 1;
  deviceId: string;
  seq: string;
  intervalStart: number;
  duration: number;
  commodity: CommodityName;
  quality: QualityName;
  importRegister: string;
  exportRegister: string;
  importDelta: string;
  exportDelta: string;
  signature: string;
};

const u64Max = 2n ** 64n - 1n;
const i64Min = -(2n ** 63n);
const i64Max = 2n ** 63n - 1n;
const uint64Fields = ["seq", "importRegister", "exportRegister", "importDelta", "exportDelta"] as const;

function malformed(message: string, details: Record<string, unknown> = {}): BaseError {
  return new BaseError("READING_MALFORMED", message, { details });
}

const commodityNames = new Map<number, CommodityName>(
  Object.entries(commodities).map(([name, value]) => [value, name as CommodityName]),
);
const qualityNames = new Map<number, QualityName>(
  Object.entries(qualities).map(([name, value]) => [value, name as QualityName]),
);

/** The name of a commodity code (`electricity` for 1), or `unknown(n)`. */
export function commodityName(code: number): string {
  return commodityNames.get(code) ?? `unknown(${code})`;
}

/**
 * Encodes a reading into its 90 signed bytes. Throws `READING_MALFORMED` when a field is out of
 * its range (so a device can never sign something a node would misread).
 */
export function encodeReading(reading: Reading): Uint8Array {
  checkRanges(reading);
  const bytes = new Uint8Array(readingMessageLength);
  const view = new DataView(bytes.buffer);
  bytes.set(readingMagic, 0);
  bytes.set(hexBytes(reading.deviceId, 32, "deviceId"), 4);
  view.setBigUint64(36, reading.seq);
  view.setBigInt64(44, reading.intervalStart);
  view.setUint32(52, reading.duration);
  view.setUint8(56, reading.commodity);
  view.setUint8(57, reading.quality);
  view.setBigUint64(58, reading.importRegister);
  view.setBigUint64(66, reading.exportRegister);
  view.setBigUint64(74, reading.importDelta);
  view.setBigUint64(82, reading.exportDelta);
  return bytes;
}

/** Decodes 90 signed bytes. Throws `READING_MALFORMED` (wrong length or magic, field out of range). */
export function decodeReading(bytes: Uint8Array): Reading {
  if (bytes.length !== readingMessageLength) {
    throw malformed(`a reading message has ${readingMessageLength} bytes, got ${bytes.length}`);
  }
  if (!readingMagic.every((byte, i) => bytes[i] === byte)) {
    throw new BaseError("READING_UNSUPPORTED_VERSION", "a reading message starts with ASCII GLR1");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reading: Reading = {
    deviceId: `0x${Buffer.from(bytes.subarray(4, 36)).toString("hex")}`,
    seq: view.getBigUint64(36),
    intervalStart: view.getBigInt64(44),
    duration: view.getUint32(52),
    commodity: view.getUint8(56),
    quality: view.getUint8(57),
    importRegister: view.getBigUint64(58),
    exportRegister: view.getBigUint64(66),
    importDelta: view.getBigUint64(74),
    exportDelta: view.getBigUint64(82),
  };
  checkRanges(reading);
  return reading;
}

function checkRanges(reading: Reading): void {
  for (const field of uint64Fields) {
    const value = reading[field];
    if (typeof value !== "bigint" || value < 0n || value > u64Max) {
      throw malformed(`${field} must be an unsigned 64-bit integer`, { field, value: String(value) });
    }
  }
  if (reading.seq === 0n) throw malformed("seq starts at 1", { field: "seq" });
  if (reading.intervalStart < i64Min || reading.intervalStart > i64Max) {
    throw malformed("intervalStart must be a signed 64-bit integer", { field: "intervalStart" });
  }
  if (
    !Number.isInteger(reading.duration) ||
    reading.duration < durationLimits.min ||
    reading.duration > durationLimits.max
  ) {
    throw malformed(
      `duration must be ${durationLimits.min}–${durationLimits.max} seconds, got ${reading.duration}`,
      { field: "duration", value: reading.duration },
    );
  }
  if (!commodityNames.has(reading.commodity)) {
    throw malformed(
      `commodity must be 1–4 (${Object.keys(commodities).join(", ")}), got ${reading.commodity}`,
      {
        field: "commodity",
        value: reading.commodity,
      },
    );
  }
  if (!qualityNames.has(reading.quality)) {
    throw malformed(`quality must be 0–2 (${Object.keys(qualities).join(", ")}), got ${reading.quality}`, {
      field: "quality",
      value: reading.quality,
    });
  }
}

/** The JSON form of a signed reading. */
export function readingToJson(reading: SignedReading): ReadingJson {
  return {
    v: 1,
    deviceId: reading.deviceId.slice(2),
    seq: reading.seq.toString(),
    intervalStart: Number(reading.intervalStart),
    duration: reading.duration,
    commodity: commodityNames.get(reading.commodity) as CommodityName,
    quality: qualityNames.get(reading.quality) as QualityName,
    importRegister: reading.importRegister.toString(),
    exportRegister: reading.exportRegister.toString(),
    importDelta: reading.importDelta.toString(),
    exportDelta: reading.exportDelta.toString(),
    signature: Buffer.from(reading.signature).toString("hex"),
  };
}

/**
 * Parses the JSON form of a signed reading. uint64 fields are decimal strings, or JSON numbers up to
 * 2^53−1; hex may have `0x` and upper case; commodity and quality are names or codes. Throws
 * `READING_MALFORMED` naming the field that is wrong.
 */
export function parseReadingJson(input: unknown): SignedReading {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw malformed("a reading is a JSON object");
  }
  const o = input as Record<string, unknown>;
  if (o.v !== 1 && o.v !== "1") {
    throw new BaseError(
      "READING_UNSUPPORTED_VERSION",
      `reading format v${String(o.v)} is not supported; use "v":1`,
      {
        details: { v: o.v ?? null },
      },
    );
  }
  const reading: SignedReading = {
    deviceId: `0x${Buffer.from(hexBytes(o.deviceId, 32, "deviceId")).toString("hex")}`,
    seq: uint64(o.seq, "seq"),
    intervalStart: int64(o.intervalStart, "intervalStart"),
    duration: o.duration === undefined ? durationLimits.default : Number(uint64(o.duration, "duration")),
    commodity: named(o.commodity, commodities, "commodity"),
    quality: o.quality === undefined ? qualities.measured : named(o.quality, qualities, "quality"),
    importRegister: uint64(o.importRegister, "importRegister"),
    exportRegister: uint64(o.exportRegister ?? 0, "exportRegister"),
    importDelta: uint64(o.importDelta, "importDelta"),
    exportDelta: uint64(o.exportDelta ?? 0, "exportDelta"),
    signature: hexBytes(o.signature, undefined, "signature"),
  };
  checkRanges(reading);
  return reading;
}

function integer(value: unknown, field: string): bigint {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw malformed(`${field} must be an integer; give values above 2^53−1 as decimal strings`, { field });
    }
    return BigInt(value);
  }
  if (typeof value === "string" && /^-?[0-9]{1,20}$/.test(value)) return BigInt(value);
  throw malformed(`${field} must be an integer (a decimal string or a JSON number)`, {
    field,
    value: value === undefined ? null : String(value).slice(0, 40),
  });
}

function uint64(value: unknown, field: string): bigint {
  const n = integer(value, field);
  if (n < 0n || n > u64Max) throw malformed(`${field} must be an unsigned 64-bit integer`, { field });
  return n;
}

function int64(value: unknown, field: string): bigint {
  const n = integer(value, field);
  if (n < i64Min || n > i64Max) throw malformed(`${field} must be a signed 64-bit integer`, { field });
  return n;
}

function named(value: unknown, table: Record<string, number>, field: string): number {
  // Own properties only: `in` would also find "constructor", "__proto__" and the like.
  if (typeof value === "string" && Object.hasOwn(table, value.toLowerCase())) {
    return table[value.toLowerCase()] as number;
  }
  if (typeof value === "number" && Object.values(table).includes(value)) return value;
  throw malformed(`${field} must be one of ${Object.keys(table).join(", ")}`, {
    field,
    value: value === undefined ? null : String(value).slice(0, 40),
  });
}

/** Hex (with or without `0x`, any case) to bytes of the expected length, or `READING_MALFORMED`. */
function hexBytes(value: unknown, length: number | undefined, field: string): Uint8Array {
  const hex = typeof value === "string" ? value.replace(/^0x/i, "") : "";
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw malformed(`${field} must be hex`, { field });
  }
  if (length !== undefined && hex.length !== length * 2) {
    throw malformed(`${field} must be ${length} bytes, got ${hex.length / 2}`, { field });
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** Leaf input of the Merkle tree: the 90-byte message followed by the signature. */
export function leafInputOf(message: Uint8Array, signature: Uint8Array): Uint8Array {
  const input = new Uint8Array(message.length + signature.length);
  input.set(message, 0);
  input.set(signature, message.length);
  return input;
}
