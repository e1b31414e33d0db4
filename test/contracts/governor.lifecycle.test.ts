import { parseEventLogs } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi, consortiumGovernorAbi } from "../../src/chain/artifacts/index.js";
import { decodeChainError } from "../../src/chain/decodeRevert.js";
import {
  admitMembers,
  consortiumCall,
  type Deployment,
  giveSeats,
  govern,
  ProposalState,
  propose,
  proposeSampleGrant,
  queueAndExecute,
  Role,
  registryCall,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const DAY = 86_400n;

const state = (d: Deployment, id: bigint) => d.governor().read.state([id]);
const isAuditor = (d: Deployment) => d.consortium().read.hasRole([d.addresses[8]!, Role.auditor]);

describe("ConsortiumGovernor lifecycle", () => {
  it("lets a single seat pass a proposal with its own vote, then queue and execute it at once", async () => {
    const d = chain();
    expect(await d.governor().read.votingPeriod()).toBe(7n * DAY);
    expect(await d.governor().read.CLOCK_MODE()).toBe("mode=timestamp");
    expect(await d.governor().read.COUNTING_MODE()).toBe("support=bravo&quorum=for");
    const p = await propose(
      d,
      [consortiumCall(d, "admitMember", [d.addresses[1]!, "State Grid", Role.gridOperator, true])],
      "welcome",
    );
    expect(await state(d, p.id)).toBe(ProposalState.active);
    expect(await d.governor().read.proposalDeadline([p.id])).toBe(
      (await d.governor().read.proposalSnapshot([p.id])) + 7n * DAY,
    );
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    expect(await state(d, p.id)).toBe(ProposalState.succeeded);
    await d.mined(d.governor(0).write.queue([p.targets, p.values, p.calldatas, p.descriptionHash]));
    expect(await state(d, p.id)).toBe(ProposalState.queued);
    const receipt = await d.mined(
      d.governor(5).write.execute([p.targets, p.values, p.calldatas, p.descriptionHash]),
    );
    expect(await state(d, p.id)).toBe(ProposalState.executed);
    const admitted = parseEventLogs({ abi: consortiumAbi, logs: receipt.logs, eventName: "MemberAdmitted" });
    expect(admitted.map((e) => e.args)).toEqual([
      { org: d.addresses[1], name: "State Grid", roles: Role.gridOperator, seat: true },
    ]);
    expect(await d.consortium().read.seatCount()).toBe(2n);
  });

  it("succeeds as soon as more than two thirds vote for: 3 of 4 seats, before the deadline", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const p = await proposeSampleGrant(d);
    expect(await d.governor().read.quorum([await d.governor().read.proposalSnapshot([p.id])])).toBe(3n);
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    await d.mined(d.governor(1).write.castVote([p.id, 1]));
    expect(await state(d, p.id)).toBe(ProposalState.active);
    await expectRevert(
      d.governor(0).write.queue([p.targets, p.values, p.calldatas, p.descriptionHash]),
      "GovernorUnexpectedProposalState",
    );
    await d.mined(d.governor(2).write.castVote([p.id, 1]));
    expect(await state(d, p.id)).toBe(ProposalState.succeeded);
    expect(await d.governor().read.proposalVotes([p.id])).toEqual([0n, 3n, 0n]);
    await queueAndExecute(d, p);
    expect(await isAuditor(d)).toBe(true);
  });

  it("is defeated as soon as against-votes make passing impossible: 1 of 3 seats against", async () => {
    const d = chain();
    await giveSeats(d, 3);
    const p = await proposeSampleGrant(d);
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    await d.mined(d.governor(1).write.castVote([p.id, 0]));
    expect(await state(d, p.id)).toBe(ProposalState.defeated);
    await expectRevert(d.governor(2).write.castVote([p.id, 1]), "GovernorUnexpectedProposalState");
  });

  it("is defeated at the deadline when too few voted, and can be voted at the deadline itself", async () => {
    const d = chain();
    await giveSeats(d, 3);
    const p = await proposeSampleGrant(d);
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    const deadline = await d.governor().read.proposalDeadline([p.id]);
    await d.testClient.setNextBlockTimestamp({ timestamp: deadline });
    await d.mined(d.governor(1).write.castVote([p.id, 1]));
    expect(await state(d, p.id)).toBe(ProposalState.active);
    await d.testClient.setNextBlockTimestamp({ timestamp: deadline + 1n });
    await d.testClient.mine({ blocks: 1 });
    expect(await state(d, p.id)).toBe(ProposalState.defeated);
    await expectRevert(d.governor(2).write.castVote([p.id, 1]), "GovernorUnexpectedProposalState");
    expect(await isAuditor(d)).toBe(false);
  });

  it("refuses a second vote from the same seat holder", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const p = await proposeSampleGrant(d);
    await d.mined(d.governor(1).write.castVote([p.id, 0]));
    expect(await d.governor().read.hasVoted([p.id, d.addresses[1]!])).toBe(true);
    expect(await d.governor().read.hasVoted([p.id, d.addresses[2]!])).toBe(false);
    await expectRevert(d.governor(1).write.castVote([p.id, 1]), "GovernorAlreadyCastVote", [d.addresses[1]]);
  });

  it("lets the proposer cancel while voting is open, and no one else", async () => {
    const d = chain();
    await giveSeats(d, 3);
    const p = await proposeSampleGrant(d, 1);
    const args = [p.targets, p.values, p.calldatas, p.descriptionHash] as const;
    await expectRevert(d.governor(0).write.cancel(args), "GovernorUnableToCancel", [p.id, d.addresses[0]]);
    const receipt = await d.mined(d.governor(1).write.cancel(args));
    expect(
      parseEventLogs({ abi: consortiumGovernorAbi, logs: receipt.logs }).map((e) => e.eventName),
    ).toEqual(["ProposalCanceled"]);
    expect(await state(d, p.id)).toBe(ProposalState.canceled);
    await expectRevert(d.governor(2).write.castVote([p.id, 1]), "GovernorUnexpectedProposalState");
  });

  it("executes a proposal of calls to two contracts in one transaction", async () => {
    const d = chain();
    await giveSeats(d, 2);
    const receipt = await govern(d, [
      consortiumCall(d, "grantRole", [d.addresses[1]!, Role.regionOperator]),
      registryCall(d, "approveRegion", ["CN-SH", "上海", "Shanghai", d.addresses[1]!, 900]),
    ]);
    expect(await d.governor().read.state([receipt.id])).toBe(ProposalState.executed);
    const region = await d.registry().read.region([await regionId("CN-SH")]);
    expect(region).toMatchObject({ code: "CN-SH", operator: d.addresses[1], intervalSeconds: 900 });
  });

  it("reports a failing call when it executes, and the proposal stays succeeded", async () => {
    const d = chain();
    const p = await propose(
      d,
      [consortiumCall(d, "grantRole", [d.addresses[3]!, Role.auditor])],
      "not a member",
    );
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    await d.mined(d.governor(0).write.queue([p.targets, p.values, p.calldatas, p.descriptionHash]));
    await expectRevert(
      d.governor(0).write.execute([p.targets, p.values, p.calldatas, p.descriptionHash]),
      "ConsortiumNotMember",
      [d.addresses[3]],
      { abi: consortiumAbi },
    );
    // The node names it too, though the Governor's ABI does not declare it.
    const refused = await d
      .governor(0)
      .write.execute([p.targets, p.values, p.calldatas, p.descriptionHash])
      .catch(decodeChainError);
    expect(refused).toMatchObject({ code: "CONSORTIUM_NOT_MEMBER", details: { org: d.addresses[3] } });
    expect(await state(d, p.id)).toBe(ProposalState.queued);
  });
});

