import { createHash } from "node:crypto";
import { type DeviceKey, signMessage } from "./deviceKey.js";
import type { IngestResult } from "./ingestTypes.js";
import { verifySignature } from "./verifyWorker.js";

/** First four bytes of the bytes the node signs for an ack: `GLA1`. */
export const ackMagic = "GLA1";

/** Every ack payload ends with `,"signature":"<128 hex>"}`: this many bytes. */
export const ackSignatureTailLength = 144;

/** Counts of results left out of an ack that would otherwise be larger than the message it answers. */
export type AckOmitted = { count: number; byCode: Record<string, number> };

/**
 * An ack as a device reads it on `gridledger/v1/acks/<deviceId>`: the device, SHA-256 of the payload
 * it answers, when the node answered (Unix seconds), one result per reading in order (messages and
 * trailing results may be left out to keep the ack small, see {@link encodeAck}), and the node's
 * Ed25519 signature.
 */
export type MqttAck = {
  v: 1;
  deviceId: string;
  payloadSha256: string;
  at: number;
  results: IngestResult[];
  omitted?: AckOmitted;
  signature: string;
};

/** Smallest budget for an ack's results, bytes: a one-reading message always gets its full answer. */
const minResultsBudget = 1024;

/**
 * Fits results into `budget` bytes of JSON: all of them when they fit; else without their `message`
 * (codes stay); else the first ones that fit and, for the rest, a count per code (`rejected:<code>`,
 * or the status when there is no code).
 */
export function compactResults(
  results: readonly IngestResult[],
  budget: number,
): { results: IngestResult[]; omitted?: AckOmitted } {
  if (JSON.stringify(results).length <= budget) return { results: [...results] };
  const bare = results.map(({ message: _message, ...rest }) => rest);
  if (JSON.stringify(bare).length <= budget) return { results: bare };
  const kept: IngestResult[] = [];
  let size = 2;
  // Room for the summary of what is left out.
  const room = budget - 256;
  for (const result of bare) {
    const length = JSON.stringify(result).length + 1;
    if (size + length > room) break;
    kept.push(result);
    size += length;
  }
  const byCode: Record<string, number> = {};
  for (const result of bare.slice(kept.length)) {
    const key = result.code ?? result.status;
    byCode[key] = (byCode[key] ?? 0) + 1;
  }
  // A message full of distinct codes would make the summary itself large: keep the 8 commonest.
  const top = Object.entries(byCode).sort((a, b) => b[1] - a[1]);
  const shown = Object.fromEntries(top.slice(0, 8));
  const other = top.slice(8).reduce((sum, [, n]) => sum + n, 0);
  if (other > 0) shown.OTHER = other;
  return { results: kept, omitted: { count: bare.length - kept.length, byCode: shown } };
}

/** The bytes the node signs for an ack payload: `GLA1` ‖ the payload without its signature member, closed by `}`. */
export function ackSignedBytes(unsignedJson: string): Uint8Array {
  return Buffer.concat([Buffer.from(ackMagic, "ascii"), Buffer.from(unsignedJson, "utf8")]);
}

/**
 * Writes and signs the ack of one message: `{"v":1,"deviceId":…,"payloadSha256":…,"at":…,"results":[…]
 * [,"omitted":{…}],"signature":"<hex>"}`. The signature is pure Ed25519 with the node's ack key over
 * {@link ackSignedBytes} of the same JSON without `,"signature":"…"`. The results take at most as
 * many bytes as the payload (1 KB at least), see {@link compactResults}.
 */
export function encodeAck(options: {
  deviceId: string;
  payload: Uint8Array;
  results: readonly IngestResult[];
  at: number;
  key: DeviceKey;
}): string {
  const budget = Math.max(minResultsBudget, options.payload.length);
  const { results, omitted } = compactResults(options.results, budget);
  const body = {
    v: 1,
    deviceId: options.deviceId,
    payloadSha256: createHash("sha256").update(options.payload).digest("hex"),
    at: options.at,
    results,
    ...(omitted === undefined ? {} : { omitted }),
  };
  const unsigned = JSON.stringify(body);
  const signature = Buffer.from(signMessage(options.key, ackSignedBytes(unsigned))).toString("hex");
  return `${unsigned.slice(0, -1)},"signature":"${signature}"}`;
}

/**
 * Checks an ack payload against the node's ack public key (32 bytes Ed25519) and returns it parsed;
 * undefined when it is not a signed ack, the signature does not verify, or it is for another device
 * (`deviceId`, hex without `0x`, when given).
 */
export function verifyAck(
  payload: Uint8Array | string,
  publicKey: Uint8Array,
  deviceId?: string,
): MqttAck | undefined {
  const text = typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8");
  const tail = text.slice(-ackSignatureTailLength);
  const match = /^,"signature":"([0-9a-f]{128})"\}$/.exec(tail);
  if (match === null) return undefined;
  const unsigned = `${text.slice(0, -ackSignatureTailLength)}}`;
  const signature = Buffer.from(match[1]!, "hex");
  if (!verifySignature(1, publicKey, signature, ackSignedBytes(unsigned))) return undefined;
  let parsed: MqttAck;
  try {
    parsed = JSON.parse(text) as MqttAck;
  } catch {
    return undefined;
  }
  if (parsed?.v !== 1 || !Array.isArray(parsed.results)) return undefined;
  if (deviceId !== undefined && parsed.deviceId !== deviceId.replace(/^0x/i, "").toLowerCase()) {
    return undefined;
  }
  return parsed;
}
