import { decodeAbiParameters, parseEventLogs } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi } from "../../src/chain/artifacts/index.js";
import {
  admitMembers,
  type Deployment,
  giveSeats,
  ProposalKind,
  ProposalState,
  proposeSampleGrant,
  Role,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const DAY = 86_400n;

const proposal = (d: Deployment, id: bigint) => d.consortium().read.proposal([id]);

describe("Consortium governance", () => {
  it("gives the founder the only seat and lets a single seat admit a member at once", async () => {
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

    const receipt = await d.mined(
      d
        .consortium(0)
        .write.proposeAdmitMember([d.addresses[1]!, "State Grid", Role.gridOperator, true, "welcome"]),
    );
    const id = await d.consortium().read.proposalCount();
    expect(id).toBe(1n);
    const events = parseEventLogs({ abi: consortiumAbi, logs: receipt.logs });
    expect(events.map((e) => e.eventName)).toEqual([
      "ProposalCreated",
      "VoteCast",
      "MemberAdmitted",
      "ProposalExecuted",
    ]);
    expect(events[2]?.args).toEqual({
      org: d.addresses[1],
      name: "State Grid",
      roles: Role.gridOperator,
      seat: true,
    });

    const p = await proposal(d, id);
    expect(p).toMatchObject({
      kind: ProposalKind.admitMember,
      proposer: d.addresses[0],
      forVotes: 1,
      againstVotes: 0,
      state: ProposalState.executed,
      description: "welcome",
    });
    expect(p.deadline - p.createdAt).toBe(7n * DAY);
    expect(
      decodeAbiParameters(
        [{ type: "address" }, { type: "string" }, { type: "uint16" }, { type: "bool" }],
        p.payload,
      ),
    ).toEqual([d.addresses[1], "State Grid", Role.gridOperator, true]);
    expect(await d.consortium().read.members()).toEqual([d.addresses[0], d.addresses[1]]);
    expect(await d.consortium().read.seatCount()).toBe(2n);
    expect(await d.consortium().read.hasRole([d.addresses[1]!, Role.gridOperator])).toBe(true);
  });

  it("passes at exactly more than two thirds: 3 of 4 seats", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const id = await proposeSampleGrant(d);
    await d.mined(d.consortium(1).write.vote([id, true]));
    expect(await proposal(d, id)).toMatchObject({ forVotes: 2, state: ProposalState.active });
    expect(await d.consortium().read.hasRole([d.addresses[8]!, Role.auditor])).toBe(false);
    const receipt = await d.mined(d.consortium(2).write.vote([id, true]));
    expect(parseEventLogs({ abi: consortiumAbi, logs: receipt.logs }).map((e) => e.eventName)).toEqual([
      "VoteCast",
      "RoleGranted",
      "ProposalExecuted",
    ]);
    expect(await proposal(d, id)).toMatchObject({ forVotes: 3, state: ProposalState.executed });
    expect(await d.consortium().read.hasRole([d.addresses[8]!, Role.auditor])).toBe(true);
  });

  it("does not pass one vote short: 2 of 3 seats", async () => {
    const d = chain();
    await giveSeats(d, 3);
    const id = await proposeSampleGrant(d);
    await d.mined(d.consortium(1).write.vote([id, true]));
    expect(await proposal(d, id)).toMatchObject({ forVotes: 2, state: ProposalState.active });
    await expectRevert(d.consortium(9).write.execute([id]), "ConsortiumQuorumNotReached", [id, 2n, 3n]);
    expect(await d.consortium().read.hasRole([d.addresses[8]!, Role.auditor])).toBe(false);
  });

  it("marks a proposal defeated once against-votes make passing impossible", async () => {
    const d = chain();
    await giveSeats(d, 3);
    const id = await proposeSampleGrant(d);
    await d.mined(d.consortium(1).write.vote([id, false]));
    expect(await proposal(d, id)).toMatchObject({
      forVotes: 1,
      againstVotes: 1,
      state: ProposalState.defeated,
    });
    await expectRevert(d.consortium(2).write.vote([id, true]), "ConsortiumProposalNotActive", [
      id,
      ProposalState.defeated,
    ]);
  });

  it("refuses a second vote from the same seat holder, including the proposer", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const id = await proposeSampleGrant(d);
    await expectRevert(d.consortium(0).write.vote([id, true]), "ConsortiumAlreadyVoted", [
      id,
      d.addresses[0],
    ]);
    await d.mined(d.consortium(1).write.vote([id, false]));
    expect(await d.consortium().read.hasVoted([id, d.addresses[1]!])).toBe(true);
    expect(await d.consortium().read.hasVoted([id, d.addresses[2]!])).toBe(false);
    await expectRevert(d.consortium(1).write.vote([id, true]), "ConsortiumAlreadyVoted", [
      id,
      d.addresses[1],
    ]);
  });

  it("can be voted at its deadline but not after: an expired proposal cannot be voted or executed", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const id = await proposeSampleGrant(d);
    const { deadline } = await proposal(d, id);
    await d.testClient.setNextBlockTimestamp({ timestamp: deadline });
    await d.mined(d.consortium(1).write.vote([id, true]));

    await d.testClient.increaseTime({ seconds: 1 });
    await d.testClient.mine({ blocks: 1 });
    expect(await proposal(d, id)).toMatchObject({ forVotes: 2, state: ProposalState.expired });
    await expectRevert(d.consortium(2).write.vote([id, true]), "ConsortiumProposalNotActive", [
      id,
      ProposalState.expired,
    ]);
    await expectRevert(d.consortium(2).write.execute([id]), "ConsortiumProposalNotActive", [
      id,
      ProposalState.expired,
    ]);
  });

  it("refuses to vote on or execute an unknown proposal", async () => {
    const d = chain();
    await expectRevert(d.consortium(0).write.vote([7n, true]), "ConsortiumUnknownProposal", [7n]);
    await expectRevert(d.consortium(0).write.execute([0n]), "ConsortiumUnknownProposal", [0n]);
    await expectRevert(d.consortium().read.proposal([1n]), "ConsortiumUnknownProposal", [1n]);
  });

  it("stops counting a removed member's earlier vote and refuses its new votes", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const id = await proposeSampleGrant(d);
    await d.mined(d.consortium(1).write.vote([id, true]));
    expect(await proposal(d, id)).toMatchObject({ forVotes: 2 });

    await d.mined(d.consortium(0).write.proposeRemoveMember([d.addresses[1]!, "left the consortium"]));
    const removal = await d.consortium().read.proposalCount();
    await d.mined(d.consortium(2).write.vote([removal, true]));
    await d.mined(d.consortium(3).write.vote([removal, true]));
    expect(await d.consortium().read.isMember([d.addresses[1]!])).toBe(false);
    expect(await d.consortium().read.hasSeat([d.addresses[1]!])).toBe(false);
    expect(await d.consortium().read.seatCount()).toBe(3n);
    expect(await d.consortium().read.members()).not.toContain(d.addresses[1]);
    expect(await d.consortium().read.organisation([d.addresses[1]!])).toMatchObject({
      active: false,
      seat: false,
    });

    expect(await proposal(d, id)).toMatchObject({ forVotes: 1, state: ProposalState.active });
    await expectRevert(d.consortium(1).write.vote([id, true]), "ConsortiumNotSeatHolder", [d.addresses[1]]);
    // 2 of the 3 remaining seats do not pass: had the removed member's vote counted, 3 would have.
    await d.mined(d.consortium(2).write.vote([id, true]));
    expect(await proposal(d, id)).toMatchObject({ forVotes: 2, state: ProposalState.active });
    await d.mined(d.consortium(3).write.vote([id, true]));
    expect(await proposal(d, id)).toMatchObject({ forVotes: 3, state: ProposalState.executed });
  });

  it("does not revive a removed member's vote when it is re-admitted, but lets it vote again", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const id = await proposeSampleGrant(d);
    await d.mined(d.consortium(1).write.vote([id, true]));
    await d.mined(d.consortium(0).write.proposeRemoveMember([d.addresses[1]!, ""]));
    const removal = await d.consortium().read.proposalCount();
    for (const voter of [2, 3]) await d.mined(d.consortium(voter).write.vote([removal, true]));
    await d.mined(
      d.consortium(0).write.proposeAdmitMember([d.addresses[1]!, "Back", Role.gridOperator, true, ""]),
    );
    const readmission = await d.consortium().read.proposalCount();
    for (const voter of [2, 3]) await d.mined(d.consortium(voter).write.vote([readmission, true]));
    expect(await d.consortium().read.hasSeat([d.addresses[1]!])).toBe(true);

    expect(await proposal(d, id)).toMatchObject({ forVotes: 1, state: ProposalState.active });
    expect(await d.consortium().read.hasVoted([id, d.addresses[1]!])).toBe(false);
    await d.mined(d.consortium(1).write.vote([id, true]));
    expect(await proposal(d, id)).toMatchObject({ forVotes: 2, state: ProposalState.active });
  });

  it("lets anyone execute a proposal that passes after the seats shrink", async () => {
    const d = chain();
    await giveSeats(d, 5);
    const id = await proposeSampleGrant(d);
    await d.mined(d.consortium(1).write.vote([id, true]));
    await d.mined(d.consortium(2).write.vote([id, true]));
    expect(await proposal(d, id)).toMatchObject({ forVotes: 3, state: ProposalState.active });

    await d.mined(d.consortium(0).write.proposeRemoveMember([d.addresses[4]!, ""]));
    const removal = await d.consortium().read.proposalCount();
    for (const voter of [1, 2, 3]) await d.mined(d.consortium(voter).write.vote([removal, true]));
    expect(await d.consortium().read.seatCount()).toBe(4n);

    const receipt = await d.mined(d.consortium(9).write.execute([id]));
    expect(
      parseEventLogs({ abi: consortiumAbi, logs: receipt.logs, eventName: "ProposalExecuted" })[0]?.args,
    ).toEqual({
      id,
    });
    expect(await d.consortium().read.hasRole([d.addresses[8]!, Role.auditor])).toBe(true);
    await expectRevert(d.consortium(9).write.execute([id]), "ConsortiumProposalNotActive", [
      id,
      ProposalState.executed,
    ]);
  });

  it("validates a proposal again when it executes", async () => {
    const d = chain();
    await giveSeats(d, 2);
    const newcomer = d.addresses[7]!;
    await d.mined(
      d.consortium(0).write.proposeAdmitMember([newcomer, "Wind Farm", Role.prosumer, false, ""]),
    );
    const first = await d.consortium().read.proposalCount();
    await d.mined(
      d.consortium(1).write.proposeAdmitMember([newcomer, "Wind Farm Ltd", Role.prosumer, false, ""]),
    );
    const second = await d.consortium().read.proposalCount();
    await d.mined(d.consortium(1).write.vote([first, true]));
    expect(await d.consortium().read.organisation([newcomer])).toMatchObject({
      name: "Wind Farm",
      active: true,
    });
    await expectRevert(d.consortium(0).write.vote([second, true]), "ConsortiumAlreadyMember", [newcomer]);
  });

  it("refuses to remove the last seat holder", async () => {
    const d = chain();
    await expectRevert(
      d.consortium(0).write.proposeRemoveMember([d.addresses[0]!, ""]),
      "ConsortiumLastSeat",
      [d.addresses[0]],
    );
  });

  it("refuses invalid membership and role proposals with named errors", async () => {
    const d = chain();
    const c = d.consortium(0);
    const [founder, member, stranger] = [d.addresses[0]!, d.addresses[1]!, d.addresses[9]!];
    await admitMembers(d, [{ account: 1, name: "Prosumer", roles: Role.prosumer, seat: false }]);
    await expectRevert(
      c.write.proposeAdmitMember([member, "Again", 0, false, ""]),
      "ConsortiumAlreadyMember",
      [member],
    );
    await expectRevert(c.write.proposeAdmitMember([stranger, "", 0, false, ""]), "ConsortiumEmptyName", [
      stranger,
    ]);
    await expectRevert(
      c.write.proposeAdmitMember([stranger, "X", 256, false, ""]),
      "ConsortiumInvalidRole",
      [256],
    );
    await expectRevert(
      c.write.proposeAdmitMember(["0x0000000000000000000000000000000000000000", "X", 0, false, ""]),
      "ConsortiumZeroAddress",
      [],
    );
    await expectRevert(c.write.proposeRemoveMember([stranger, ""]), "ConsortiumNotMember", [stranger]);
    await expectRevert(c.write.proposeGrantRole([stranger, Role.auditor, ""]), "ConsortiumNotMember", [
      stranger,
    ]);
    await expectRevert(c.write.proposeGrantRole([member, 0, ""]), "ConsortiumInvalidRole", [0]);
    await expectRevert(c.write.proposeGrantRole([member, 3, ""]), "ConsortiumInvalidRole", [3]);
    await expectRevert(c.write.proposeGrantRole([member, 512, ""]), "ConsortiumInvalidRole", [512]);
    await expectRevert(
      c.write.proposeGrantRole([member, Role.prosumer, ""]),
      "ConsortiumRoleAlreadyGranted",
      [member, Role.prosumer],
    );
    await expectRevert(c.write.proposeRevokeRole([founder, Role.auditor, ""]), "ConsortiumRoleNotGranted", [
      founder,
      Role.auditor,
    ]);
  });

  it("grants and revokes roles", async () => {
    const d = chain();
    const member = d.addresses[1]!;
    await admitMembers(d, [{ account: 1, name: "Prosumer", roles: Role.prosumer, seat: false }]);
    const granted = await d.mined(d.consortium(0).write.proposeGrantRole([member, Role.community, ""]));
    expect(
      parseEventLogs({ abi: consortiumAbi, logs: granted.logs, eventName: "RoleGranted" })[0]?.args,
    ).toEqual({
      org: member,
      role: Role.community,
    });
    expect((await d.consortium().read.organisation([member])).roles).toBe(Role.prosumer | Role.community);
    const revoked = await d.mined(d.consortium(0).write.proposeRevokeRole([member, Role.prosumer, ""]));
    expect(
      parseEventLogs({ abi: consortiumAbi, logs: revoked.logs, eventName: "RoleRevoked" })[0]?.args,
    ).toEqual({
      org: member,
      role: Role.prosumer,
    });
    expect(await d.consortium().read.hasRole([member, Role.prosumer])).toBe(false);
    expect(await d.consortium().read.hasRole([member, Role.community])).toBe(true);
  });
});
