import { describe, expect, it } from "vitest";
import { decodeRoles, encodeRoles } from "./roles.js";

describe("roles", () => {
  it("round-trips role names through the on-chain mask", () => {
    const mask = encodeRoles("regulator, region-operator,auditor");
    expect(mask).toBe(1 | 4 | 128);
    expect(decodeRoles(mask)).toEqual(["regulator", "region-operator", "auditor"]);
  });

  it("names an unknown role and lists the valid ones", () => {
    expect(() => encodeRoles(["prosumer", "king"])).toThrow(/unknown role "king"; expected one of regulator/);
  });
});
