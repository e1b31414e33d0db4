import { recoverMessageAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { parseSiweMessage, validateSiweMessage } from "viem/siwe";
import { describe, expect, it } from "vitest";
import { keyFileSigner, parseKeyFile, SignInError, siweMessage } from "./signIn.js";

const key = `0x${"4c".repeat(32)}` as const;
const address = privateKeyToAccount(key).address;

describe("key files", () => {
  it("reads a key file with its trailing newline, with or without 0x", () => {
    expect(parseKeyFile(`${key}\n`)).toBe(key);
    expect(parseKeyFile(`  ${key.slice(2).toUpperCase()}  `)).toBe(key);
  });

  it("refuses what is not a key: short, not hex, zero, an address", () => {
    for (const text of ["", "0x1234", `0x${"zz".repeat(32)}`, `0x${"0".repeat(64)}`, address]) {
      expect(() => parseKeyFile(text), text).toThrow(SignInError);
    }
  });

  it("signs with the key file's account", async () => {
    const signer = keyFileSigner(key);
    expect(signer.address).toBe(address);
    const signature = await signer.signMessage("hello");
    expect(await recoverMessageAddress({ message: "hello", signature })).toBe(address);
  });
});

describe("the sign-in message", () => {
  it("carries the node's fields as EIP-4361 and validates against them", () => {
    const issuedAt = new Date(Date.now() - 1000);
    const challenge = {
      nonce: "n0nce1234567",
      domain: "127.0.0.1:8080",
      uri: "http://127.0.0.1:8080",
      chainId: 31337,
      version: "1" as const,
      statement: "Sign in to the GridLedger node.",
      issuedAt: issuedAt.toISOString(),
      expirationTime: new Date(issuedAt.getTime() + 300_000).toISOString(),
    };
    const message = siweMessage(address, challenge);
    expect(message.split("\n")[0]).toBe("127.0.0.1:8080 wants you to sign in with your Ethereum account:");
    const parsed = parseSiweMessage(message);
    expect(parsed).toMatchObject({ address, nonce: challenge.nonce, chainId: 31337, uri: challenge.uri });
    expect(validateSiweMessage({ message: parsed, domain: challenge.domain, nonce: challenge.nonce })).toBe(
      true,
    );
  });
});