describe("ConsortiumGovernor votes: one seat, one vote at the snapshot", () => {
  it("refuses a vote from a member admitted after the proposal's snapshot, and does not count its seat", async () => {
    const d = chain();
    await giveSeats(d, 3);
    const p = await proposeSampleGrant(d);
    await d.testClient.increaseTime({ seconds: 10 });
    await admitMembers(d, [{ account: 4, name: "Late Co", roles: 0, seat: true }]);
    const snapshot = await d.governor().read.proposalSnapshot([p.id]);
    expect(await d.consortium().read.seatCount()).toBe(4n);
    expect(await d.consortium().read.seatCountAt([Number(snapshot)])).toBe(3n);
    expect(await d.governor().read.getVotes([d.addresses[4]!, snapshot])).toBe(0n);
    await expectRevert(d.governor(4).write.castVote([p.id, 1]), "ConsortiumGovernorNotSeatHolder", [
      d.addresses[4],
      snapshot,
    ]);
    // 3 of the snapshot's 3 seats pass it, whatever the seats are now.
    for (const voter of [0, 1, 2]) await d.mined(d.governor(voter).write.castVote([p.id, 1]));
    expect(await state(d, p.id)).toBe(ProposalState.succeeded);
  });

  it("refuses a vote from a member without a seat and from a non-member", async () => {
    const d = chain();
    await admitMembers(d, [{ account: 3, name: "No Seat Co", roles: Role.prosumer, seat: false }]);
    const p = await proposeSampleGrant(d);
    const snapshot = await d.governor().read.proposalSnapshot([p.id]);
    for (const voter of [3, 9]) {
      await expectRevert(d.governor(voter).write.castVote([p.id, 1]), "ConsortiumGovernorNotSeatHolder", [
        d.addresses[voter],
        snapshot,
      ]);
    }
  });

  it("refuses a proposal from a member without a seat and from a non-member", async () => {
    const d = chain();
    await admitMembers(d, [{ account: 3, name: "No Seat Co", roles: Role.prosumer, seat: false }]);
    for (const proposer of [3, 9]) {
      await expectRevert(
        propose(d, [consortiumCall(d, "grantRole", [d.addresses[3]!, Role.auditor])], "no seat", proposer),
        "GovernorInsufficientProposerVotes",
        [d.addresses[proposer], 0n, 1n],
      );
    }
  });

  it("keeps counting a removed member's vote cast while it held a seat at the snapshot", async () => {
    const d = chain();
    await giveSeats(d, 4);
    const p = await proposeSampleGrant(d);
    await d.mined(d.governor(3).write.castVote([p.id, 1]));
    await govern(d, [consortiumCall(d, "removeMember", [d.addresses[3]!])], "remove", [0, 1, 2]);
    expect(await d.consortium().read.isMember([d.addresses[3]!])).toBe(false);
    expect(await d.governor().read.proposalVotes([p.id])).toEqual([0n, 1n, 0n]);
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    await d.mined(d.governor(1).write.castVote([p.id, 1]));
    expect(await state(d, p.id)).toBe(ProposalState.succeeded);
  });
});

async function regionId(code: string) {
  const { keccak256, stringToHex } = await import("viem");
  return keccak256(stringToHex(code));
}
