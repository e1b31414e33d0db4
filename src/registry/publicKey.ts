import { createPublicKey, type JsonWebKey } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { BaseError } from "../core/errors.js";
import type { SignatureScheme } from "./deviceTypes.js";

/** Raw public key length per scheme: 32-byte Ed25519 (RFC 8032), 33-byte compressed secp256k1 (SEC 1 §2.3.3). */
export const publicKeyLengths: Record<SignatureScheme, number> = { ed25519: 32, secp256k1: 33 };

function invalid(message: string, details: Record<string, unknown>): BaseError {
  return new BaseError("REGISTRY_INVALID_PUBLIC_KEY", message, { details });
}

/**
 * Parses a device public key given as hex (with or without `0x`, any case) or as a PEM
 * `PUBLIC KEY` (SubjectPublicKeyInfo, as written by `openssl pkey -pubout`) into its raw bytes:
 * 32 bytes for Ed25519, 33 bytes (compressed) for secp256k1. Uncompressed secp256k1 keys are
 * compressed. Throws `REGISTRY_INVALID_PUBLIC_KEY` saying what is wrong.
 */
export function parsePublicKey(scheme: SignatureScheme, input: string): Uint8Array {
  const text = input.trim();
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new BaseError(
      "REGISTRY_PRIVATE_KEY_GIVEN",
      "this is a private key, which must never leave the device; give its public key (openssl pkey -in KEY -pubout)",
    );
  }
  const raw = text.startsWith("-----BEGIN") ? rawFromPem(scheme, text) : rawFromHex(text);
  return normalise(scheme, raw);
}

function rawFromHex(text: string): Uint8Array {
  const hex = text.replace(/^0x/i, "");
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw invalid("public key is neither hex nor a PEM public key", { publicKey: text.slice(0, 80) });
  }
  return hexToBytes(hex.toLowerCase());
}

function rawFromPem(scheme: SignatureScheme, pem: string): Uint8Array {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw invalid("PEM text is not a public key", { cause: String(cause) });
  }
  const type = key.asymmetricKeyType;
  if (scheme === "ed25519") {
    if (type !== "ed25519") throw invalid(`PEM key is ${type}, not ed25519`, { keyType: type });
    // SubjectPublicKeyInfo for Ed25519 is a fixed 12-byte prefix followed by the 32-byte key (RFC 8410).
    return new Uint8Array(key.export({ format: "der", type: "spki" }).subarray(-32));
  }
  let jwk: JsonWebKey;
  try {
    jwk = key.export({ format: "jwk" });
  } catch {
    // DSA and DH keys have no JWK form; they are not secp256k1 either way.
    throw invalid(`PEM key is ${type}, not secp256k1`, { keyType: type });
  }
  if (type !== "ec" || jwk.crv !== "secp256k1" || !jwk.x || !jwk.y) {
    throw invalid(`PEM key is ${type === "ec" ? `ec ${jwk.crv}` : type}, not secp256k1`, { keyType: type });
  }
  const x = Buffer.from(jwk.x, "base64url");
  const y = Buffer.from(jwk.y, "base64url");
  return new Uint8Array([0x04, ...x, ...y]);
}

function normalise(scheme: SignatureScheme, raw: Uint8Array): Uint8Array {
  if (scheme === "ed25519") {
    if (raw.length !== 32) {
      throw invalid(`an ed25519 public key has 32 bytes, got ${raw.length}`, { scheme, length: raw.length });
    }
    return raw;
  }
  if (raw.length !== 33 && raw.length !== 65) {
    throw invalid(`a secp256k1 public key has 33 bytes (compressed), got ${raw.length}`, {
      scheme,
      length: raw.length,
    });
  }
  try {
    return secp256k1.Point.fromBytes(raw).toBytes(true);
  } catch {
    throw invalid("bytes are not a point on secp256k1", { scheme });
  }
}

/** The device id: SHA-256 of the raw public key bytes, as 0x-prefixed lowercase hex. */
export function deviceIdOf(rawPublicKey: Uint8Array): `0x${string}` {
  return `0x${bytesToHex(sha256(rawPublicKey))}`;
}
