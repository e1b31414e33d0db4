import { type Address, encodeFunctionData, type Hex, zeroAddress } from "viem";
import type { ChainClient } from "../chain/chainClient.js";
import { deployOrAdopt, publicRole, publicSelectors, roleSelectors } from "../chain/foundConsortium.js";
import {
  authorityRoles,
  type ContractAddresses,
  type ContractName,
  type ContractSpec,
  contractManifest,
  contractSpec,
  type FoundingContext,
} from "../chain/manifest.js";
import { createGovernanceClient } from "../governance/governanceClient.js";
import type { EncodedCall } from "../governance/proposalForms.js";
import type { NodeState } from "./nodeState.js";

/**
 * The contracts of the manifest a consortium founded before them may lack: a node attaches without
 * them (their address is the zero address, "not on this chain") and adds them when it can.
 */
export const lateContracts: readonly ContractName[] = ["SettlementToken", "RewardToken", "Market"];

/** The result of {@link addMissingContracts}: the addresses (zero for those still missing) and why any is. */
export type AddedContracts = { contracts: ContractAddresses; missingReason?: string };

/**
 * Adds late contracts (`lateContracts`) that a founded consortium lacks: deploys them (resumably: the
 * address a deployment will get is saved as pending first, a contract found there is adopted) and, as
 * governance, opens their public functions, sets their role functions and grants, and binds their
 * services, in one proposal that the node proposes and votes. Done only when that proposal passes at
 * once (this node holds the only seat and the timelock delay is 0); otherwise nothing is sent, the
 * missing contracts keep the zero address and `missingReason` says why.
 */
export async function addMissingContracts(options: {
  client: ChainClient;
  state: NodeState;
  save: (state: NodeState) => Promise<void>;
  /** What the Consortium's directory names, the zero address for each missing late contract. */
  attached: ContractAddresses;
  missing: readonly ContractName[];
}): Promise<AddedContracts> {
  const { client, missing } = options;
  const { publicClient, sender } = client;
  let state = options.state;
  const contracts: ContractAddresses = { ...options.attached };
  const read = (spec: ContractSpec, address: Address, functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({ address, abi: spec.abi, functionName, args } as never) as Promise<unknown>;
  const consortium = contractSpec("Consortium");
  const operator = sender.account.address;
  const [seats, hasSeat, delay] = await Promise.all([
    read(consortium, contracts.Consortium, "seatCount", []),
    read(consortium, contracts.Consortium, "hasSeat", [operator]),
    read(contractSpec("GridTimelock"), contracts.GridTimelock, "getMinDelay", []),
  ]);
  if (seats !== 1n || hasSeat !== true || delay !== 0n) {
    return {
      contracts,
      missingReason:
        `the consortium was founded before ${missing.join(", ")}; adding them needs a governance vote ` +
        "(this node does not hold the only seat, or the timelock has a delay), so the node runs without them",
    };
  }

  for (const spec of contractManifest) {
    if (!missing.includes(spec.name)) continue;
    contracts[spec.name] = await deployOrAdopt({
      publicClient,
      sender,
      spec,
      ctx: lateContext(contracts, operator),
      known: state.contracts[spec.name] ?? state.pendingContracts?.[spec.name],
      onDeploying: async (name, next) => {
        state = { ...state, pendingContracts: { ...state.pendingContracts, [name]: next } };
        await options.save(state);
      },
    });
    const { [spec.name]: _, ...stillPending } = state.pendingContracts ?? {};
    state = {
      ...state,
      contracts: { ...state.contracts, [spec.name]: contracts[spec.name] },
      pendingContracts: stillPending,
    };
    await options.save(state);
  }

  const calls = wiringCalls(contracts, missing, operator);
  const governance = createGovernanceClient({
    client,
    contracts,
    fromBlock: BigInt(state.deployedAtBlock ?? 0),
  });
  const outcome = await governance.propose(calls, `Add the market's contracts: ${missing.join(", ")}`);
  if (!outcome.executed) {
    const absent = { ...contracts };
    for (const name of missing) absent[name] = zeroAddress;
    return {
      contracts: absent,
      missingReason: `proposal ${outcome.proposalId} adding ${missing.join(", ")} did not execute at once`,
    };
  }
  return { contracts };
}

/** A founding context for late contracts (their constructors and grants take addresses only). */
function lateContext(contracts: ContractAddresses, deployer: Address): FoundingContext {
  return { addresses: contracts, deployer, options: { founderName: "", founderRoles: 0, timelockDelay: 0n } };
}

/** The governance calls that wire late contracts as a founding would (foundConsortium). */
function wiringCalls(
  contracts: ContractAddresses,
  names: readonly ContractName[],
  deployer: Address,
): EncodedCall[] {
  const authority = contractSpec("GridAuthority").abi;
  const consortium = contractSpec("Consortium").abi;
  const onAuthority = (functionName: string, args: readonly unknown[]): EncodedCall => ({
    target: contracts.GridAuthority,
    data: encodeFunctionData({ abi: authority, functionName, args } as never) as Hex,
  });
  const ctx = lateContext(contracts, deployer);
  const calls: EncodedCall[] = [];
  for (const name of names) {
    const spec = contractSpec(name);
    const target = contracts[name];
    const open = publicSelectors(spec);
    if (open.length > 0) calls.push(onAuthority("setTargetFunctionRole", [target, open, publicRole]));
    for (const { role, selectors } of roleSelectors(spec)) {
      calls.push(onAuthority("setTargetFunctionRole", [target, selectors, role]));
    }
    for (const grant of spec.roleGrants?.(ctx) ?? []) {
      calls.push(onAuthority("grantRole", [authorityRoles[grant.role], grant.account, 0]));
    }
    if (spec.service) {
      calls.push({
        target: contracts.Consortium,
        data: encodeFunctionData({
          abi: consortium,
          functionName: "bindService",
          args: [spec.service, target],
        } as never) as Hex,
      });
    }
  }
  return calls;
}
