import { describe, expect, it } from "vitest";
import { gridTimelockAbi } from "../../src/chain/artifacts/index.js";
import { consortiumCall, ProposalState, propose, Role, setupGridLedger } from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const HOUR = 3600n;
const chain = setupGridLedger({ timelockDelay: HOUR });

describe("ConsortiumGovernor with a timelock delay", () => {
  it("refuses to execute a queued proposal before the delay and executes it after", async () => {
    const d = chain();
    expect(await d.timelock().read.getMinDelay()).toBe(HOUR);
    const p = await propose(
      d,
      [consortiumCall(d, "admitMember", [d.addresses[1]!, "State Grid", Role.gridOperator, true])],
      "welcome, later",
    );
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    const args = [p.targets, p.values, p.calldatas, p.descriptionHash] as const;
    await d.mined(d.governor(0).write.queue(args));
    expect(await d.governor().read.state([p.id])).toBe(ProposalState.queued);
    const eta = await d.governor().read.proposalEta([p.id]);
    const queuedAt = (await d.publicClient.getBlock()).timestamp;
    expect(eta).toBe(queuedAt + HOUR);
    await expectRevert(d.governor(0).write.execute(args), "TimelockUnexpectedOperationState", undefined, {
      abi: gridTimelockAbi,
    });
    expect(await d.consortium().read.isMember([d.addresses[1]!])).toBe(false);

    await d.testClient.increaseTime({ seconds: Number(HOUR) });
    await d.testClient.mine({ blocks: 1 });
    await d.mined(d.governor(7).write.execute(args));
    expect(await d.governor().read.state([p.id])).toBe(ProposalState.executed);
    expect(await d.consortium().read.isMember([d.addresses[1]!])).toBe(true);
  });

  it("lets the proposer cancel a proposal before it is queued, never after it is decided", async () => {
    const d = chain();
    const p = await propose(d, [consortiumCall(d, "grantRole", [d.addresses[0]!, Role.auditor])], "audit");
    const args = [p.targets, p.values, p.calldatas, p.descriptionHash] as const;
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    await d.mined(d.governor(0).write.queue(args));
    await expectRevert(d.governor(0).write.cancel(args), "GovernorUnableToCancel", [p.id, d.addresses[0]]);
  });
});
