import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { signatureSchemes } from "../registry/deviceTypes.js";
import { deviceIdOf, parsePublicKey } from "../registry/publicKey.js";
import {
  type DeviceKey,
  deviceKeyFromPem,
  deviceKeyFromSecret,
  deviceKeyToPem,
  generateDeviceKey,
  signMessage,
  signReading,
} from "./deviceKey.js";
import { commodities, encodeReading, qualities } from "./readingFormat.js";
import { verifySignature } from "./verifyWorker.js";

const secp256k1Order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const halfOrder = secp256k1Order / 2n;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "hex"));
}

function verifyWith(key: DeviceKey, signature: Uint8Array, message: Uint8Array): boolean {
  return verifySignature(signatureSchemes[key.scheme], key.publicKey, signature, message);
}

function sOf(signature: Uint8Array): bigint {
  return BigInt(`0x${hex(signature.subarray(32))}`);
}

const reading = {
  seq: 1n,
  intervalStart: 1_767_225_600n,
  duration: 900,
  commodity: commodities.electricity,
  quality: qualities.measured,
  importRegister: 1_000n,
  exportRegister: 0n,
  importDelta: 10n,
  exportDelta: 0n,
};

describe("deviceKeyFromSecret", () => {
  it("derives the RFC 8032 §7.1 TEST 1 public key and its device id", () => {
    const key = deviceKeyFromSecret(
      "ed25519",
      fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    );
    expect(hex(key.publicKey)).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    expect(key.deviceId).toBe(`0x${hex(sha256(key.publicKey))}`);
  });

  it("derives a 33-byte compressed secp256k1 public key", () => {
    const secret = sha256(new TextEncoder().encode("secp256k1 device"));
    const key = deviceKeyFromSecret("secp256k1", secret);
    expect(key.publicKey).toEqual(secp256k1.getPublicKey(secret, true));
    expect(key.deviceId).toBe(deviceIdOf(key.publicKey));
  });

  it("refuses a secret that is not 32 bytes with DEVICE_KEY_INVALID", () => {
    expect(() => deviceKeyFromSecret("ed25519", new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: "DEVICE_KEY_INVALID" }),
    );
  });
});

describe("secp256k1 signatures against published RFC 6979 vectors", () => {
  // The deterministic-ECDSA vectors over SHA-256 that Bitcoin libraries share (private key 1 and n − 1,
  // message "Satoshi Nakamoto"), low-S: a signer that drifts from RFC 6979 fails here, not only itself.
  it.each([
    [
      "0000000000000000000000000000000000000000000000000000000000000001",
      "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5",
    ],
    [
      "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
      "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d06b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5",
    ],
  ])("key %s signs the vector's r‖s", (secretHex, expected) => {
    const key = deviceKeyFromSecret("secp256k1", new Uint8Array(Buffer.from(secretHex, "hex")));
    expect(hex(signMessage(key, new TextEncoder().encode("Satoshi Nakamoto")))).toBe(expected);
  });
});

describe.each(["ed25519", "secp256k1"] as const)("a %s device", (scheme) => {
  it("signs a reading that verifySignature accepts", () => {
    const key = generateDeviceKey(scheme);
    const signed = signReading(key, reading);
    expect(signed.deviceId).toBe(key.deviceId);
    expect(signed.signature).toHaveLength(64);
    expect(verifyWith(key, signed.signature, encodeReading(signed))).toBe(true);
  });

  it("signs deterministically (RFC 8032; RFC 6979 for ECDSA)", () => {
    const key = generateDeviceKey(scheme);
    const message = encodeReading({ ...reading, deviceId: key.deviceId });
    expect(hex(signMessage(key, message))).toBe(hex(signMessage(key, message)));
  });

  it("has its signature refused for another key, another message or another scheme", () => {
    const key = generateDeviceKey(scheme);
    const other = generateDeviceKey(scheme);
    const message = encodeReading({ ...reading, deviceId: key.deviceId });
    const signature = signMessage(key, message);
    expect(verifyWith(other, signature, message)).toBe(false);
    const changed = new Uint8Array(message);
    changed[89]! ^= 1;
    expect(verifyWith(key, signature, changed)).toBe(false);
    const flipped = new Uint8Array(signature);
    flipped[10]! ^= 1;
    expect(verifyWith(key, flipped, message)).toBe(false);
    const wrongScheme = scheme === "ed25519" ? signatureSchemes.secp256k1 : signatureSchemes.ed25519;
    expect(verifySignature(wrongScheme, key.publicKey, signature, message)).toBe(false);
    expect(verifySignature(0, key.publicKey, signature, message)).toBe(false);
    expect(verifyWith(key, signature.subarray(0, 63), message)).toBe(false);
  });

  it("round-trips through PKCS #8 and SPKI PEM", () => {
    const key = generateDeviceKey(scheme);
    const { privateKeyPem, publicKeyPem } = deviceKeyToPem(key);
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const back = deviceKeyFromPem(privateKeyPem);
    expect(back.scheme).toBe(scheme);
    expect(hex(back.secretKey)).toBe(hex(key.secretKey));
    expect(back.deviceId).toBe(key.deviceId);
    expect(hex(parsePublicKey(scheme, publicKeyPem))).toBe(hex(key.publicKey));
    expect(deviceIdOf(parsePublicKey(scheme, publicKeyPem))).toBe(key.deviceId);
  });
});

