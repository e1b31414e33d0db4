import { describe, expect, it } from "vitest";
import { positionalForm } from "./governanceCommands.js";

describe("gov propose's positional forms", () => {
  it("names each form's arguments as the node's API takes them", () => {
    expect(positionalForm("bind-service", ["market", "0xabc"])).toEqual({
      service: "market",
      address: "0xabc",
    });
    expect(positionalForm("set-function-role", ["Registry", "registerDevices", "public"])).toEqual({
      contract: "Registry",
      function: "registerDevices",
      authorityRole: "public",
    });
    expect(positionalForm("grant-authority-role", ["3", "0xabc"])).toEqual({
      authorityRole: "3",
      account: "0xabc",
    });
    expect(positionalForm("call", ["Consortium", "setParameter(bytes32,uint256)", "fee", "1"])).toEqual({
      target: "Consortium",
      signature: "setParameter(bytes32,uint256)",
      args: ["fee", "1"],
    });
  });

  it("leaves the forms given by options alone", () => {
    expect(positionalForm("admit-member", [])).toEqual({});
  });
});
