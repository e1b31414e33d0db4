import { randomBytes } from "node:crypto";
import {
  type Address,
  decodeFunctionData,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToBytes,
  type TransactionReceipt,
} from "viem";
import type { ChainClient } from "../chain/chainClient.js";
import { decodeChainError } from "../chain/decodeRevert.js";
import { type ContractAddresses, contractManifest, contractSpec } from "../chain/manifest.js";
import { BaseError } from "../core/errors.js";
import { proposalStates } from "../registry/proposals.js";
import { type DecodedCall, decodeCalls, proposalKindOf } from "./decodeCalls.js";
import {
  type EncodedCall,
  type EncodedProposal,
  encodedProposal,
  shownDescription,
  uniqueDescription,
} from "./proposalForms.js";

/** What a proposal, vote, queue or execution did. */
export type ProposalOutcome = { proposalId: string; executed: boolean; txHash: Hex; blockNumber: number };

/** A proposal as the API shows it, with its calls decoded. */
export type ProposalView = {
  id: string;
  /** The friendly form it was made with (`admit-member`, …), or `call`. */
  kind: string;
  proposer: Address;
  createdAt: number;
  deadline: number;
  forVotes: number;
  againstVotes: number;
  /** pending, active, canceled, defeated, succeeded, queued, expired or executed. */
  state: string;
  /** The description without the node's unique marker. */
  description: string;
  /** What an `update-region` proposal changes, e.g. `CN-GD nameEn: Guangdong → Canton`; null for other kinds. */
  change: string | null;
  calls: DecodedCall[];
};

/** A proposal as the Governor recorded it in its `ProposalCreated` event. */
type Created = EncodedProposal & {
  id: bigint;
  proposer: Address;
  voteStart: bigint;
  voteEnd: bigint;
  blockNumber: bigint;
};

/** Governor refusals shown with the codes the consortium's own proposals had (the API's codes stay). */
const sameAsBefore: Record<string, string> = {
  GOVERNOR_NONEXISTENT_PROPOSAL: "CONSORTIUM_UNKNOWN_PROPOSAL",
  GOVERNOR_ALREADY_CAST_VOTE: "CONSORTIUM_ALREADY_VOTED",
  GOVERNOR_INSUFFICIENT_PROPOSER_VOTES: "CONSORTIUM_NOT_SEAT_HOLDER",
  GOVERNOR_UNEXPECTED_PROPOSAL_STATE: "CONSORTIUM_PROPOSAL_NOT_ACTIVE",
};

function translated(error: unknown): BaseError {
  const decoded = decodeChainError(error);
  const code = sameAsBefore[decoded.code];
  if (code === undefined) return decoded;
  return new BaseError(code, decoded.message, { details: decoded.details, cause: decoded });
}

/** A region's names and operator as the chain held them (Registry `region`). */
type RegionRecord = { nameZh: string; nameEn: string; operator: Address };

/** "CODE field: from → to; …" for what an `updateRegion` call changes from `before`. */
export function describeRegionChange(args: readonly unknown[], before: RegionRecord): string {
  const [code, nameZh, nameEn, operator] = args.map(String);
  const changes = [
    ["nameZh", before.nameZh, nameZh],
    ["nameEn", before.nameEn, nameEn],
    ["operator", before.operator, operator],
  ]
    .filter(([, from, to]) => from !== to)
    .map(([field, from, to]) => `${field}: ${from} → ${to}`);
  return `${code} ${changes.join("; ")}`;
}

/**
 * The consortium's governance through the Governor (OpenZeppelin Governor + TimelockControl), signed
 * by the node operator: propose encoded calls, vote, queue, execute, cancel, and read proposals from the
 * Governor's `ProposalCreated` logs with their calls decoded by the manifest's ABIs.
 */
