import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { normaliseRegionCode, regionIdOf } from "./regionCode.js";

describe("region codes", () => {
  it("derives regionId as keccak256 of the UTF-8 code", () => {
    expect(regionIdOf("CN-GD")).toBe(keccak256(toHex("CN-GD")));
  });

  it("upper-cases valid codes and refuses malformed ones", () => {
    expect(normaliseRegionCode(" cn-gd ")).toBe("CN-GD");
    expect(() => normaliseRegionCode("广东")).toThrow(
      expect.objectContaining({ code: "REGISTRY_INVALID_REGION_CODE" }),
    );
    expect(() => normaliseRegionCode("X")).toThrow(/not 2–16 characters/);
  });
});
