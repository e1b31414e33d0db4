import { generateKeyPairSync } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { deviceIdOf, parsePublicKey } from "./publicKey.js";

describe("parsePublicKey", () => {
  it("reads an Ed25519 PEM key written by OpenSSL-compatible tooling into its 32 raw bytes", () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    const raw = publicKey.export({ format: "jwk" }).x!;
    expect(bytesToHex(parsePublicKey("ed25519", pem))).toBe(Buffer.from(raw, "base64url").toString("hex"));
  });

  it("reads a secp256k1 PEM key into its 33-byte compressed form", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    const parsed = parsePublicKey("secp256k1", pem);
    expect(parsed).toHaveLength(33);
    expect([2, 3]).toContain(parsed[0]);
  });

  it("accepts hex in any case with or without 0x and compresses uncompressed secp256k1 keys", () => {
    const priv = secp256k1.utils.randomSecretKey();
    const compressed = secp256k1.getPublicKey(priv, true);
    const uncompressed = secp256k1.getPublicKey(priv, false);
    expect(parsePublicKey("secp256k1", `0X${bytesToHex(uncompressed).toUpperCase()}`)).toEqual(compressed);
  });

  it("refuses a key of the wrong length, a key of the wrong scheme and garbage with REGISTRY_INVALID_PUBLIC_KEY", () => {
    expect(() => parsePublicKey("ed25519", "ab".repeat(31))).toThrow(/32 bytes, got 31/);
    const { publicKey } = generateKeyPairSync("ed25519");
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    expect(() => parsePublicKey("secp256k1", pem)).toThrow("PEM key is ed25519, not secp256k1");
    expect(() => parsePublicKey("ed25519", "not a key")).toThrow(
      expect.objectContaining({ code: "REGISTRY_INVALID_PUBLIC_KEY" }),
    );
    expect(() => parsePublicKey("secp256k1", `02${"ff".repeat(32)}`)).toThrow(/not a point/);
  });

  it("refuses a private key with its own code, saying how to get the public one", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect(() => parsePublicKey("ed25519", pem)).toThrow(
      expect.objectContaining({
        code: "REGISTRY_PRIVATE_KEY_GIVEN",
        message: expect.stringMatching(/-pubout/),
      }),
    );
  });
});

describe("deviceIdOf", () => {
  it("is the SHA-256 of the raw public key bytes", () => {
    const key = new Uint8Array(32).fill(7);
    expect(deviceIdOf(key)).toBe(`0x${bytesToHex(sha256(key))}`);
  });
});
