import { randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { loadFastHashes } from "./fastHashes.js";

describe("loadFastHashes", () => {
  it("gives the same Keccak-256 and SHA-256 digests as the reference implementation", async () => {
    const fast = await loadFastHashes();
    expect(Buffer.from(fast.keccak256!(new Uint8Array())).toString("hex")).toBe(
      "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    for (const length of [0, 1, 32, 135, 136, 137, 532, 4096]) {
      const input = new Uint8Array(randomBytes(length));
      expect(fast.keccak256!(input)).toEqual(keccak_256(input));
      expect(fast.sha256!(input)).toEqual(sha256(input));
    }
  });
});
