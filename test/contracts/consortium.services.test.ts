import { parseEventLogs, stringToHex, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi } from "../../src/chain/artifacts/index.js";
import { meterAnchorServiceName } from "../../src/node/deployContracts.js";
import { admitMembers, Role, setupGridLedger } from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const MEMBER = 1;
const STRANGER = 9;
const marketName = stringToHex("Market", { size: 32 });

describe("Consortium service directory", () => {
  it('names the MeterAnchor under the left-aligned bytes32 of "MeterAnchor"', async () => {
    const d = chain();
    expect(meterAnchorServiceName).toBe(`0x${Buffer.from("MeterAnchor").toString("hex").padEnd(64, "0")}`);
    expect(await d.consortium().read.service([meterAnchorServiceName])).toBe(d.meterAnchorAddress);
  });

  it("binds a contract to a name for the founder, with an event, and reads zero for other names", async () => {
    const d = chain();
    expect(await d.consortium().read.service([marketName])).toBe(zeroAddress);
    const receipt = await d.mined(d.consortium(0).write.bindService([marketName, d.registryAddress]));
    const events = parseEventLogs({ abi: consortiumAbi, logs: receipt.logs, eventName: "ServiceBound" });
    expect(events.map((e) => e.args)).toEqual([{ name: marketName, service: d.registryAddress }]);
    expect(await d.consortium().read.service([marketName])).toBe(d.registryAddress);
  });

  it("refuses bindService from anyone but the founder: a seat holder, a member, a non-member", async () => {
    const d = chain();
    await admitMembers(d, [
      { account: MEMBER, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
      { account: 2, name: "Grid Co", roles: Role.gridOperator, seat: true },
    ]);
    for (const caller of [2, MEMBER, STRANGER]) {
      await expectRevert(
        d.consortium(caller).write.bindService([marketName, d.registryAddress]),
        "ConsortiumNotFounder",
        [d.addresses[caller]],
      );
    }
    expect(await d.consortium().read.service([marketName])).toBe(zeroAddress);
  });

  it("binds a name once: a second binding is refused and the first stays", async () => {
    const d = chain();
    await expectRevert(
      d.consortium(0).write.bindService([meterAnchorServiceName, d.registryAddress]),
      "ConsortiumServiceAlreadyBound",
      [meterAnchorServiceName, d.meterAnchorAddress],
    );
    await expectRevert(
      d.consortium(0).write.bindService([meterAnchorServiceName, d.meterAnchorAddress]),
      "ConsortiumServiceAlreadyBound",
      [meterAnchorServiceName, d.meterAnchorAddress],
    );
    expect(await d.consortium().read.service([meterAnchorServiceName])).toBe(d.meterAnchorAddress);
  });

  it("refuses an empty name, the zero address and an address without code", async () => {
    const d = chain();
    const bind = (name: `0x${string}`, service: `0x${string}`) =>
      d.consortium(0).write.bindService([name, service]);
    await expectRevert(
      bind(stringToHex("", { size: 32 }), d.registryAddress),
      "ConsortiumInvalidServiceName",
      [stringToHex("", { size: 32 })],
    );
    await expectRevert(bind(marketName, zeroAddress), "ConsortiumZeroAddress", []);
    await expectRevert(bind(marketName, d.addresses[STRANGER]!), "ConsortiumServiceNotContract", [
      marketName,
      d.addresses[STRANGER],
    ]);
  });
});
