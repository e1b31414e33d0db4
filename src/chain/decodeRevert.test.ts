import { ContractFunctionRevertedError, encodeErrorResult } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi, consortiumGovernorAbi } from "./artifacts/index.js";
import { decodeChainError, errorCodeOf } from "./decodeRevert.js";

describe("errorCodeOf", () => {
  it("turns a custom error name into a stable SNAKE_CASE code", () => {
    expect(errorCodeOf("RegistryDeviceExists")).toBe("REGISTRY_DEVICE_EXISTS");
    expect(errorCodeOf("ConsortiumNotSeatHolder")).toBe("CONSORTIUM_NOT_SEAT_HOLDER");
    expect(errorCodeOf("RegistryInvalidEnergySource")).toBe("REGISTRY_INVALID_ENERGY_SOURCE");
  });
});

describe("decodeChainError", () => {
  it("names an error of another manifest contract met through the Governor", () => {
    const org = "0x00000000000000000000000000000000000A11cE";
    const data = encodeErrorResult({ abi: consortiumAbi, errorName: "ConsortiumAlreadyMember", args: [org] });
    const error = decodeChainError(
      new ContractFunctionRevertedError({ abi: consortiumGovernorAbi, data, functionName: "execute" }),
    );
    expect(error.code).toBe("CONSORTIUM_ALREADY_MEMBER");
    expect(error.details).toEqual({ error: "ConsortiumAlreadyMember", org });
  });

  it("names the Governor's own errors by its ABI", () => {
    const data = encodeErrorResult({
      abi: consortiumGovernorAbi,
      errorName: "ConsortiumGovernorNotSeatHolder",
      args: ["0x00000000000000000000000000000000000A11cE", 5n],
    });
    const error = decodeChainError(
      new ContractFunctionRevertedError({ abi: consortiumGovernorAbi, data, functionName: "castVote" }),
    );
    expect(error.code).toBe("CONSORTIUM_GOVERNOR_NOT_SEAT_HOLDER");
    expect(error.details).toMatchObject({ timepoint: 5 });
  });
});
