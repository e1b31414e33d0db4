import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * Checks a meter's signature over its 90-byte message like the node does (src/metering/verifyWorker.js):
 * pure Ed25519 (RFC 8032), or ECDSA secp256k1 over SHA-256(message) with a 64-byte low-S r‖s.
 * False for a malformed key or signature.
 */
export function verifyMeterSignature(
  scheme: string,
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): boolean {
  try {
    if (signature.length !== 64) return false;
    if (scheme === "ed25519") return ed25519.verify(signature, message, publicKey.subarray(0, 32));
    if (scheme === "secp256k1") {
      return secp256k1.verify(signature, sha256(message), publicKey, {
        prehash: false,
        lowS: true,
        format: "compact",
      });
    }
    return false;
  } catch {
    return false;
  }
}
