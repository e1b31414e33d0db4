import { keccak256, stringToBytes } from "viem";
import { BaseError } from "../core/errors.js";
import { assertCleanText } from "../core/text.js";

// Checked before upper-casing: `toUpperCase` turns "ß" into "SS" and "ﬀ" into "FF", which would pass.
const codePattern = /^[A-Za-z0-9-]{2,16}$/;

/** Validates a region code (2–16 characters of A–Z, 0–9 and `-`, e.g. `CN-GD`) and returns it upper-cased. */
export function normaliseRegionCode(code: string): string {
  assertCleanText(code, "region code");
  const trimmed = code.trim();
  if (!codePattern.test(trimmed)) {
    throw new BaseError(
      "REGISTRY_INVALID_REGION_CODE",
      `region code "${code}" is not 2–16 characters of A–Z, 0–9 and "-" (e.g. CN-GD)`,
      { details: { code } },
    );
  }
  return trimmed.toUpperCase();
}

/** The on-chain region id: keccak256 of the UTF-8 bytes of the region code. */
export function regionIdOf(code: string): `0x${string}` {
  return keccak256(stringToBytes(code));
}
