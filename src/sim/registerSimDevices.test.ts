import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { communityAddressOf, demoOwnedDevices, deviceRequestOf } from "./registerSimDevices.js";
import { buildScenario } from "./scenario.js";
import { newMeter } from "./simState.js";

const prosumer = getAddress("0x00000000000000000000000000000000000a11ce");
const organisation = getAddress("0x0000000000000000000000000000000000000b0b");

describe("devices the demo prosumer owns", () => {
  const scenario = buildScenario({ seed: 1, size: "small" });
  const owner = { owner: prosumer, community: organisation, count: 3 };

  it("are the scenario's first three community devices, always the same ones", () => {
    const owned = demoOwnedDevices(scenario.devices, owner);
    expect(owned.size).toBe(3);
    const again = demoOwnedDevices(buildScenario({ seed: 1, size: "small" }).devices, owner);
    expect([...again]).toEqual([...owned]);
    for (const name of owned) expect(scenario.devices.find((d) => d.name === name)?.community).not.toBeNull();
    expect(demoOwnedDevices(scenario.devices, undefined).size).toBe(0);
  });

  it("are registered with the prosumer as owner in the organisation's community; others keep theirs", () => {
    const [first, second] = scenario.devices.filter((d) => d.community !== null);
    const mine = deviceRequestOf(first!, newMeter(first!), undefined, owner);
    expect(mine).toMatchObject({ owner: prosumer, community: organisation });
    const theirs = deviceRequestOf(second!, newMeter(second!));
    expect(theirs.owner).toBeUndefined();
    expect(theirs.community).toBe(communityAddressOf(second!.community!));
  });

  it("registers a named device (a demo market trader's) as its owner's in its community", () => {
    const trader = getAddress("0x00000000000000000000000000000000000c0de5");
    const pv = scenario.devices.find((d) => d.name === "CN-GD/c01/prosumer-01")!;
    const request = deviceRequestOf(pv, newMeter(pv), undefined, { owner: trader, community: organisation });
    expect(request).toMatchObject({
      owner: trader,
      community: organisation,
      kind: "bidirectional",
      source: "solar",
    });
  });
});
