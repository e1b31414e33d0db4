import { hexToBytes } from "./hex.js";

/**
 * The 90 signed bytes of a reading, rebuilt in the browser from its JSON form (docs/reading-format.md
 * §2; a port of `encodeReading` in src/metering/readingFormat.ts): `GLR1` ‖ deviceId(32) ‖ seq u64 ‖
 * intervalStart i64 ‖ duration u32 ‖ commodity u8 ‖ quality u8 ‖ importRegister u64 ‖
 * exportRegister u64 ‖ importDelta u64 ‖ exportDelta u64, integers big-endian.
 */
export const readingMessageLength = 90;

const commodities: Record<string, number> = { electricity: 1, gas: 2, heat: 3, water: 4 };
const qualities: Record<string, number> = { measured: 0, estimated: 1, suspect: 2 };
const u64Max = 2n ** 64n - 1n;

/** The JSON form of a signed reading (uint64 fields as decimal strings, hex without `0x`). */
export type ReadingJson = {
  v: 1;
  deviceId: string;
  seq: string;
  intervalStart: number;
  duration: number;
  commodity: string;
  quality: string;
  importRegister: string;
  exportRegister: string;
  importDelta: string;
  exportDelta: string;
  signature: string;
};

function integer(value: unknown, field: string, min: bigint, max: bigint): bigint {
  let n: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && /^-?[0-9]{1,20}$/.test(value)) n = BigInt(value);
  else throw new Error(`${field} must be an integer`);
  if (n < min || n > max) throw new Error(`${field} is out of range`);
  return n;
}

function code(value: unknown, table: Record<string, number>, field: string): number {
  if (typeof value === "string" && Object.hasOwn(table, value.toLowerCase()))
    return table[value.toLowerCase()]!;
  if (typeof value === "number" && Object.values(table).includes(value)) return value;
  throw new Error(`${field} must be one of ${Object.keys(table).join(", ")}`);
}

/** Encodes the JSON form of a reading into its 90-byte message; throws naming the field that is wrong. */
export function encodeReadingJson(input: unknown): Uint8Array<ArrayBuffer> {
  if (typeof input !== "object" || input === null) throw new Error("the reading is not a JSON object");
  const o = input as Record<string, unknown>;
  if (o.v !== 1 && o.v !== "1") throw new Error(`reading format v${String(o.v)} is not supported`);
  const deviceId = hexToBytes(String(o.deviceId ?? ""), "deviceId");
  if (deviceId.length !== 32) throw new Error("deviceId must be 32 bytes");
  const seq = integer(o.seq, "seq", 1n, u64Max);
  const duration = integer(o.duration ?? 900, "duration", 60n, 86_400n);
  const bytes = new Uint8Array(readingMessageLength);
  const view = new DataView(bytes.buffer);
  bytes.set([0x47, 0x4c, 0x52, 0x31], 0);
  bytes.set(deviceId, 4);
  view.setBigUint64(36, seq);
  view.setBigInt64(44, integer(o.intervalStart, "intervalStart", -(2n ** 63n), 2n ** 63n - 1n));
  view.setUint32(52, Number(duration));
  view.setUint8(56, code(o.commodity, commodities, "commodity"));
  view.setUint8(57, code(o.quality ?? "measured", qualities, "quality"));
  view.setBigUint64(58, integer(o.importRegister, "importRegister", 0n, u64Max));
  view.setBigUint64(66, integer(o.exportRegister ?? 0, "exportRegister", 0n, u64Max));
  view.setBigUint64(74, integer(o.importDelta, "importDelta", 0n, u64Max));
  view.setBigUint64(82, integer(o.exportDelta ?? 0, "exportDelta", 0n, u64Max));
  return bytes;
}

/** The commodity code of a reading's JSON form (1 electricity … 4 water), or undefined. */
export function commodityCode(value: unknown): number | undefined {
  try {
    return code(value, commodities, "commodity");
  } catch {
    return undefined;
  }
}

const commodityNames = Object.fromEntries(Object.entries(commodities).map(([name, n]) => [n, name]));
const qualityNames = Object.fromEntries(Object.entries(qualities).map(([name, n]) => [n, name]));

/**
 * The fields of a 90-byte reading message (e.g. a refused reading kept as an alert's evidence), in
 * the JSON form's names and notation; undefined when the bytes are not a v1 reading message.
 */
export function decodeReadingMessage(bytes: Uint8Array): Record<string, string> | undefined {
  if (bytes.length !== readingMessageLength || ![0x47, 0x4c, 0x52, 0x31].every((b, i) => bytes[i] === b)) {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let deviceId = "";
  for (const byte of bytes.subarray(4, 36)) deviceId += byte.toString(16).padStart(2, "0");
  return {
    deviceId,
    seq: view.getBigUint64(36).toString(),
    intervalStart: view.getBigInt64(44).toString(),
    duration: String(view.getUint32(52)),
    commodity: commodityNames[view.getUint8(56)] ?? String(view.getUint8(56)),
    quality: qualityNames[view.getUint8(57)] ?? String(view.getUint8(57)),
    importRegister: view.getBigUint64(58).toString(),
    exportRegister: view.getBigUint64(66).toString(),
    importDelta: view.getBigUint64(74).toString(),
    exportDelta: view.getBigUint64(82).toString(),
  };
}