describe("Ed25519 signatures", () => {
  it("match RFC 8032 §7.1 TEST 1 (empty message)", () => {
    const key = deviceKeyFromSecret(
      "ed25519",
      fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    );
    const signature = signMessage(key, new Uint8Array());
    expect(hex(signature)).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    expect(verifyWith(key, signature, new Uint8Array())).toBe(true);
  });

  it("from a key generated by OpenSSL-compatible tooling are read from its PEM", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const key = deviceKeyFromPem(pem);
    const message = encodeReading({ ...reading, deviceId: key.deviceId });
    expect(verify(null, message, createPublicKey(privateKey), signMessage(key, message))).toBe(true);
  });
});

describe("secp256k1 signatures", () => {
  it("are ECDSA over SHA-256 of the message, as r‖s", () => {
    const key = generateDeviceKey("secp256k1");
    const message = encodeReading({ ...reading, deviceId: key.deviceId });
    const signature = signMessage(key, message);
    expect(secp256k1.verify(signature, sha256(message), key.publicKey, { prehash: false })).toBe(true);
  });

  it("are always low-S", () => {
    const key = generateDeviceKey("secp256k1");
    for (let seq = 1n; seq <= 64n; seq++) {
      const signature = signMessage(key, encodeReading({ ...reading, seq, deviceId: key.deviceId }));
      expect(sOf(signature) <= halfOrder).toBe(true);
    }
  });

  it("are refused in their high-S form, which plain ECDSA would accept", () => {
    const key = generateDeviceKey("secp256k1");
    const message = encodeReading({ ...reading, deviceId: key.deviceId });
    const signature = signMessage(key, message);
    const highS = new Uint8Array(signature);
    highS.set(fromHex((secp256k1Order - sOf(signature)).toString(16).padStart(64, "0")), 32);
    expect(sOf(highS) > halfOrder).toBe(true);
    const publicKey = createPublicKey(deviceKeyToPem(key).publicKeyPem);
    expect(verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, highS)).toBe(true);
    expect(verifyWith(key, highS, message)).toBe(false);
    expect(verifyWith(key, signature, message)).toBe(true);
  });

  it("are refused when s is zero", () => {
    const key = generateDeviceKey("secp256k1");
    const message = encodeReading({ ...reading, deviceId: key.deviceId });
    const zeroS = new Uint8Array(signMessage(key, message));
    zeroS.fill(0, 32);
    expect(verifyWith(key, zeroS, message)).toBe(false);
  });

  it("from a SEC 1 PEM key (openssl ecparam -genkey) are read", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    const pem = privateKey.export({ format: "pem", type: "sec1" }).toString();
    expect(pem).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const key = deviceKeyFromPem(pem);
    expect(key.scheme).toBe("secp256k1");
    const spki = publicKey.export({ format: "pem", type: "spki" }).toString();
    expect(hex(key.publicKey)).toBe(hex(parsePublicKey("secp256k1", spki)));
  });

  it("keep a secret with leading zero bytes through PEM", () => {
    const secret = new Uint8Array(32);
    secret[2] = 0x09;
    secret[31] = 0x05;
    const key = deviceKeyFromSecret("secp256k1", secret);
    expect(hex(deviceKeyFromPem(deviceKeyToPem(key).privateKeyPem).secretKey)).toBe(hex(secret));
  });
});

describe("deviceKeyFromPem", () => {
  it("refuses text that is not a private key, and keys of other curves, with DEVICE_KEY_INVALID", () => {
    expect(() => deviceKeyFromPem("not a key")).toThrow(
      expect.objectContaining({ code: "DEVICE_KEY_INVALID" }),
    );
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect(() => deviceKeyFromPem(pem)).toThrow(
      expect.objectContaining({ code: "DEVICE_KEY_INVALID", message: expect.stringMatching(/P-256/) }),
    );
  });
});
