/** Bytes of a hex string (with or without `0x`, any case); throws on anything that is not whole bytes of hex. */
export function hexToBytes(text: string, field = "hex"): Uint8Array<ArrayBuffer> {
  const hex = text.replace(/^0x/i, "");
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`${field} is not hex`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Lowercase hex without `0x`. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Hex without `0x`, lowercase: the form proofs and anchors are compared in. */
export const normalHex = (text: string) => text.replace(/^0x/i, "").toLowerCase();
