import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  getContract,
  type Hex,
  keccak256,
  type PublicClient,
  stringToHex,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  accountsAbi,
  consortiumAbi,
  consortiumGovernorAbi,
  gridAuthorityAbi,
  gridTimelockAbi,
  meterAnchorAbi,
  registryAbi,
} from "../../src/chain/artifacts/index.js";
import { type FoundedContracts, foundConsortium } from "../../src/chain/foundConsortium.js";
import { type Anvil, type AnvilOptions, startAnvil } from "./anvil.js";
import { type AnvilClients, anvilClients } from "./anvilClients.js";

/** Role bits of contracts/Consortium.sol. */
export const Role = {
  regulator: 1,
  gridOperator: 2,
  regionOperator: 4,
  community: 8,
  prosumer: 16,
  enterprise: 32,
  issuer: 64,
  auditor: 128,
} as const;

/** Proposal states of OpenZeppelin's Governor (`IGovernor.ProposalState`). */
export const ProposalState = {
  pending: 0,
  active: 1,
  canceled: 2,
  defeated: 3,
  succeeded: 4,
  queued: 5,
  expired: 6,
  executed: 7,
} as const;

type Wallet = WalletClient<Transport, Chain, Account>;
type Public = PublicClient<Transport, Chain>;

function handles(addresses: FoundedContracts, publicClient: Public, walletOf: (i: number) => Wallet) {
  const at =
    <const A extends Abi>(address: Address, abi: A) =>
    (i = 0) =>
      getContract({ address, abi, client: { public: publicClient, wallet: walletOf(i) } });
  return {
    /** The Consortium contract as seen by account `i` (reads, and writes signed by that account). */
    consortium: at(addresses.Consortium, consortiumAbi),
    /** The Registry contract as seen by account `i`. */
    registry: at(addresses.Registry, registryAbi),
    /** The MeterAnchor contract as seen by account `i`. */
    meterAnchor: at(addresses.MeterAnchor, meterAnchorAbi),
    /** The Accounts contract as seen by account `i`. */
    accounts: at(addresses.Accounts, accountsAbi),
    /** The ConsortiumGovernor as seen by account `i`. */
    governor: at(addresses.ConsortiumGovernor, consortiumGovernorAbi),
    /** The GridAuthority as seen by account `i`. */
    authority: at(addresses.GridAuthority, gridAuthorityAbi),
    /** The GridTimelock as seen by account `i`. */
    timelock: at(addresses.GridTimelock, gridTimelockAbi),
  };
}

/** GridLedger's contracts founded on an anvil node (account 0 the founder), with clients for every dev account. */
export type Deployment = AnvilClients & {
  anvil: Anvil;
  /** Every contract's address, by manifest name. */
  contracts: FoundedContracts;
  consortiumAddress: Address;
  registryAddress: Address;
  meterAnchorAddress: Address;
  accountsAddress: Address;
} & ReturnType<typeof handles>;

/** Options of {@link deployGridLedger}. */
export type FoundingTestOptions = { founderName?: string; founderRoles?: number; timelockDelay?: bigint };

/**
 * Founds GridLedger on `anvil` with `foundConsortium` (account 0 is the founder), returning viem clients
 * for every dev account and typed contract handles.
 */
export async function deployGridLedger(anvil: Anvil, options: FoundingTestOptions = {}): Promise<Deployment> {
  const clients = anvilClients(anvil);
  const { publicClient, walletOf } = clients;
  const contracts = await foundConsortium({
    publicClient,
    walletClient: walletOf(0),
    options: {
      founderName: options.founderName ?? "National Energy Administration",
      founderRoles: options.founderRoles ?? Role.regulator,
      timelockDelay: options.timelockDelay ?? 0n,
    },
  });
  return {
    anvil,
    ...clients,
    contracts,
    consortiumAddress: contracts.Consortium,
    registryAddress: contracts.Registry,
    meterAnchorAddress: contracts.MeterAnchor,
    accountsAddress: contracts.Accounts,
    ...handles(contracts, publicClient, walletOf),
  };
}

/**
 * Registers vitest hooks that start one anvil node and found GridLedger for the file, then revert the
 * chain to that fresh founding before each test (`evm_snapshot`/`evm_revert`). Returns a getter for
 * the deployment, valid inside tests.
 */
export function setupGridLedger(options: AnvilOptions & FoundingTestOptions = {}): () => Deployment {
  let anvil: Anvil | undefined;
  let deployment: Deployment | undefined;
  let snapshot: Hex | undefined;
  beforeAll(async () => {
    anvil = await startAnvil(options);
    deployment = await deployGridLedger(anvil, options);
  });
  afterAll(async () => {
    await anvil?.stop();
  });
  beforeEach(async () => {
    if (!deployment) return;
    if (snapshot) await deployment.testClient.revert({ id: snapshot });
    snapshot = await deployment.testClient.snapshot();
  });
  return () => {
    if (!deployment) throw new Error("the GridLedger deployment is not ready");
    return deployment;
  };
}

/** One call of a governance proposal: a contract function and its arguments. */
export type GovernanceCall = { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] };

/** A proposal as the Governor identifies it, with what `queue`/`execute`/`cancel` take. */
export type Proposal = {
  id: bigint;
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  description: string;
  descriptionHash: Hex;
};

let proposalCounter = 0;

/**
 * `proposer` proposes `calls`; the description gets a unique suffix (as the node adds one) so the same
 * change can be proposed twice. Returns the proposal.
 */
