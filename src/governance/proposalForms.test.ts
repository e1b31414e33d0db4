import { type Address, decodeFunctionData, toFunctionSelector } from "viem";
import { describe, expect, it } from "vitest";
import { adminRole, publicRole } from "../chain/foundConsortium.js";
import { contractManifest, contractSpec } from "../chain/manifest.js";
import { decodeCalls, proposalKindOf } from "./decodeCalls.js";
import {
  authorityRole,
  encodeGovernanceForm,
  encodeProposalCall,
  shownDescription,
  uniqueDescription,
} from "./proposalForms.js";

const contracts = Object.fromEntries(
  contractManifest.map((spec, i) => [spec.name, `0x${(i + 1).toString(16).padStart(40, "0")}` as Address]),
) as Record<(typeof contractManifest)[number]["name"], Address>;
const member = "0x00000000000000000000000000000000000000aa";

function decoded(form: Parameters<typeof encodeGovernanceForm>[0]) {
  const call = encodeGovernanceForm(form, contracts);
  return decodeCalls({ targets: [call.target], values: [0n], calldatas: [call.data] }, contracts);
}

describe("governance proposal forms", () => {
  it("binds, rebinds or unbinds a service in the Consortium's directory", () => {
    const [call] = decoded({ kind: "bind-service", service: "market", address: member });
    expect(call).toMatchObject({ contract: "Consortium", function: "bindService" });
    expect(call?.args[1]).toBe("0x00000000000000000000000000000000000000AA");
    expect(proposalKindOf(decoded({ kind: "bind-service", service: "market", address: member }))).toBe(
      "bind-service",
    );
  });

  it("maps a function of a manifest contract to public, governance or a numbered role", () => {
    const fn = contractSpec("Registry").abi.find(
      (item) => item.type === "function" && item.name === "registerDevices",
    );
    const selector = toFunctionSelector(fn as never);
    for (const [role, id] of [
      ["public", publicRole],
      ["governance", adminRole],
      ["7", 7n],
    ] as const) {
      const [call] = decoded({
        kind: "set-function-role",
        contract: "registry",
        function: "registerDevices",
        authorityRole: role,
      });
      expect(call).toMatchObject({
        contract: "GridAuthority",
        function: "setTargetFunctionRole",
        args: [contracts.Registry, [selector], id.toString()],
      });
    }
    expect(() =>
      encodeGovernanceForm(
        { kind: "set-function-role", contract: "Treasury", function: "x", authorityRole: "public" },
        contracts,
      ),
    ).toThrow(expect.objectContaining({ code: "GOVERNANCE_UNKNOWN_CONTRACT" }));
    expect(() =>
      encodeGovernanceForm(
        { kind: "set-function-role", contract: "Registry", function: "steal", authorityRole: "public" },
        contracts,
      ),
    ).toThrow(expect.objectContaining({ code: "GOVERNANCE_UNKNOWN_FUNCTION" }));
    expect(() => authorityRole("everyone")).toThrow(
      expect.objectContaining({ code: "GOVERNANCE_INVALID_ROLE" }),
    );
  });

  it("grants an authority role, never the public one", () => {
    const [call] = decoded({ kind: "grant-authority-role", authorityRole: "3", account: member });
    expect(call).toMatchObject({ contract: "GridAuthority", function: "grantRole" });
    expect(() =>
      encodeGovernanceForm(
        { kind: "grant-authority-role", authorityRole: "public", account: member },
        contracts,
      ),
    ).toThrow(expect.objectContaining({ code: "GOVERNANCE_INVALID_ROLE" }));
  });

  it("calls any function by contract name or address, with text arguments checked against the types", () => {
    const call = encodeGovernanceForm(
      { kind: "call", target: "Consortium", signature: "setParameter(bytes32,uint256)", args: ["fee", "12"] },
      contracts,
    );
    expect(call.target).toBe(contracts.Consortium);
    const { functionName, args } = decodeFunctionData({
      abi: contractSpec("Consortium").abi,
      data: call.data,
    });
    expect(functionName).toBe("setParameter");
    expect(args?.[1]).toBe(12n);
    const raw = encodeGovernanceForm(
      { kind: "call", target: member, signature: "function poke(uint8 level, bool on)", args: ["3", "true"] },
      contracts,
    );
    expect(raw.target).toBe("0x00000000000000000000000000000000000000AA");
    expect(
      proposalKindOf(decodeCalls({ targets: [raw.target], values: [0n], calldatas: [raw.data] }, contracts)),
    ).toBe("call");
    for (const args of [["300", "true"], ["1"], ["x", "true"], ["1", "yes"]]) {
      expect(() =>
        encodeGovernanceForm(
          { kind: "call", target: member, signature: "poke(uint8,bool)", args },
          contracts,
        ),
      ).toThrow(expect.objectContaining({ code: "GOVERNANCE_INVALID_ARGUMENT" }));
    }
  });

  it("decodes a friendly form back to its kind", () => {
    const call = encodeProposalCall(
      { contract: "Registry", functionName: "updateRegion", args: ["CN-GD", "广东省", "Canton", member] },
      contracts,
    );
    const calls = decodeCalls({ targets: [call.target], values: [0n], calldatas: [call.data] }, contracts);
    expect(proposalKindOf(calls)).toBe("update-region");
    expect(calls[0]?.args).toEqual([
      "CN-GD",
      "广东省",
      "Canton",
      "0x00000000000000000000000000000000000000AA",
    ]);
  });

  it("makes each description unique and shows it without the marker", () => {
    const a = uniqueDescription("admit the community", 1_700_000_000, "0a1b");
    expect(a).not.toBe(uniqueDescription("admit the community", 1_700_000_000, "0a1c"));
    expect(shownDescription(a)).toBe("admit the community");
    expect(() => uniqueDescription("bell\u0007", 0, "00")).toThrow(
      expect.objectContaining({ code: "TEXT_INVALID" }),
    );
  });
});
