import { readFileSync } from "node:fs";
import solc from "solc";
import { type Abi, bytesToHex, getContract, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { auditPath, leafHash, merkleRoot, verifyInclusion } from "../../src/metering/merkleTree.js";
import { encodeReading, leafInputOf } from "../../src/metering/readingFormat.js";
import { setupGridLedger } from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

/** A contract exposing the library's functions, compiled here with the library's source. */
const HARNESS = `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;
import {ReadingProof} from "contracts/libraries/ReadingProof.sol";
contract ReadingProofHarness {
    function decode(bytes calldata r) external pure returns (ReadingProof.Reading memory) {
        return ReadingProof.decode(r);
    }
    function leafHash(bytes calldata r, bytes calldata s) external pure returns (bytes32) {
        return ReadingProof.leafHash(r, s);
    }
    function verify(bytes32 leaf, uint256 index, uint256 size, bytes32[] calldata path, bytes32 root)
        external pure returns (bool)
    {
        return ReadingProof.verifyInclusion(leaf, index, size, path, root);
    }
}`;

function compileHarness(): { abi: Abi; bytecode: Hex } {
  const library = readFileSync(
    new URL("../../contracts/libraries/ReadingProof.sol", import.meta.url),
    "utf8",
  );
  const input = {
    language: "Solidity",
    sources: {
      "Harness.sol": { content: HARNESS },
      "contracts/libraries/ReadingProof.sol": { content: library },
    },
    settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = output.contracts["Harness.sol"]?.ReadingProofHarness;
  if (!c) throw new Error("no harness in the solc output");
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

const compiled = compileHarness();
let harnessAddress: Hex | undefined;

beforeAll(async () => {
  const d = chain();
  const hash = await d.walletOf(0).deployContract({ abi: compiled.abi, bytecode: compiled.bytecode });
  harnessAddress = (await d.mined(hash)).contractAddress as Hex;
});

const harness = () =>
  getContract({
    address: harnessAddress as Hex,
    abi: compiled.abi,
    client: chain().publicClient,
  }) as unknown as {
    read: {
      decode: (args: [Hex]) => Promise<Record<string, unknown>>;
      leafHash: (args: [Hex, Hex]) => Promise<Hex>;
      verify: (args: [Hex, bigint, bigint, Hex[], Hex]) => Promise<boolean>;
    };
  };

const key = generateDeviceKey();
const signed = signReading(key, {
  seq: 42n,
  intervalStart: 1_767_225_600n,
  duration: 900,
  commodity: 1,
  quality: 2,
  importRegister: 123_456_789n,
  exportRegister: 987_654n,
  importDelta: 1_250n,
  exportDelta: 18_446_744_073_709_551_615n,
});
const message = encodeReading(signed);

describe("ReadingProof", () => {
  it("decodes every field of a GLR1 reading as the TypeScript codec encodes it", async () => {
    expect(await harness().read.decode([bytesToHex(message)])).toEqual({
      deviceId: key.deviceId,
      seq: 42n,
      intervalStart: 1_767_225_600n,
      duration: 900,
      commodity: 1,
      quality: 2,
      importRegister: 123_456_789n,
      exportRegister: 987_654n,
      importDelta: 1_250n,
      exportDelta: 18_446_744_073_709_551_615n,
    });
  });

  it("refuses a reading of the wrong length or without the GLR1 magic", async () => {
    const hex = bytesToHex(message);
    await expectRevert(harness().read.decode([`${hex}00`]), "ReadingProofInvalidLength", [91n]);
    await expectRevert(harness().read.decode([`0x474c5232${hex.slice(10)}`]), "ReadingProofInvalidMagic", [
      "0x474c5232",
    ]);
  });

  it("hashes a leaf as SHA-256(0x00 ‖ reading ‖ signature), like the metering tree", async () => {
    expect(await harness().read.leafHash([bytesToHex(message), bytesToHex(signed.signature)])).toBe(
      bytesToHex(leafHash(leafInputOf(message, signed.signature))),
    );
  });

  it("verifies every leaf of trees of 1 to 9 leaves, and agrees with the TypeScript verifier on another tree size, refuses a wrong index, path or root", async () => {
    for (let size = 1; size <= 9; size++) {
      const leaves = Array.from({ length: size }, (_, i) => leafHash(new Uint8Array([size, i])));
      const root = bytesToHex(merkleRoot(leaves));
      for (let index = 0; index < size; index++) {
        const leaf = bytesToHex(leaves[index]!);
        const path = auditPath(leaves, index).map((p) => bytesToHex(p));
        const verify = (i: number, n: number, p: Hex[], r: Hex) =>
          harness().read.verify([leaf, BigInt(i), BigInt(n), p, r]);
        expect(await verify(index, size, path, root), `${index} of ${size}`).toBe(true);
        if (size > 1) expect(await verify(index ^ 1, size, path, root)).toBe(false);
        // Another size: as the RFC 9162 algorithm says (the TypeScript verifier), sometimes still a valid path.
        for (const n of [size - 1, size + 1])
          expect(await verify(index, n, path, root), `${index} of ${size} claimed in ${n}`).toBe(
            verifyInclusion(leaves[index]!, index, n, auditPath(leaves, index), merkleRoot(leaves)),
          );
        expect(await verify(index, size, path, bytesToHex(leafHash(new Uint8Array([99]))))).toBe(false);
        if (path.length > 0) {
          const flipped = [...path];
          flipped[0] = `0x${(BigInt(flipped[0]!) ^ 1n).toString(16).padStart(64, "0")}`;
          expect(await verify(index, size, flipped, root)).toBe(false);
          expect(await verify(index, size, [...path, path[0]!], root)).toBe(false);
        }
      }
    }
  });
});