export async function propose(
  d: Deployment,
  calls: readonly GovernanceCall[],
  description: string,
  proposer = 0,
): Promise<Proposal> {
  const targets = calls.map((c) => c.address);
  const values = calls.map(() => 0n);
  const calldatas = calls.map((c) =>
    encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args ?? [] } as Parameters<
      typeof encodeFunctionData
    >[0]),
  );
  proposalCounter += 1;
  const unique = `${description}\n\n[test:${proposalCounter}]`;
  await d.mined(d.governor(proposer).write.propose([targets, values, calldatas, unique]));
  const descriptionHash = keccak256(stringToHex(unique));
  const id = await d.governor().read.hashProposal([targets, values, calldatas, descriptionHash]);
  return { id, targets, values, calldatas, description: unique, descriptionHash };
}

/** Queues a succeeded proposal, waits out the timelock delay on anvil, executes it and returns the receipt. */
export async function queueAndExecute(d: Deployment, p: Proposal, by = 0): Promise<TransactionReceipt> {
  await d.mined(d.governor(by).write.queue([p.targets, p.values, p.calldatas, p.descriptionHash]));
  const delay = await d.timelock().read.getMinDelay();
  if (delay > 0n) {
    await d.testClient.increaseTime({ seconds: Number(delay) });
    await d.testClient.mine({ blocks: 1 });
  }
  return d.mined(d.governor(by).write.execute([p.targets, p.values, p.calldatas, p.descriptionHash]));
}

/** The dev accounts that hold a seat now. */
export async function seatHolders(d: Deployment): Promise<number[]> {
  const holders: number[] = [];
  for (const [i, address] of d.addresses.entries()) {
    if (await d.consortium().read.hasSeat([address])) holders.push(i);
  }
  return holders;
}

/**
 * Governs `calls` through the Governor: the first voter proposes, the others vote for it until it
 * succeeds, then it is queued and executed. `voters` default to every seat-holding dev account (the
 * founder first). Throws when the votes do not make it pass. Returns the proposal and the receipt of
 * its execution.
 */
export async function govern(
  d: Deployment,
  calls: readonly GovernanceCall[],
  description = "governed",
  voters?: readonly number[],
): Promise<Proposal & { receipt: TransactionReceipt }> {
  const who = voters ?? (await seatHolders(d));
  const [proposer, ...others] = who;
  const p = await propose(d, calls, description, proposer);
  for (const voter of [proposer ?? 0, ...others]) {
    if ((await d.governor().read.state([p.id])) !== ProposalState.active) break;
    await d.mined(d.governor(voter).write.castVote([p.id, 1]));
  }
  const state = await d.governor().read.state([p.id]);
  if (state !== ProposalState.succeeded)
    throw new Error(`proposal "${description}" did not pass (state ${state})`);
  return { ...p, receipt: await queueAndExecute(d, p) };
}

/** A call to the Consortium, for {@link govern}. */
export function consortiumCall(
  d: Deployment,
  functionName: string,
  args: readonly unknown[],
): GovernanceCall {
  return { address: d.consortiumAddress, abi: consortiumAbi, functionName, args };
}

/**
 * Simulates `call` made by the timelock (governance's account), so a test can check what the contract
 * itself refuses without a vote.
 */
export function asGovernance(d: Deployment, call: GovernanceCall) {
  return d.publicClient.simulateContract({ account: d.contracts.GridTimelock, ...call } as Parameters<
    typeof d.publicClient.simulateContract
  >[0]);
}

/** A call to the Registry, for {@link govern}. */
export function registryCall(d: Deployment, functionName: string, args: readonly unknown[]): GovernanceCall {
  return { address: d.registryAddress, abi: registryAbi, functionName, args };
}

/** A call to the GridAuthority, for {@link govern}. */
export function authorityCall(d: Deployment, functionName: string, args: readonly unknown[]): GovernanceCall {
  return { address: d.contracts.GridAuthority, abi: gridAuthorityAbi, functionName, args };
}

/** A member to admit in {@link admitMembers}. */
export type MemberSpec = { account: number; name: string; roles: number; seat: boolean };

/** Admits members in one governance proposal voted by the current seat holders. */
export async function admitMembers(d: Deployment, specs: readonly MemberSpec[]): Promise<void> {
  const calls = specs.map((spec) => {
    const address = d.addresses[spec.account];
    if (!address) throw new Error(`no anvil account ${spec.account}`);
    return consortiumCall(d, "admitMember", [address, spec.name, spec.roles, spec.seat]);
  });
  await govern(d, calls, "setup");
}

/** Gives accounts 1..n-1 a seat (as grid operators), so the consortium has `n` seats. */
export async function giveSeats(d: Deployment, n: number): Promise<void> {
  const specs = Array.from({ length: n - 1 }, (_, i) => ({
    account: i + 1,
    name: `Member ${i + 1}`,
    roles: Role.gridOperator,
    seat: true,
  }));
  await admitMembers(d, specs);
}

/**
 * A harmless proposal to vote on: `proposer` proposes granting the auditor role to account 8 (admitted
 * first, without a seat, if needed). Returns the proposal.
 */
export async function proposeSampleGrant(d: Deployment, proposer = 0): Promise<Proposal> {
  const target = d.addresses[8];
  if (!target) throw new Error("proposeSampleGrant needs at least 9 anvil accounts");
  if (!(await d.consortium().read.isMember([target]))) {
    await admitMembers(d, [{ account: 8, name: "Auditor Co", roles: 0, seat: false }]);
  }
  return propose(d, [consortiumCall(d, "grantRole", [target, Role.auditor])], "let them audit", proposer);
}
