import type { Address, Hex } from "viem";
import type { ChainClient } from "../chain/chainClient.js";
import { decodeChainError } from "../chain/decodeRevert.js";
import { type ContractAddresses, contractSpec } from "../chain/manifest.js";
import { BaseError } from "../core/errors.js";
import type { GovernanceClient, ProposalOutcome } from "../governance/governanceClient.js";
import {
  type EncodedCall,
  encodeGovernanceForm,
  encodeProposalCall,
  type GovernanceForm,
  governanceFormKinds,
} from "../governance/proposalForms.js";
import {
  checkProposalText,
  type ProposalInput,
  proposalCall,
  type RegionState,
  type RegistryProposalInput,
} from "./proposals.js";
import { normaliseRegionCode, regionIdOf } from "./regionCode.js";

/** Addresses of the GridLedger contracts on the chain, by manifest name. */
export type GridContracts = ContractAddresses;

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

/**
 * Writes to and live reads from the Consortium and Registry contracts, signed by the node operator;
 * proposals go through the Governor (`governance`).
 */
export function createRegistryClient(options: {
  client: ChainClient;
  contracts: GridContracts;
  governance: GovernanceClient;
}) {
  const { client, contracts, governance } = options;
  const consortium = { address: contracts.Consortium, abi: contractSpec("Consortium").abi } as const;
  const registry = { address: contracts.Registry, abi: contractSpec("Registry").abi } as const;

  /**
   * A region's names and operator as the chain holds them now; undefined when it is not approved.
   * Reads `region()`, which Registries deployed before `hasRegion()` existed also have.
   */
  async function regionState(code: string): Promise<RegionState | undefined> {
    try {
      return (await client.publicClient.readContract({
        ...registry,
        functionName: "region",
        args: [regionIdOf(code)],
      } as never)) as RegionState;
    } catch (error) {
      if (decodeChainError(error).code === "REGISTRY_UNKNOWN_REGION") return undefined;
      throw error;
    }
  }

  /**
   * The calls a friendly proposal makes. Refuses before sending an `approve-region` of a code the
   * chain holds (`REGISTRY_REGION_EXISTS`); an `update-region` starts from the region as the chain holds it.
   */
  async function callsOf(input: ProposalInput): Promise<EncodedCall[]> {
    if ((governanceFormKinds as readonly string[]).includes(input.kind)) {
      return [encodeGovernanceForm(input as GovernanceForm, contracts)];
    }
    const form = input as RegistryProposalInput;
    const sender = client.sender.account.address;
    if (form.kind === "update-region") {
      const code = normaliseRegionCode(typeof form.code === "string" ? form.code : "");
      return [
        encodeProposalCall(proposalCall({ ...form, code }, sender, await regionState(code)), contracts),
      ];
    }
    const call = proposalCall(form, sender);
    if (form.kind === "approve-region" && (await regionState(String(call.args[0])))) {
      const code = String(call.args[0]);
      throw new BaseError(
        "REGISTRY_REGION_EXISTS",
        `region ${code} is approved already; change its names or operator with "gridledger region update"`,
        { details: { region: code } },
      );
    }
    return [encodeProposalCall(call, contracts)];
  }

  return {
    contracts,
    operator: client.sender.account.address,

    /**
     * Proposes a change through the Governor and votes for it as the proposer; with enough seats it
     * takes effect at once (timelock delay 0). See {@link callsOf} for the checks made before sending.
     */
    async propose(input: ProposalInput, description = ""): Promise<ProposalOutcome> {
      checkProposalText(input);
      return governance.propose(await callsOf(input), description);
    },

    vote: governance.vote,
    execute: governance.execute,
    queue: governance.queue,
    readProposal: governance.readProposal,
    listProposals: governance.listProposals,

    /** Seats, quorum and voting period as the chain holds them now. */
    async governance(): Promise<{
      seats: number;
      quorum: { numerator: number; denominator: number };
      votingPeriod: number;
      timelockDelay: number;
    }> {
      const read = (functionName: string) =>
        client.publicClient.readContract({ ...consortium, functionName } as never) as Promise<unknown>;
      const [seats, quorum, votingPeriod, timelockDelay] = await Promise.all([
        read("seatCount"),
        read("quorum"),
        read("votingPeriod"),
        governance.timelockDelay(),
      ]);
      const [numerator, denominator] = quorum as readonly [bigint, bigint];
      return {
        seats: Number(seats),
        quorum: { numerator: Number(numerator), denominator: Number(denominator) },
        votingPeriod: Number(votingPeriod),
        timelockDelay,
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
          ...registry,
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
        ...registry,
        functionName: "approveDevices",
        args: [deviceIds],
      });
      return { txHash: receipt.transactionHash };
    },

    async setDeviceStatus(deviceId: Hex, status: number): Promise<{ txHash: Hex }> {
      const receipt = await client.sender.write({
        ...registry,
        functionName: "setDeviceStatus",
        args: [deviceId, status],
      });
      return { txHash: receipt.transactionHash };
    },
  };
}

/** The registry's chain actions of a node. */
export type RegistryClient = ReturnType<typeof createRegistryClient>;
