import { parseEventLogs, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi } from "../../src/chain/artifacts/index.js";
import {
  admitMembers,
  asGovernance,
  consortiumCall,
  giveSeats,
  govern,
  ProposalState,
  propose,
  Role,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const DAY = 86_400n;

describe("Consortium membership by governance", () => {
  it("gives the founder the only seat, and a single seat admits a member by its own vote", async () => {
    const d = chain();
    const founder = await d.consortium().read.organisation([d.addresses[0]!]);
    expect(founder).toMatchObject({
      name: "National Energy Administration",
      roles: Role.regulator,
      seat: true,
    });
    expect(await d.consortium().read.founder()).toBe(d.addresses[0]);
    expect(await d.consortium().read.registry()).toBe(d.registryAddress);
    expect(await d.consortium().read.quorum()).toEqual([2n, 3n]);
    expect(await d.consortium().read.votingPeriod()).toBe(7n * DAY);
    expect(await d.consortium().read.authority()).toBe(d.contracts.GridAuthority);

    const { receipt } = await govern(
      d,
      [consortiumCall(d, "admitMember", [d.addresses[1]!, "State Grid", Role.gridOperator, true])],
      "welcome",
      [0],
    );
    const events = parseEventLogs({ abi: consortiumAbi, logs: receipt.logs });
    expect(events.map((e) => [e.eventName, e.args])).toEqual([
      ["MemberAdmitted", { org: d.addresses[1], name: "State Grid", roles: Role.gridOperator, seat: true }],
    ]);
    expect(await d.consortium().read.members()).toEqual([d.addresses[0], d.addresses[1]]);
    expect(await d.consortium().read.seatCount()).toBe(2n);
    expect(await d.consortium().read.hasRole([d.addresses[1]!, Role.gridOperator])).toBe(true);
  });

  it("checkpoints seats: seatCountAt and hadSeatAt answer for past seconds", async () => {
    const d = chain();
    const before = Number((await d.publicClient.getBlock()).timestamp);
    await d.testClient.increaseTime({ seconds: 5 });
    await giveSeats(d, 3);
    const after = Number((await d.publicClient.getBlock()).timestamp);
    expect(await d.consortium().read.seatCountAt([before])).toBe(1n);
    expect(await d.consortium().read.seatCountAt([after])).toBe(3n);
    expect(await d.consortium().read.hadSeatAt([d.addresses[1]!, before])).toBe(false);
    expect(await d.consortium().read.hadSeatAt([d.addresses[1]!, after])).toBe(true);
    await d.testClient.increaseTime({ seconds: 5 });
    await govern(d, [consortiumCall(d, "removeMember", [d.addresses[2]!])], "remove");
    const removed = Number((await d.publicClient.getBlock()).timestamp);
    expect(await d.consortium().read.seatCountAt([removed])).toBe(2n);
    expect(await d.consortium().read.hadSeatAt([d.addresses[2]!, after])).toBe(true);
    expect(await d.consortium().read.hadSeatAt([d.addresses[2]!, removed])).toBe(false);
  });

  it("removes a member with its roles and seat, and re-admits it as new", async () => {
    const d = chain();
    await giveSeats(d, 2);
    const member = d.addresses[1]!;
    const { receipt } = await govern(d, [consortiumCall(d, "removeMember", [member])], "bye");
    expect(parseEventLogs({ abi: consortiumAbi, logs: receipt.logs }).map((e) => e.eventName)).toEqual([
      "MemberRemoved",
    ]);
    expect(await d.consortium().read.organisation([member])).toMatchObject({
      roles: 0,
      seat: false,
      active: false,
    });
    expect(await d.consortium().read.seatCount()).toBe(1n);
    expect(await d.consortium().read.members()).toEqual([d.addresses[0]]);
    await admitMembers(d, [{ account: 1, name: "State Grid again", roles: Role.auditor, seat: false }]);
    expect(await d.consortium().read.organisation([member])).toMatchObject({
      name: "State Grid again",
      roles: Role.auditor,
      active: true,
    });
  });

  it("grants and revokes roles", async () => {
    const d = chain();
    const member = d.addresses[1]!;
    await admitMembers(d, [{ account: 1, name: "Prosumer", roles: Role.prosumer, seat: false }]);
    const granted = await govern(d, [consortiumCall(d, "grantRole", [member, Role.community])]);
    expect(
      parseEventLogs({ abi: consortiumAbi, logs: granted.receipt.logs, eventName: "RoleGranted" })[0]?.args,
    ).toEqual({ org: member, role: Role.community });
    expect((await d.consortium().read.organisation([member])).roles).toBe(Role.prosumer | Role.community);
    const revoked = await govern(d, [consortiumCall(d, "revokeRole", [member, Role.prosumer])]);
    expect(
      parseEventLogs({ abi: consortiumAbi, logs: revoked.receipt.logs, eventName: "RoleRevoked" })[0]?.args,
    ).toEqual({ org: member, role: Role.prosumer });
    expect(await d.consortium().read.hasRole([member, Role.prosumer])).toBe(false);
    expect(await d.consortium().read.hasRole([member, Role.community])).toBe(true);
  });

  it("validates a change when it executes: the second of two admissions of one organisation fails", async () => {
    const d = chain();
    await giveSeats(d, 2);
    const newcomer = d.addresses[7]!;
    const first = await propose(
      d,
      [consortiumCall(d, "admitMember", [newcomer, "Wind Farm", Role.prosumer, false])],
      "a",
    );
    const second = await propose(
      d,
      [consortiumCall(d, "admitMember", [newcomer, "Wind Farm Ltd", Role.prosumer, false])],
      "b",
      1,
    );
    for (const p of [first, second]) {
      for (const voter of [0, 1]) await d.mined(d.governor(voter).write.castVote([p.id, 1]));
      await d.mined(d.governor(0).write.queue([p.targets, p.values, p.calldatas, p.descriptionHash]));
    }
    await d.mined(
      d.governor(0).write.execute([first.targets, first.values, first.calldatas, first.descriptionHash]),
    );
    expect(await d.consortium().read.organisation([newcomer])).toMatchObject({
      name: "Wind Farm",
      active: true,
    });
    await expectRevert(
      d.governor(0).write.execute([second.targets, second.values, second.calldatas, second.descriptionHash]),
      "ConsortiumAlreadyMember",
      [newcomer],
      { abi: consortiumAbi },
    );
    expect(await d.governor().read.state([second.id])).toBe(ProposalState.queued);
  });

  it("refuses invalid membership and role changes with named errors", async () => {
    const d = chain();
    const [founder, member, stranger] = [d.addresses[0]!, d.addresses[1]!, d.addresses[9]!];
    await admitMembers(d, [{ account: 1, name: "Prosumer", roles: Role.prosumer, seat: false }]);
    const refused: [string, unknown[], string, unknown[]][] = [
      ["removeMember", [founder], "ConsortiumLastSeat", [founder]],
      ["admitMember", [member, "Again", 0, false], "ConsortiumAlreadyMember", [member]],
      ["admitMember", [stranger, "", 0, false], "ConsortiumEmptyName", [stranger]],
      ["admitMember", [stranger, "X", 256, false], "ConsortiumInvalidRole", [256]],
      ["admitMember", [zeroAddress, "X", 0, false], "ConsortiumZeroAddress", []],
      ["removeMember", [stranger], "ConsortiumNotMember", [stranger]],
      ["grantRole", [stranger, Role.auditor], "ConsortiumNotMember", [stranger]],
      ["grantRole", [member, 0], "ConsortiumInvalidRole", [0]],
      ["grantRole", [member, 3], "ConsortiumInvalidRole", [3]],
      ["grantRole", [member, 512], "ConsortiumInvalidRole", [512]],
      ["grantRole", [member, Role.prosumer], "ConsortiumRoleAlreadyGranted", [member, Role.prosumer]],
      ["revokeRole", [founder, Role.auditor], "ConsortiumRoleNotGranted", [founder, Role.auditor]],
    ];
    for (const [functionName, args, error, errorArgs] of refused) {
      await expectRevert(asGovernance(d, consortiumCall(d, functionName, args)), error, errorArgs);
    }
  });
});
