import {
  getAddress,
  type Hex,
  keccak256,
  pad,
  parseEventLogs,
  stringToBytes,
  zeroAddress,
  zeroHash,
} from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { accountRoleIds } from "../../src/auth/roles.js";
import { accountsAbi, accountsBytecode } from "../../src/chain/artifacts/index.js";
import {
  admitMembers,
  type Deployment,
  govern,
  Role,
  registryCall,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const GD_OPERATOR = 1;
const BUREAU = 2;
const COMMUNITY = 3;
const GRID = 4;
const PLAIN = 5;
const STRANGER = 9;
const person = getAddress("0x00000000000000000000000000000000000a11ce");
const regionId = (code: string) => keccak256(stringToBytes(code));
const GD = regionId("CN-GD");
const ZJ = regionId("CN-ZJ");
const all = zeroHash;
const R = accountRoleIds;

const accounts = (d: Deployment, i = 0) => d.accounts(i);

// Runs after setupGridLedger's beforeAll and before its first snapshot, so every test starts from it.
beforeAll(async () => {
  const d = chain();
  await admitMembers(d, [
    { account: GD_OPERATOR, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
    {
      account: BUREAU,
      name: "Energy Bureau",
      roles: Role.regulator | Role.issuer | Role.auditor,
      seat: false,
    },
    { account: COMMUNITY, name: "Sunny Estate", roles: Role.community, seat: false },
    { account: GRID, name: "State Grid", roles: Role.gridOperator, seat: false },
    { account: PLAIN, name: "Factory", roles: Role.enterprise, seat: false },
  ]);
  await govern(d, [
    registryCall(d, "approveRegion", ["CN-GD", "广东", "Guangdong", d.addresses[GD_OPERATOR]!, 900]),
  ]);
});

const communityScope = (d: Deployment, i: number): Hex =>
  pad(d.addresses[i]!.toLowerCase() as Hex, { size: 32 });

describe("Accounts role bindings", () => {
  it("grants each role with the scope its organisation may give, with one RoleGranted event each", async () => {
    const d = chain();
    const cases: [number, number, Hex][] = [
      [BUREAU, R.regulator, all],
      [BUREAU, R.issuer, all],
      [BUREAU, R.auditor, all],
      [GD_OPERATOR, R["region-operator"], GD],
      [GD_OPERATOR, R.collector, GD],
      [GRID, R["grid-operator"], GD],
      [COMMUNITY, R["community-operator"], communityScope(d, COMMUNITY)],
      [COMMUNITY, R.prosumer, communityScope(d, COMMUNITY)],
    ];
    for (const [org, role, scope] of cases) {
      const receipt = await d.mined(accounts(d, org).write.grant([person, role, scope]));
      const events = parseEventLogs({ abi: accountsAbi, logs: receipt.logs, eventName: "RoleGranted" });
      expect(events.map((e) => e.args)).toEqual([
        { account: person, role, scope, grantor: d.addresses[org] },
      ]);
      expect(await accounts(d).read.grantorOf([person, role, scope])).toBe(d.addresses[org]);
    }
  });

  it("treats a second grant by the same organisation as done: no second event", async () => {
    const d = chain();
    await d.mined(accounts(d, BUREAU).write.grant([person, R.regulator, all]));
    const again = await d.mined(accounts(d, BUREAU).write.grant([person, R.regulator, all]));
    expect(parseEventLogs({ abi: accountsAbi, logs: again.logs })).toEqual([]);
  });

  it("refuses grants by non-members, by members without the org role, and of unknown roles", async () => {
    const d = chain();
    await expectRevert(accounts(d, STRANGER).write.grant([person, R.regulator, all]), "AccountsNotMember", [
      d.addresses[STRANGER],
    ]);
    await expectRevert(accounts(d, PLAIN).write.grant([person, R.regulator, all]), "AccountsOrgRoleMissing", [
      d.addresses[PLAIN],
      R.regulator,
      Role.regulator,
    ]);
    await expectRevert(
      accounts(d, PLAIN).write.grant([person, R.prosumer, communityScope(d, PLAIN)]),
      "AccountsOrgRoleMissing",
      [d.addresses[PLAIN], R.prosumer, Role.community],
    );
    await expectRevert(
      accounts(d, BUREAU).write.grant([person, R["grid-operator"], GD]),
      "AccountsOrgRoleMissing",
    );
    await expectRevert(accounts(d, BUREAU).write.grant([person, 0, all]), "AccountsUnknownRole", [0]);
    await expectRevert(accounts(d, BUREAU).write.grant([person, 9, all]), "AccountsUnknownRole", [9]);
    await expectRevert(
      accounts(d, BUREAU).write.grant([zeroAddress, R.regulator, all]),
      "AccountsZeroAddress",
    );
  });

  it("refuses scopes that do not fit: a region the org does not run, an unknown region, another community", async () => {
    const d = chain();
    const refused: [number, number, Hex][] = [
      [BUREAU, R.regulator, GD],
      [GD_OPERATOR, R["region-operator"], ZJ],
      [GD_OPERATOR, R.collector, all],
      [GRID, R["region-operator"], GD],
      [GRID, R["grid-operator"], ZJ],
      [GRID, R["grid-operator"], all],
      [COMMUNITY, R.prosumer, communityScope(d, GRID)],
      [COMMUNITY, R["community-operator"], all],
    ];
    for (const [org, role, scope] of refused) {
      await expectRevert(accounts(d, org).write.grant([person, role, scope]), "AccountsInvalidScope", [
        role,
        scope,
      ]);
    }
  });

  it("refuses a binding another organisation granted", async () => {
    const d = chain();
    await admitMembers(d, [{ account: 6, name: "Other Grid", roles: Role.gridOperator, seat: false }]);
    await d.mined(accounts(d, GRID).write.grant([person, R["grid-operator"], GD]));
    await expectRevert(
      accounts(d, 6).write.grant([person, R["grid-operator"], GD]),
      "AccountsGrantedByOther",
      [person, R["grid-operator"], GD, d.addresses[GRID]],
    );
  });

  it("lets only the grantor revoke, with a RoleRevoked event; a missing binding is refused", async () => {
    const d = chain();
    await d.mined(accounts(d, BUREAU).write.grant([person, R.auditor, all]));
    await expectRevert(accounts(d, GRID).write.revoke([person, R.auditor, all]), "AccountsNotGrantor", [
      d.addresses[GRID],
      d.addresses[BUREAU],
    ]);
    const receipt = await d.mined(accounts(d, BUREAU).write.revoke([person, R.auditor, all]));
    const events = parseEventLogs({ abi: accountsAbi, logs: receipt.logs, eventName: "RoleRevoked" });
    expect(events.map((e) => e.args)).toEqual([
      { account: person, role: R.auditor, scope: all, revoker: d.addresses[BUREAU] },
    ]);
    expect(await accounts(d).read.grantorOf([person, R.auditor, all])).toBe(zeroAddress);
    await expectRevert(accounts(d, BUREAU).write.revoke([person, R.auditor, all]), "AccountsNotGranted", [
      person,
      R.auditor,
      all,
    ]);
  });
});

describe("Accounts access-log anchors", () => {
  const head = keccak256(stringToBytes("head"));
  it("anchors a day's head once for any member, with an event and a view", async () => {
    const d = chain();
    const receipt = await d.mined(accounts(d, PLAIN).write.anchorAccessLog([20_000n, head, 42n]));
    const events = parseEventLogs({ abi: accountsAbi, logs: receipt.logs, eventName: "AccessLogAnchored" });
    expect(events.map((e) => e.args)).toEqual([{ org: d.addresses[PLAIN], day: 20_000n, head, count: 42n }]);
    expect(await accounts(d).read.accessLogHead([d.addresses[PLAIN]!, 20_000n])).toEqual([head, 42n]);
    expect(await accounts(d).read.accessLogHead([d.addresses[GRID]!, 20_000n])).toEqual([zeroHash, 0n]);
    const again = await d.mined(accounts(d, PLAIN).write.anchorAccessLog([20_000n, head, 42n]));
    expect(again.logs).toEqual([]);
  });

  it("refuses a different head for the same day, a zero head, and non-members", async () => {
    const d = chain();
    await d.mined(accounts(d, PLAIN).write.anchorAccessLog([20_000n, head, 42n]));
    const other = keccak256(stringToBytes("other"));
    await expectRevert(
      accounts(d, PLAIN).write.anchorAccessLog([20_000n, other, 43n]),
      "AccountsAccessLogAnchored",
      [d.addresses[PLAIN], 20_000n, head],
    );
    await expectRevert(
      accounts(d, PLAIN).write.anchorAccessLog([20_000n, head, 41n]),
      "AccountsAccessLogAnchored",
    );
    await expectRevert(accounts(d, PLAIN).write.anchorAccessLog([20_001n, zeroHash, 1n]), "AccountsZeroHead");
    await expectRevert(accounts(d, STRANGER).write.anchorAccessLog([1n, head, 1n]), "AccountsNotMember", [
      d.addresses[STRANGER],
    ]);
  });

  it("knows its registry and consortium, and refuses a registry without code", async () => {
    const d = chain();
    expect(await accounts(d).read.registry()).toBe(d.registryAddress);
    expect(await accounts(d).read.consortium()).toBe(d.consortiumAddress);
    await expectRevert(
      d.wallets[0]!.deployContract({
        abi: accountsAbi,
        bytecode: accountsBytecode,
        args: [d.contracts.GridAuthority, person],
      }),
      "AccountsInvalidRegistry",
      [person],
      { abi: accountsAbi },
    );
  });
});
