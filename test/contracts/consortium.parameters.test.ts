import { parseEventLogs, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi } from "../../src/chain/artifacts/index.js";
import {
  admitMembers,
  asGovernance,
  consortiumCall,
  giveSeats,
  govern,
  ProposalState,
  proposeSampleGrant,
  Role,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const name = (text: string) => stringToHex(text, { size: 32 });
const DAY = 86_400n;

describe("Consortium parameters", () => {
  it("changes the threshold only by a passing vote, and the governor uses the new threshold", async () => {
    const d = chain();
    await giveSeats(d, 3);
    await expectRevert(
      d.consortium(0).write.setParameter([name("quorum.denominator"), 4n]),
      "AccessManagedUnauthorized",
      [d.addresses[0]],
    );
    const { receipt } = await govern(
      d,
      [consortiumCall(d, "setParameter", [name("quorum.denominator"), 4n])],
      "simple majority",
    );
    expect(
      parseEventLogs({ abi: consortiumAbi, logs: receipt.logs, eventName: "ParameterSet" })[0]?.args,
    ).toEqual({
      name: name("quorum.denominator"),
      value: 4n,
    });
    expect(await d.consortium().read.quorum()).toEqual([2n, 4n]);
    expect(await d.consortium().read.parameter([name("quorum.denominator")])).toBe(4n);

    // Under 2/3, 2 of 3 seats did not pass; under 2/4 (more than half) they do.
    const p = await proposeSampleGrant(d);
    await d.mined(d.governor(0).write.castVote([p.id, 1]));
    expect(await d.governor().read.state([p.id])).toBe(ProposalState.active);
    await d.mined(d.governor(1).write.castVote([p.id, 1]));
    expect(await d.governor().read.state([p.id])).toBe(ProposalState.succeeded);
  });

  it("refuses an invalid quorum, voting period or reserved name", async () => {
    const d = chain();
    const set = (n: string, value: bigint) =>
      asGovernance(d, consortiumCall(d, "setParameter", [name(n), value]));
    await expectRevert(set("quorum.numerator", 0n), "ConsortiumInvalidQuorum", [0n, 3n]);
    await expectRevert(set("quorum.numerator", 1n), "ConsortiumInvalidQuorum", [1n, 3n]);
    await expectRevert(set("quorum.numerator", 3n), "ConsortiumInvalidQuorum", [3n, 3n]);
    await expectRevert(set("quorum.denominator", 2n), "ConsortiumInvalidQuorum", [2n, 2n]);
    await expectRevert(set("quorum.denominator", 5n), "ConsortiumInvalidQuorum", [2n, 5n]);
    await expectRevert(set("quorum.denominator", 2n ** 256n - 1n), "ConsortiumInvalidQuorum", [
      2n,
      2n ** 256n - 1n,
    ]);
    await expectRevert(set("voting.period", 3599n), "ConsortiumInvalidVotingPeriod", [3599n]);
    await expectRevert(set("voting.period", 366n * DAY), "ConsortiumInvalidVotingPeriod", [366n * DAY]);
    await expectRevert(set("quorum.numerater", 2n), "ConsortiumReservedParameter", [
      name("quorum.numerater"),
    ]);
    await expectRevert(set("voting.delay", 2n), "ConsortiumReservedParameter", [name("voting.delay")]);
    await expectRevert(set("", 2n), "ConsortiumReservedParameter", [name("")]);
  });

  it("sets a free named parameter, and a new voting period applies to the next proposals", async () => {
    const d = chain();
    await govern(d, [
      consortiumCall(d, "setParameter", [name("market.fee.bps"), 25n]),
      consortiumCall(d, "setParameter", [name("voting.period"), 3600n]),
    ]);
    expect(await d.consortium().read.parameter([name("market.fee.bps")])).toBe(25n);
    expect(await d.consortium().read.parameter([name("unset")])).toBe(0n);
    expect(await d.consortium().read.votingPeriod()).toBe(3600n);
    expect(await d.governor().read.votingPeriod()).toBe(3600n);
    await admitMembers(d, [{ account: 1, name: "Grid Co", roles: Role.gridOperator, seat: true }]);
    const p = await proposeSampleGrant(d);
    const snapshot = await d.governor().read.proposalSnapshot([p.id]);
    expect((await d.governor().read.proposalDeadline([p.id])) - snapshot).toBe(3600n);
  });
});
