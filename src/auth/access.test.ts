import { describe, expect, it } from "vitest";
import { canSeeDevice, deviceFilter, deviceReach } from "./access.js";
import type { Principal } from "./principal.js";
import type { Binding } from "./roles.js";

const alice = "0x00000000000000000000000000000000000a11ce" as const;
const bob = "0x0000000000000000000000000000000000000b0b" as const;
const community = "0x00000000000000000000000000000000000c0111" as const;
const other = "0x00000000000000000000000000000000000c0222" as const;

const account = (bindings: Binding[], who: `0x${string}` = alice): Principal => ({
  kind: "account",
  account: who,
  bindings,
  sessionId: "s",
});

const aliceDevice = { owner: alice, community, region: "GD" };
const bobDevice = { owner: bob, community, region: "GD" };
const farDevice = { owner: bob, community: other, region: "SC" };

describe("who sees which device", () => {
  it("shows a prosumer only the devices it owns in its community", () => {
    const prosumer = account([{ role: "prosumer", scope: { kind: "community", community } }]);
    expect(canSeeDevice(prosumer, "readings.read", aliceDevice)).toBe(true);
    expect(canSeeDevice(prosumer, "readings.read", bobDevice)).toBe(false);
    expect(canSeeDevice(prosumer, "readings.read", { ...aliceDevice, community: other })).toBe(false);
  });

  it("shows a community operator its members' devices only", () => {
    const operator = account([{ role: "community-operator", scope: { kind: "community", community } }]);
    expect(canSeeDevice(operator, "devices.read", bobDevice)).toBe(true);
    expect(canSeeDevice(operator, "devices.read", farDevice)).toBe(false);
  });

  it("shows a region operator the devices of its regions", () => {
    const operator = account([{ role: "region-operator", scope: { kind: "region", region: "SC" } }]);
    expect(canSeeDevice(operator, "readings.proof", farDevice)).toBe(true);
    expect(canSeeDevice(operator, "readings.proof", aliceDevice)).toBe(false);
  });

  it("shows admin, auditor and regulator every device where the table gives them the action", () => {
    for (const role of ["admin", "regulator"] as const) {
      expect(canSeeDevice(account([{ role, scope: { kind: "all" } }]), "readings.read", farDevice)).toBe(
        true,
      );
    }
    const auditor = account([{ role: "auditor", scope: { kind: "all" } }]);
    expect(canSeeDevice(auditor, "readings.proof", farDevice)).toBe(true);
    // The table gives auditors proofs, not series.
    expect(canSeeDevice(auditor, "readings.read", farDevice)).toBe(false);
  });

  it("shows the public, devices and a grid operator no device", () => {
    expect(canSeeDevice({ kind: "anonymous" }, "readings.read", aliceDevice)).toBe(false);
    expect(canSeeDevice({ kind: "device", deviceId: "0x01" }, "readings.read", aliceDevice)).toBe(false);
    const grid = account([{ role: "grid-operator", scope: { kind: "region", region: "GD" } }]);
    expect(canSeeDevice(grid, "readings.read", aliceDevice)).toBe(false);
  });

  it("gives an API key without an account no prosumer reach", () => {
    const key: Principal = {
      kind: "api-key",
      keyId: "k",
      name: "n",
      account: undefined,
      bindings: [{ role: "prosumer", scope: { kind: "community", community } }],
    };
    expect(deviceReach(key, "readings.read")).toEqual({
      all: false,
      owned: [],
      communities: [],
      regions: [],
    });
  });
});

describe("deviceFilter", () => {
  it("numbers its parameters after the query's own", () => {
    const principal = account([
      { role: "prosumer", scope: { kind: "community", community } },
      { role: "region-operator", scope: { kind: "region", region: "sc" } },
    ]);
    const filter = deviceFilter(principal, "devices.read", { firstParam: 3 });
    expect(filter.sql).toBe(
      "((d.owner = $3 and d.community = $4) or d.region_id in (select region_id from regions where code = any($5::text[])))",
    );
    expect(filter.params).toEqual([alice, community, ["SC"]]);
  });

  it("is true for all-reach roles and false for none", () => {
    expect(deviceFilter(account([{ role: "admin", scope: { kind: "all" } }]), "devices.read").sql).toBe(
      "true",
    );
    expect(deviceFilter({ kind: "anonymous" }, "devices.read")).toEqual({ sql: "false", params: [] });
  });
});
