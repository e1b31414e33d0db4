import { parseEventLogs, stringToHex, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi } from "../../src/chain/artifacts/index.js";
import { contractManifest, serviceName } from "../../src/chain/manifest.js";
import {
  admitMembers,
  asGovernance,
  consortiumCall,
  govern,
  Role,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const MEMBER = 1;
const STRANGER = 9;
const marketName = serviceName("Market");

describe("Consortium service directory", () => {
  it("names every contract of the manifest but the Consortium under its left-aligned bytes32 name", async () => {
    const d = chain();
    expect(serviceName("MeterAnchor")).toBe(
      `0x${Buffer.from("MeterAnchor").toString("hex").padEnd(64, "0")}`,
    );
    const names: string[] = [];
    for (const spec of contractManifest) {
      if (!spec.service) continue;
      names.push(spec.name);
      expect(await d.consortium().read.service([spec.service])).toBe(d.contracts[spec.name]);
    }
    expect(names).toEqual([
      "GridAuthority",
      "GridTimelock",
      "ConsortiumGovernor",
      "Registry",
      "MeterAnchor",
      "Accounts",
      "SettlementToken",
      "RewardToken",
      "Market",
    ]);
    expect(await d.consortium().read.service([serviceName("registry")])).toBe(d.registryAddress);
    expect(await d.consortium().read.service([marketName])).toBe(zeroAddress);
  });

  it("binds, rebinds and unbinds a name by governance, with an event each time", async () => {
    const d = chain();
    const bind = async (service: `0x${string}`) => {
      const { receipt } = await govern(d, [consortiumCall(d, "bindService", [marketName, service])]);
      return parseEventLogs({ abi: consortiumAbi, logs: receipt.logs, eventName: "ServiceBound" }).map(
        (e) => e.args,
      );
    };
    expect(await bind(d.registryAddress)).toEqual([{ name: marketName, service: d.registryAddress }]);
    expect(await d.consortium().read.service([marketName])).toBe(d.registryAddress);
    expect(await bind(d.meterAnchorAddress)).toEqual([{ name: marketName, service: d.meterAnchorAddress }]);
    expect(await d.consortium().read.service([marketName])).toBe(d.meterAnchorAddress);
    expect(await bind(zeroAddress)).toEqual([{ name: marketName, service: zeroAddress }]);
    expect(await d.consortium().read.service([marketName])).toBe(zeroAddress);
  });

  it("rebinds the registry by governance, and registry() follows", async () => {
    const d = chain();
    await govern(d, [consortiumCall(d, "bindService", [serviceName("registry"), d.accountsAddress])]);
    expect(await d.consortium().read.registry()).toBe(d.accountsAddress);
  });

  it("refuses bindService to anyone but governance: the founder, a seat holder, a member, a non-member", async () => {
    const d = chain();
    await admitMembers(d, [
      { account: MEMBER, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
      { account: 2, name: "Grid Co", roles: Role.gridOperator, seat: true },
    ]);
    for (const caller of [0, 2, MEMBER, STRANGER]) {
      await expectRevert(
        d.consortium(caller).write.bindService([marketName, d.registryAddress]),
        "AccessManagedUnauthorized",
        [d.addresses[caller]],
      );
    }
    expect(await d.consortium().read.service([marketName])).toBe(zeroAddress);
  });

  it("refuses an empty name and an address without code", async () => {
    const d = chain();
    const bind = (name: `0x${string}`, service: `0x${string}`) =>
      asGovernance(d, consortiumCall(d, "bindService", [name, service]));
    const empty = stringToHex("", { size: 32 });
    await expectRevert(bind(empty, d.registryAddress), "ConsortiumInvalidServiceName", [empty]);
    await expectRevert(bind(empty, zeroAddress), "ConsortiumInvalidServiceName", [empty]);
    await expectRevert(bind(marketName, d.addresses[STRANGER]!), "ConsortiumServiceNotContract", [
      marketName,
      d.addresses[STRANGER],
    ]);
  });
});
