import { describe, expect, it } from "vitest";
import { errorCodeOf } from "./decodeRevert.js";

describe("errorCodeOf", () => {
  it("turns a custom error name into a stable SNAKE_CASE code", () => {
    expect(errorCodeOf("RegistryDeviceExists")).toBe("REGISTRY_DEVICE_EXISTS");
    expect(errorCodeOf("ConsortiumNotSeatHolder")).toBe("CONSORTIUM_NOT_SEAT_HOLDER");
    expect(errorCodeOf("RegistryInvalidEnergySource")).toBe("REGISTRY_INVALID_ENERGY_SOURCE");
  });
});
