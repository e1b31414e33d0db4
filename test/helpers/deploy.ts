import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  getAddress,
  getContract,
  type Hash,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  consortiumAbi,
  consortiumBytecode,
  meterAnchorAbi,
  meterAnchorBytecode,
  registryAbi,
  registryBytecode,
} from "../../src/chain/artifacts/index.js";
import { meterAnchorServiceName } from "../../src/node/deployContracts.js";
import { type Anvil, type AnvilOptions, startAnvil } from "./anvil.js";

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

/** Proposal states of contracts/Consortium.sol. */
export const ProposalState = { active: 0, executed: 1, expired: 2, defeated: 3 } as const;

/** Proposal kinds of contracts/Consortium.sol. */
export const ProposalKind = {
  admitMember: 0,
  removeMember: 1,
  grantRole: 2,
  revokeRole: 3,
  approveRegion: 4,
  setParameter: 5,
} as const;

type Wallet = WalletClient<Transport, Chain, Account>;

/** GridLedger's contracts deployed on an anvil node, with clients for every dev account. */
export type Deployment = {
  anvil: Anvil;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"anvil", Transport, Chain>;
  /** One wallet client per anvil dev account; `wallets[0]` is the founder. */
  wallets: Wallet[];
  /** Addresses of the dev accounts, same order as `wallets`. */
  addresses: Address[];
  consortiumAddress: Address;
  registryAddress: Address;
  meterAnchorAddress: Address;
  /** The Consortium contract as seen by account `i` (reads, and writes signed by that account). */
  consortium: (i?: number) => ReturnType<typeof consortiumAt>;
  /** The Registry contract as seen by account `i`. */
  registry: (i?: number) => ReturnType<typeof registryAt>;
  /** The MeterAnchor contract as seen by account `i`. */
  meterAnchor: (i?: number) => ReturnType<typeof meterAnchorAt>;
  /** Waits for a transaction and returns its receipt, throwing when it reverted. */
  mined: (hash: Hash | Promise<Hash>) => Promise<TransactionReceipt>;
};

function consortiumAt(address: Address, publicClient: PublicClient<Transport, Chain>, wallet: Wallet) {
  return getContract({ address, abi: consortiumAbi, client: { public: publicClient, wallet } });
}

function registryAt(address: Address, publicClient: PublicClient<Transport, Chain>, wallet: Wallet) {
  return getContract({ address, abi: registryAbi, client: { public: publicClient, wallet } });
}

function meterAnchorAt(address: Address, publicClient: PublicClient<Transport, Chain>, wallet: Wallet) {
  return getContract({ address, abi: meterAnchorAbi, client: { public: publicClient, wallet } });
}

/**
 * Deploys Consortium (founded by account 0), Registry and MeterAnchor on `anvil`, binds the Registry
 * and binds the MeterAnchor as a service, returning viem clients for every dev account and typed
 * contract handles.
 */
