import { type Address, type Hex, parseEventLogs, type TransactionReceipt } from "viem";
import { consortiumAbi, registryAbi } from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import { BaseError } from "../core/errors.js";
import { type ProposalInput, proposalCall, proposalKinds, proposalStates } from "./proposals.js";

/** Addresses of the GridLedger contracts on the chain. */
export type GridContracts = { Consortium: Address; Registry: Address; MeterAnchor: Address };

/** One device to register, already validated and encoded (see deviceInput.ts). */
export type DeviceInput = {
  scheme: number;
  publicKey: Hex;
  owner: Address;
  regionId: Hex;
  kind: number;
  source: number;
  capacityW: bigint;
  community: Address;
};

/** Devices per transaction: keeps a batch well under a 30M-gas block. */
export const devicesPerTransaction = 150;

/** What a proposal, vote or execution did. */
export type ProposalOutcome = { proposalId: string; executed: boolean; txHash: Hex; blockNumber: number };

/** A proposal as the API shows it. */
export type ProposalView = {
  id: string;
  kind: string;
  proposer: Address;
  createdAt: number;
  deadline: number;
  forVotes: number;
  againstVotes: number;
  state: string;
  description: string;
};

const kindNames = Object.fromEntries(Object.entries(proposalKinds).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

/** Writes to and live reads from the Consortium and Registry contracts, signed by the node operator. */
export function createRegistryClient(options: { client: ChainClient; contracts: GridContracts }) {
  const { client, contracts } = options;
  const consortium = { address: contracts.Consortium, abi: consortiumAbi } as const;
  // Executing a proposal calls the Registry, whose refusals bubble up through the Consortium.
  const consortiumWrites = {
    address: contracts.Consortium,
    abi: [...consortiumAbi, ...registryAbi.filter((item) => item.type === "error")],
  } as const;

  function outcome(receipt: TransactionReceipt, knownId?: bigint): ProposalOutcome {
    const events = parseEventLogs({ abi: consortiumAbi, logs: receipt.logs });
    let id = knownId;
    let executed = false;
    for (const event of events) {
      if (event.eventName === "ProposalCreated") id = event.args.id;
      if (event.eventName === "ProposalExecuted" && (id === undefined || event.args.id === id))
        executed = true;
    }
    return {
      proposalId: String(id ?? ""),
      executed,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
    };
  }

  async function readProposal(id: bigint): Promise<ProposalView> {
    const p = await client.publicClient.readContract({ ...consortium, functionName: "proposal", args: [id] });
    return {
      id: id.toString(),
      kind: kindNames[Number(p.kind)] ?? `unknown(${p.kind})`,
      proposer: p.proposer,
      createdAt: Number(p.createdAt),
      deadline: Number(p.deadline),
      forVotes: Number(p.forVotes),
      againstVotes: Number(p.againstVotes),
      state: proposalStates[Number(p.state)] ?? `unknown(${p.state})`,
      description: p.description,
    };
  }

  return {
    contracts,
    operator: client.sender.account.address,

    /** Proposes (and, as the proposer, votes for) a change; with enough seats it takes effect at once. */
    async propose(input: ProposalInput, description = ""): Promise<ProposalOutcome> {
      const call = proposalCall(input, client.sender.account.address);
      const receipt = await client.sender.write({
        ...consortiumWrites,
        functionName: call.functionName,
        args: [...call.args, description],
      });
      return outcome(receipt);
    },

    async vote(id: bigint, support: boolean): Promise<ProposalOutcome> {
      const receipt = await client.sender.write({
        ...consortiumWrites,
        functionName: "vote",
        args: [id, support],
      });
      return outcome(receipt, id);
    },

    async execute(id: bigint): Promise<ProposalOutcome> {
      const receipt = await client.sender.write({ ...consortiumWrites, functionName: "execute", args: [id] });
      return outcome(receipt, id);
    },

    readProposal,

    /** Every proposal, newest first. */
    async listProposals(): Promise<ProposalView[]> {
      const count = await client.publicClient.readContract({ ...consortium, functionName: "proposalCount" });
      const ids: bigint[] = [];
      // Proposal ids start at 1 (see Consortium.sol).
      for (let id = count; id >= 1n; id--) ids.push(id);
      return Promise.all(ids.map(readProposal));
    },

    /** Seats, quorum and voting period as the chain holds them now. */
    async governance(): Promise<{
      seats: number;
      quorum: { numerator: number; denominator: number };
      votingPeriod: number;
    }> {
      const [seats, [numerator, denominator], votingPeriod] = await Promise.all([
        client.publicClient.readContract({ ...consortium, functionName: "seatCount" }),
        client.publicClient.readContract({ ...consortium, functionName: "quorum" }),
        client.publicClient.readContract({ ...consortium, functionName: "votingPeriod" }),
      ]);
      return {
        seats: Number(seats),
        quorum: { numerator: Number(numerator), denominator: Number(denominator) },
        votingPeriod: Number(votingPeriod),
      };
    },

    /**
     * Registers devices in as few transactions as possible ({@link devicesPerTransaction} each).
     * A refusal names the device; batches sent before it stay registered.
     */
    async registerDevices(devices: DeviceInput[]): Promise<{ txHashes: Hex[] }> {
      if (devices.length === 0) throw new BaseError("REGISTRY_EMPTY_BATCH", "no devices to register");
      const txHashes: Hex[] = [];
      for (let i = 0; i < devices.length; i += devicesPerTransaction) {
        const receipt = await client.sender.write({
          address: contracts.Registry,
          abi: registryAbi,
          functionName: "registerDevices",
          args: [devices.slice(i, i + devicesPerTransaction)],
        });
        txHashes.push(receipt.transactionHash);
      }
      return { txHashes };
    },

    async setDeviceStatus(deviceId: Hex, status: number): Promise<{ txHash: Hex }> {
      const receipt = await client.sender.write({
        address: contracts.Registry,
        abi: registryAbi,
        functionName: "setDeviceStatus",
        args: [deviceId, status],
      });
      return { txHash: receipt.transactionHash };
    },
  };
}

/** The registry's chain actions of a node. */
export type RegistryClient = ReturnType<typeof createRegistryClient>;