export function createGovernanceClient(options: {
  client: ChainClient;
  contracts: ContractAddresses;
  /** First block to scan for proposals (the founding block). */
  fromBlock?: bigint;
}) {
  const { client, contracts } = options;
  const { publicClient, sender } = client;
  const governorAbi = contractSpec("ConsortiumGovernor").abi;
  const governor = { address: contracts.ConsortiumGovernor, abi: governorAbi } as const;
  const known = new Map<bigint, Created>();

  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({ ...governor, functionName, args } as never) as Promise<T>;

  async function write(functionName: string, args: readonly unknown[]): Promise<TransactionReceipt> {
    try {
      return await sender.write({ ...governor, functionName, args });
    } catch (error) {
      throw translated(error);
    }
  }

  /** Every proposal the Governor recorded, oldest first. */
  async function scan(): Promise<Created[]> {
    const logs = await publicClient.getLogs({
      address: contracts.ConsortiumGovernor,
      fromBlock: options.fromBlock ?? 0n,
      toBlock: "latest",
    });
    for (const log of parseEventLogs({ abi: governorAbi, logs, eventName: "ProposalCreated" })) {
      const a = log.args as unknown as {
        proposalId: bigint;
        proposer: Address;
        targets: Address[];
        values: bigint[];
        calldatas: Hex[];
        voteStart: bigint;
        voteEnd: bigint;
        description: string;
      };
      known.set(a.proposalId, {
        id: a.proposalId,
        proposer: a.proposer,
        targets: [...a.targets],
        values: [...a.values],
        calldatas: [...a.calldatas],
        description: a.description,
        voteStart: a.voteStart,
        voteEnd: a.voteEnd,
        blockNumber: log.blockNumber,
      });
    }
    return [...known.values()].sort((x, y) => Number(x.blockNumber - y.blockNumber));
  }

  async function created(id: bigint): Promise<Created> {
    if (!known.has(id)) await scan();
    const found = known.get(id);
    if (!found) {
      throw new BaseError("CONSORTIUM_UNKNOWN_PROPOSAL", `there is no proposal ${id}`, {
        details: { proposalId: id.toString() },
      });
    }
    return found;
  }

  const stateOf = async (id: bigint) =>
    proposalStates[Number(await read<number>("state", [id]))] ?? "unknown";

  function outcome(receipt: TransactionReceipt, id: bigint, executed: boolean): ProposalOutcome {
    return {
      proposalId: id.toString(),
      executed,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
    };
  }

  const lifecycleArgs = (p: Created) => [
    p.targets,
    p.values,
    p.calldatas,
    keccak256(stringToBytes(p.description)),
  ];

  /** When a queued proposal may be executed, or undefined when its timelock delay has passed. */
  async function timelockEta(id: bigint): Promise<bigint | undefined> {
    const [eta, block] = await Promise.all([
      read<bigint>("proposalEta", [id]),
      publicClient.getBlock({ blockTag: "latest" }),
    ]);
    return eta <= block.timestamp ? undefined : eta;
  }

  /**
   * Moves a proposal on as far as it can go now: queues it once it succeeded and executes it once
   * its timelock delay has passed (at once with the default delay 0).
   */
  async function advance(id: bigint, last: TransactionReceipt): Promise<ProposalOutcome> {
    let receipt = last;
    let state = await stateOf(id);
    if (state === "succeeded") {
      receipt = await write("queue", lifecycleArgs(await created(id)));
      state = await stateOf(id);
    }
    if (state === "queued") {
      if ((await timelockEta(id)) === undefined) {
        receipt = await write("execute", lifecycleArgs(await created(id)));
        state = "executed";
      }
    }
    return outcome(receipt, id, state === "executed");
  }

  /** Runs a lone call as the timelock would, so a refusal comes back before anything is proposed. */
  async function preflight(call: EncodedCall): Promise<void> {
    const spec = contractManifest.find((s) => contracts[s.name].toLowerCase() === call.target.toLowerCase());
    if (!spec) return;
    const { functionName, args } = decodeFunctionData({ abi: spec.abi, data: call.data });
    await publicClient
      .simulateContract({
        address: call.target,
        abi: spec.abi,
        functionName,
        args,
        account: contracts.GridTimelock,
      } as never)
      .catch((error: unknown) => {
        throw decodeChainError(error);
      });
  }

  async function votesOf(id: bigint, voter: Address): Promise<bigint> {
    const snapshot = await read<bigint>("proposalSnapshot", [id]);
    if (snapshot === 0n) await created(id);
    return read<bigint>("getVotes", [voter, snapshot]);
  }

  async function castVote(id: bigint, support: boolean): Promise<TransactionReceipt> {
    if ((await votesOf(id, sender.account.address)) === 0n) {
      throw new BaseError(
        "CONSORTIUM_NOT_SEAT_HOLDER",
        `${sender.account.address} has no seat to vote with`,
        {
          details: { caller: sender.account.address, proposalId: id.toString() },
        },
      );
    }
    return write("castVote", [id, support ? 1 : 0]);
  }

  async function readProposal(id: bigint): Promise<ProposalView> {
    const p = await created(id);
    const [state, [against, forVotes]] = await Promise.all([
      stateOf(id),
      read<readonly [bigint, bigint, bigint]>("proposalVotes", [id]),
    ]);
    const calls = decodeCalls(p, contracts);
    const kind = proposalKindOf(calls);
    let change: string | null = null;
    const [first] = calls;
    if (kind === "update-region" && first) {
      // The region as it was when the proposal was made: what the update changes.
      const before = (await publicClient.readContract({
        address: first.target,
        abi: contractSpec("Registry").abi,
        functionName: "region",
        args: [keccak256(stringToBytes(String(first.args[0])))],
        blockNumber: p.blockNumber,
      } as never)) as RegionRecord;
      change = describeRegionChange(first.args, before);
    }
    return {
      id: id.toString(),
      kind,
      proposer: p.proposer,
      createdAt: Number(p.voteStart),
      deadline: Number(p.voteEnd),
      forVotes: Number(forVotes),
      againstVotes: Number(against),
      state,
      description: shownDescription(p.description),
      change,
      calls,
    };
  }

  return {
    contracts,

    /**
     * Proposes calls (a lone call is first tried as the timelock would run it, so a refusal comes back
     * named before anything is sent), votes for them as the proposer, and, when that vote passes,
     * queues and executes them at once (timelock delay 0).
     */
    async propose(calls: readonly EncodedCall[], description: unknown): Promise<ProposalOutcome> {
      const text = uniqueDescription(description, Date.now() / 1000, randomBytes(4).toString("hex"));
      const [only] = calls;
      if (calls.length === 1 && only) await preflight(only);
      const proposal = encodedProposal(calls, text);
      const receipt = await write("propose", [
        proposal.targets,
        proposal.values,
        proposal.calldatas,
        proposal.description,
      ]);
      const [event] = parseEventLogs({ abi: governorAbi, logs: receipt.logs, eventName: "ProposalCreated" });
      const id = (event?.args as { proposalId?: bigint } | undefined)?.proposalId;
      if (id === undefined) throw new BaseError("CHAIN_REQUEST_FAILED", "the Governor created no proposal");
      const voted = await castVote(id, true);
      return advance(id, voted);
    },

    /** Votes as the node's organisation; the vote that makes a proposal pass queues and executes it. */
    async vote(id: bigint, support: boolean): Promise<ProposalOutcome> {
      await created(id);
      return advance(id, await castVote(id, support));
    },

    /** Queues a proposal that succeeded (it can be executed once the timelock delay has passed). */
    async queue(id: bigint): Promise<ProposalOutcome> {
      const receipt = await write("queue", lifecycleArgs(await created(id)));
      return outcome(receipt, id, false);
    },

    /** Queues (when needed) and executes a proposal that passed (`CONSORTIUM_QUORUM_NOT_REACHED` otherwise). */
    async execute(id: bigint): Promise<ProposalOutcome> {
      const p = await created(id);
      const state = await stateOf(id);
      if (state !== "succeeded" && state !== "queued") {
        const [against, forVotes] = await read<readonly [bigint, bigint, bigint]>("proposalVotes", [id]);
        throw new BaseError(
          state === "active" ? "CONSORTIUM_QUORUM_NOT_REACHED" : "CONSORTIUM_PROPOSAL_NOT_ACTIVE",
          `proposal ${id} is ${state}: it cannot be executed`,
          {
            details: {
              proposalId: id.toString(),
              state,
              forVotes: Number(forVotes),
              againstVotes: Number(against),
            },
          },
        );
      }
      if (state === "succeeded") return advance(id, await write("queue", lifecycleArgs(p)));
      const eta = await timelockEta(id);
      if (eta !== undefined) {
        throw new BaseError(
          "GOVERNANCE_TIMELOCK_NOT_READY",
          `proposal ${id} waits in the timelock until ${new Date(Number(eta) * 1000).toISOString()}`,
          { details: { proposalId: id.toString(), eta: Number(eta) } },
        );
      }
      return advance(id, await write("execute", lifecycleArgs(p)));
    },

    /** Cancels a proposal (the Governor lets its proposer do so while it is pending). */
    async cancel(id: bigint): Promise<ProposalOutcome> {
      const receipt = await write("cancel", lifecycleArgs(await created(id)));
      return outcome(receipt, id, false);
    },

    /** A proposal's state name. */
    state: stateOf,

    readProposal,

    /** Every proposal, newest first. */
    async listProposals(): Promise<ProposalView[]> {
      const all = await scan();
      return Promise.all(all.reverse().map((p) => readProposal(p.id)));
    },

    /** The timelock's delay between queueing and executing, in seconds. */
    async timelockDelay(): Promise<number> {
      const delay = await publicClient.readContract({
        address: contracts.GridTimelock,
        abi: contractSpec("GridTimelock").abi,
        functionName: "getMinDelay",
      } as never);
      return Number(delay as bigint);
    },
  };
}

/** The governance client of a node. */
export type GovernanceClient = ReturnType<typeof createGovernanceClient>;
