// Signature verification for meter readings, shared by the main thread and the worker threads of
// verifyPool.ts. Plain JavaScript (node:crypto only) so a worker thread runs it without a loader.
import { createPublicKey, verify } from "node:crypto";
import { isMainThread, parentPort } from "node:worker_threads";

/** Bytes per packed item: scheme(1) ‖ public key(33, Ed25519 uses 32) ‖ signature(64) ‖ message(90). */
export const packedItemLength = 188;

// SubjectPublicKeyInfo prefixes (RFC 8410 for Ed25519; RFC 5480 with the secp256k1 OID, compressed point).
const ed25519Spki = Buffer.from("302a300506032b6570032100", "hex");
const secp256k1Spki = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");
// Half the secp256k1 group order: a low-S signature has s <= n/2 (BIP 62, as Ethereum requires).
const secp256k1HalfOrder = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

const keyCache = new Map();

function keyObject(scheme, key) {
  const id = `${scheme}:${key.toString("hex")}`;
  let object = keyCache.get(id);
  if (object === undefined) {
    const der = Buffer.concat([scheme === 1 ? ed25519Spki : secp256k1Spki, key]);
    object = createPublicKey({ key: der, format: "der", type: "spki" });
    if (keyCache.size > 200_000) keyCache.clear();
    keyCache.set(id, object);
  }
  return object;
}

/**
 * Checks one signature: pure Ed25519 over the message (RFC 8032, scheme 1), or ECDSA secp256k1 over
 * SHA-256(message) with a 64-byte low-S r‖s (scheme 2). False for any malformed key or signature.
 */
export function verifySignature(scheme, publicKey, signature, message) {
  try {
    if (signature.length !== 64) return false;
    if (scheme === 1) {
      return verify(null, message, keyObject(1, Buffer.from(publicKey.subarray(0, 32))), signature);
    }
    if (scheme === 2) {
      const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString("hex")}`);
      if (s === 0n || s > secp256k1HalfOrder) return false;
      return verify(
        "sha256",
        message,
        { key: keyObject(2, Buffer.from(publicKey.subarray(0, 33))), dsaEncoding: "ieee-p1363" },
        signature,
      );
    }
    return false;
  } catch {
    return false;
  }
}

/** Verifies `count` packed items; returns one byte per item, 1 when its signature is valid. */
export function verifyPacked(packed, count) {
  const bytes = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const results = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * packedItemLength;
    results[i] = verifySignature(
      bytes[at],
      bytes.subarray(at + 1, at + 34),
      bytes.subarray(at + 34, at + 98),
      bytes.subarray(at + 98, at + 188),
    )
      ? 1
      : 0;
  }
  return results;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on("message", ({ id, packed, count }) => {
    const results = verifyPacked(new Uint8Array(packed), count);
    port.postMessage({ id, results }, [results.buffer]);
  });
}
