import { type Address, decodeAbiParameters, type Hex, parseEventLogs, type TransactionReceipt } from "viem";
import { consortiumAbi, registryAbi } from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import { decodeChainError } from "../chain/decodeRevert.js";
import { BaseError } from "../core/errors.js";
import {
  checkProposalText,
  type ProposalCall,
  type ProposalInput,
  proposalCall,
  proposalDescription,
  proposalKinds,
  proposalStates,
  type RegionState,
} from "./proposals.js";
import { normaliseRegionCode, regionIdOf } from "./regionCode.js";

/** Addresses of the GridLedger contracts on the chain. */
export type GridContracts = {
  Consortium: Address;
  Registry: Address;
  MeterAnchor: Address;
  Accounts: Address;
};

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
  /** What an `update-region` proposal changes, e.g. `nameEn: Guangdong → Canton`; null for other kinds. */
  change: string | null;
};

/** The payload of an update-region proposal (see PROPOSAL_UPDATE_REGION in IConsortium.sol). */
const updateRegionPayload = [
  { type: "string", name: "code" },
  { type: "string", name: "nameZh" },
  { type: "string", name: "nameEn" },
  { type: "address", name: "operator" },
  { type: "string", name: "fromNameZh" },
  { type: "string", name: "fromNameEn" },
  { type: "address", name: "fromOperator" },
] as const;

/** "field: from → to" for each field an update-region payload changes, joined with "; ". */
export function describeRegionUpdate(payload: Hex): string {
  const [code, nameZh, nameEn, operator, fromZh, fromEn, fromOperator] = decodeAbiParameters(
    updateRegionPayload,
    payload,
  );
  const changes = [
    ["nameZh", fromZh, nameZh],
    ["nameEn", fromEn, nameEn],
    ["operator", fromOperator, operator],
  ]
    .filter(([, from, to]) => from !== to)
    .map(([field, from, to]) => `${field}: ${from} → ${to}`);
  return `${code} ${changes.join("; ")}`;
}

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
      change: p.kind === proposalKinds["update-region"] ? describeRegionUpdate(p.payload) : null,
    };
  }

  /**
   * A region's names and operator as the chain holds them now; undefined when it is not approved.
   * Reads `region()`, which Registries deployed before `hasRegion()` existed also have.
   */
  async function regionState(code: string): Promise<RegionState | undefined> {
    try {
      return await client.publicClient.readContract({
        address: contracts.Registry,
        abi: registryAbi,
        functionName: "region",
        args: [regionIdOf(code)],
      });
    } catch (error) {
      if (decodeChainError(error).code === "REGISTRY_UNKNOWN_REGION") return undefined;
      throw error;
    }
  }

  return {
    contracts,
    operator: client.sender.account.address,

    /**
     * Proposes (and, as the proposer, votes for) a change; with enough seats it takes effect at once.
     * Refuses before sending an `approve-region` of a code the chain holds (`REGISTRY_REGION_EXISTS`);
     * an `update-region` starts from the region as the chain holds it.
     */
    async propose(input: ProposalInput, description = ""): Promise<ProposalOutcome> {
      checkProposalText(input);
      const text = proposalDescription(description);
      const sender = client.sender.account.address;
      let call: ProposalCall;
      if (input.kind === "update-region") {
        const code = normaliseRegionCode(typeof input.code === "string" ? input.code : "");
        call = proposalCall({ ...input, code }, sender, await regionState(code));
      } else {
        call = proposalCall(input, sender);
        if (input.kind === "approve-region" && (await regionState(String(call.args[0])))) {
          const code = String(call.args[0]);
          throw new BaseError(
            "REGISTRY_REGION_EXISTS",
            `region ${code} is approved already; change its names or operator with "gridledger region update"`,
            { details: { region: code } },
          );
        }
      }
      const receipt = await client.sender.write({
        ...consortiumWrites,
        functionName: call.functionName,
        args: [...call.args, text],
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

    /** Activates pending devices of regions this node operates (one transaction). */
    async approveDevices(deviceIds: Hex[]): Promise<{ txHash: Hex }> {
      if (deviceIds.length === 0) throw new BaseError("REGISTRY_EMPTY_BATCH", "no devices to approve");
      const receipt = await client.sender.write({
        address: contracts.Registry,
        abi: registryAbi,
        functionName: "approveDevices",
        args: [deviceIds],
      });
      return { txHash: receipt.transactionHash };
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