export async function deployGridLedger(
  anvil: Anvil,
  options: { founderName?: string; founderRoles?: number } = {},
): Promise<Deployment> {
  const chain = defineChain({
    id: anvil.chainId,
    name: "anvil",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const transport = http(anvil.rpcUrl, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 });
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  const wallets = anvil.accounts.map((a) =>
    createWalletClient({ chain, transport, account: privateKeyToAccount(a.privateKey) }),
  );
  const founder = wallets[0];
  if (!founder) throw new Error("anvil has no accounts");

  const mined = async (hash: Hash | Promise<Hash>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash, pollingInterval: 20 });
    if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
    return receipt;
  };
  const deployed = async (hash: Hash) => {
    const address = (await mined(hash)).contractAddress;
    if (!address) throw new Error(`deployment ${hash} created no contract`);
    return getAddress(address);
  };

  const consortiumAddress = await deployed(
    await founder.deployContract({
      abi: consortiumAbi,
      bytecode: consortiumBytecode,
      args: [options.founderName ?? "National Energy Administration", options.founderRoles ?? Role.regulator],
    }),
  );
  const registryAddress = await deployed(
    await founder.deployContract({ abi: registryAbi, bytecode: registryBytecode, args: [consortiumAddress] }),
  );
  const walletOf = (i: number) => {
    const wallet = wallets[i];
    if (!wallet) throw new Error(`no anvil account ${i}`);
    return wallet;
  };
  const consortium = (i = 0) => consortiumAt(consortiumAddress, publicClient, walletOf(i));
  const registry = (i = 0) => registryAt(registryAddress, publicClient, walletOf(i));
  await mined(consortium(0).write.bindRegistry([registryAddress]));
  const meterAnchorAddress = await deployed(
    await founder.deployContract({
      abi: meterAnchorAbi,
      bytecode: meterAnchorBytecode,
      args: [registryAddress],
    }),
  );
  const meterAnchor = (i = 0) => meterAnchorAt(meterAnchorAddress, publicClient, walletOf(i));
  await mined(consortium(0).write.bindService([meterAnchorServiceName, meterAnchorAddress]));

  return {
    anvil,
    chain,
    publicClient,
    testClient,
    wallets,
    addresses: wallets.map((w) => w.account.address),
    consortiumAddress,
    registryAddress,
    meterAnchorAddress,
    consortium,
    registry,
    meterAnchor,
    mined,
  };
}

/**
 * Registers vitest hooks that start one anvil node and deploy GridLedger for the file, then revert the
 * chain to that fresh deployment before each test (`evm_snapshot`/`evm_revert`). Returns a getter for
 * the deployment, valid inside tests.
 */
export function setupGridLedger(options: AnvilOptions = {}): () => Deployment {
  let anvil: Anvil | undefined;
  let deployment: Deployment | undefined;
  let snapshot: Hex | undefined;
  beforeAll(async () => {
    anvil = await startAnvil(options);
    deployment = await deployGridLedger(anvil);
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

/** A member to admit in {@link admitMembers}. */
export type MemberSpec = { account: number; name: string; roles: number; seat: boolean };

/**
 * Admits members one by one through governance: account 0 proposes each admission and the other seat
 * holders vote for it until it executes. Lets a test start from N seats.
 */
export async function admitMembers(d: Deployment, specs: readonly MemberSpec[]): Promise<void> {
  for (const spec of specs) {
    const address = d.addresses[spec.account];
    if (!address) throw new Error(`no anvil account ${spec.account}`);
    const voters: number[] = [];
    for (const member of await d.consortium().read.members()) {
      const i = d.addresses.indexOf(member);
      if (i > 0 && (await d.consortium().read.hasSeat([member]))) voters.push(i);
    }
    await d.mined(
      d.consortium(0).write.proposeAdmitMember([address, spec.name, spec.roles, spec.seat, "setup"]),
    );
    const id = await d.consortium().read.proposalCount();
    for (const voter of voters) {
      if ((await d.consortium().read.proposal([id])).state !== ProposalState.active) break;
      await d.mined(d.consortium(voter).write.vote([id, true]));
    }
    if (!(await d.consortium().read.isMember([address]))) throw new Error(`could not admit ${spec.name}`);
  }
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
 * first, without a seat, if needed). Returns the proposal id.
 */
export async function proposeSampleGrant(d: Deployment, proposer = 0): Promise<bigint> {
  const target = d.addresses[8];
  if (!target) throw new Error("proposeSampleGrant needs at least 9 anvil accounts");
  if (!(await d.consortium().read.isMember([target]))) {
    await admitMembers(d, [{ account: 8, name: "Auditor Co", roles: 0, seat: false }]);
  }
  await d.mined(d.consortium(proposer).write.proposeGrantRole([target, Role.auditor, "let them audit"]));
  return d.consortium().read.proposalCount();
}
