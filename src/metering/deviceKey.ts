import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { BaseError } from "../core/errors.js";
import type { SignatureScheme } from "../registry/deviceTypes.js";
import { deviceIdOf } from "../registry/publicKey.js";
import { encodeReading, type Reading, type SignedReading } from "./readingFormat.js";

/**
 * A device's key pair, as a meter or a collector holds it: the scheme, the 32-byte secret (Ed25519
 * seed or secp256k1 scalar), the raw public key (32 bytes Ed25519, 33 bytes compressed secp256k1)
 * and the device id derived from it.
 */
export type DeviceKey = {
  scheme: SignatureScheme;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  deviceId: `0x${string}`;
};

// PKCS #8 prefix of an Ed25519 private key (RFC 8410 §7): the 32-byte seed follows.
const ed25519Pkcs8 = Buffer.from("302e020100300506032b657004220420", "hex");
const signingKeys = new WeakMap<DeviceKey, KeyObject>();

/** Generates a new random device key. */
export function generateDeviceKey(scheme: SignatureScheme = "ed25519"): DeviceKey {
  return deviceKeyFromSecret(
    scheme,
    scheme === "ed25519" ? randomBytes(32) : secp256k1.utils.randomSecretKey(),
  );
}

/** Rebuilds a device key from its 32-byte secret. */
export function deviceKeyFromSecret(scheme: SignatureScheme, secretKey: Uint8Array): DeviceKey {
  if (secretKey.length !== 32) {
    throw new BaseError("DEVICE_KEY_INVALID", `a device secret key has 32 bytes, got ${secretKey.length}`);
  }
  const publicKey =
    scheme === "ed25519"
      ? new Uint8Array(
          createPublicKey(ed25519Private(secretKey)).export({ format: "der", type: "spki" }).subarray(-32),
        )
      : secp256k1.getPublicKey(secretKey, true);
  return { scheme, secretKey: new Uint8Array(secretKey), publicKey, deviceId: deviceIdOf(publicKey) };
}

function ed25519Private(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ed25519Pkcs8, seed]), format: "der", type: "pkcs8" });
}

/**
 * Signs a 90-byte reading message: pure Ed25519 (RFC 8032, what `openssl pkeyutl -sign -rawin`
 * produces), or ECDSA secp256k1 over SHA-256(message) with a 64-byte low-S r‖s.
 */
export function signMessage(key: DeviceKey, message: Uint8Array): Uint8Array {
  if (key.scheme === "ed25519") {
    let object = signingKeys.get(key);
    if (!object) {
      object = ed25519Private(key.secretKey);
      signingKeys.set(key, object);
    }
    return new Uint8Array(sign(null, message, object));
  }
  return secp256k1.sign(sha256(message), key.secretKey, { prehash: false, lowS: true, format: "compact" });
}

/** Encodes and signs a reading of this device (its `deviceId` is filled in from the key). */
export function signReading(key: DeviceKey, reading: Omit<Reading, "deviceId">): SignedReading {
  const full: Reading = { ...reading, deviceId: key.deviceId };
  return { ...full, signature: signMessage(key, encodeReading(full)) };
}

/** The private key as PKCS #8 PEM (what `openssl genpkey` writes) and the public key as SPKI PEM. */
export function deviceKeyToPem(key: DeviceKey): { privateKeyPem: string; publicKeyPem: string } {
  const privateKey =
    key.scheme === "ed25519"
      ? ed25519Private(key.secretKey)
      : createPrivateKey({ key: secp256k1Jwk(key), format: "jwk" });
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: createPublicKey(privateKey).export({ format: "pem", type: "spki" }).toString(),
  };
}

function secp256k1Jwk(key: DeviceKey) {
  const point = secp256k1.Point.fromBytes(key.publicKey).toBytes(false);
  return {
    kty: "EC",
    crv: "secp256k1",
    d: Buffer.from(key.secretKey).toString("base64url"),
    x: Buffer.from(point.subarray(1, 33)).toString("base64url"),
    y: Buffer.from(point.subarray(33)).toString("base64url"),
  };
}

/** Reads a private key PEM (PKCS #8, or SEC 1 for secp256k1) as written by OpenSSL or `device keygen`. */
export function deviceKeyFromPem(pem: string): DeviceKey {
  let object: KeyObject;
  try {
    object = createPrivateKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw new BaseError("DEVICE_KEY_INVALID", "the text is not a PEM private key", { cause });
  }
  if (object.asymmetricKeyType === "ed25519") {
    const seed = object.export({ format: "der", type: "pkcs8" }).subarray(-32);
    return deviceKeyFromSecret("ed25519", new Uint8Array(seed));
  }
  const jwk = object.export({ format: "jwk" });
  if (object.asymmetricKeyType === "ec" && jwk.crv === "secp256k1" && jwk.d) {
    return deviceKeyFromSecret("secp256k1", new Uint8Array(Buffer.from(jwk.d, "base64url")));
  }
  throw new BaseError(
    "DEVICE_KEY_INVALID",
    `device keys are ed25519 or secp256k1, not ${object.asymmetricKeyType}${jwk.crv ? ` ${jwk.crv}` : ""}`,
  );
}
