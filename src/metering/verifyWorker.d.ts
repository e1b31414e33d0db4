/** Bytes per packed item: scheme(1) ‖ public key(33, Ed25519 uses 32) ‖ signature(64) ‖ message(90). */
export declare const packedItemLength: 188;
/**
 * Checks one signature: pure Ed25519 over the message (RFC 8032, scheme 1), or ECDSA secp256k1 over
 * SHA-256(message) with a 64-byte low-S r‖s (scheme 2). False for any malformed key or signature.
 */
export declare function verifySignature(
  scheme: number,
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): boolean;
/** Verifies `count` packed items; returns one byte per item, 1 when its signature is valid. */
export declare function verifyPacked(packed: Uint8Array, count: number): Uint8Array;
