import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  getAbiItem,
  getAddress,
  getContractAddress,
  type Hex,
  isAddressEqual,
  keccak256,
  type PublicClient,
  stringToHex,
  type Transport,
  toFunctionSelector,
  type WalletClient,
  zeroAddress,
} from "viem";
import { BaseError } from "../core/errors.js";
import { gridAuthorityAbi, gridTimelockAbi } from "./artifacts/index.js";
import {
  authorityRoles,
  type ContractAddresses,
  type ContractName,
  type ContractSpec,
  contractManifest,
  contractSpec,
  type FoundingContext,
  type FoundingOptions,
} from "./manifest.js";
import { createTxSender, type TxSender } from "./txSender.js";

/** The addresses of every contract of the manifest. */
export type FoundedContracts = ContractAddresses;

/** The GridAuthority's ADMIN_ROLE (OpenZeppelin AccessManager): governance once founding ends. */
export const adminRole = 0n;

/** The GridAuthority's PUBLIC_ROLE: every caller. */
export const publicRole = 2n ** 64n - 1n;

/** The timelock's DEFAULT_ADMIN_ROLE (OpenZeppelin AccessControl). */
const timelockAdminRole: Hex = `0x${"00".repeat(32)}`;
const proposerRole = keccak256(stringToHex("PROPOSER_ROLE"));
const cancellerRole = keccak256(stringToHex("CANCELLER_ROLE"));

/** The 4-byte selectors of functions of a contract, from its ABI. */
function selectorsOf(spec: ContractSpec, names: readonly string[]): Hex[] {
  return names.map((name) => {
    const item = getAbiItem({ abi: spec.abi as Abi, name });
    if (item?.type !== "function") throw new Error(`${spec.name} has no function ${name}`);
    return toFunctionSelector(item);
  });
}

/** The 4-byte selectors of a contract's public functions, from its ABI. */
export function publicSelectors(spec: ContractSpec): Hex[] {
  return selectorsOf(spec, spec.publicFunctions);
}

/** Each authority role of a contract's role-restricted functions (manifest `roleFunctions`) with their selectors. */
export function roleSelectors(spec: ContractSpec): { role: bigint; selectors: Hex[] }[] {
  return (spec.roleFunctions ?? []).map((r) => ({
    role: authorityRoles[r.role],
    selectors: selectorsOf(spec, r.functions),
  }));
}

/**
 * Founds a GridLedger consortium: deploys the contracts of the manifest in order, then wires them —
 * the timelock's proposer and canceller roles to the governor, the manifest's public functions opened
 * in the authority, its role-restricted functions set to their roles and its role grants made (the
 * payment agent, the market as reward minter), every service bound in the Consortium's directory, the authority's ADMIN_ROLE
 * handed to the timelock and renounced by the deployer, the deployer's timelock admin renounced.
 *
 * Every step checks the chain first, so a founding interrupted by a crash resumes: pass the addresses
 * recorded so far as `known` (from `onDeploying`, the nonce-predicted address saved before a deployment
 * is sent, or `onDeployed`); a contract with code there is adopted, a role already granted or a service
 * already bound is not sent again. Returns the addresses.
 */
export async function foundConsortium(options: {
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  options: FoundingOptions;
  /** Addresses recorded by an earlier, interrupted founding. */
  known?: Partial<Record<ContractName, Address>>;
  /** The sender of the deployer's transactions (default: a new one for `walletClient`'s account). */
  sender?: TxSender;
  /** Called with the address a deployment will get, before it is sent. */
  onDeploying?: (name: ContractName, address: Address) => void | Promise<void>;
  /** Called when a contract is deployed (or adopted). */
  onDeployed?: (name: ContractName, address: Address) => void | Promise<void>;
}): Promise<FoundedContracts> {
  const { publicClient, walletClient } = options;
  const deployer = walletClient.account.address;
  const sender =
    options.sender ?? createTxSender({ account: walletClient.account, publicClient, walletClient });
  const addresses: Partial<Record<ContractName, Address>> = {};
  for (const spec of contractManifest) {
    addresses[spec.name] = await deployOrAdopt({
      publicClient,
      sender,
      spec,
      ctx: { addresses, deployer, options: options.options },
      known: options.known?.[spec.name],
      onDeploying: options.onDeploying,
    });
    await options.onDeployed?.(spec.name, addresses[spec.name] as Address);
  }
  const founded = addresses as FoundedContracts;
  await wire(publicClient, sender, { addresses: founded, deployer, options: options.options }, founded);
  return founded;
}

/**
 * Deploys one manifest contract, or adopts `known` (an address recorded before a crash) when code is
 * there already. `onDeploying` gets the address the deployment will land at (from the sender's nonce)
 * before it is sent, so a crash in between can be resumed. `NODE_DEPLOY_FAILED` without an address.
 */
export async function deployOrAdopt(args: {
  publicClient: PublicClient<Transport, Chain>;
  sender: TxSender;
  spec: ContractSpec;
  ctx: FoundingContext;
  known?: Address | undefined;
  onDeploying?: ((name: ContractName, address: Address) => void | Promise<void>) | undefined;
}): Promise<Address> {
  const { spec, sender, known } = args;
  const code = known === undefined ? undefined : await args.publicClient.getCode({ address: known });
  if (known !== undefined && code !== undefined && code !== "0x") return getAddress(known);
  const nonce = await sender.nextNonce();
  await args.onDeploying?.(spec.name, getContractAddress({ from: args.ctx.deployer, nonce: BigInt(nonce) }));
  const receipt = await sender.deploy({ abi: spec.abi, bytecode: spec.bytecode, args: spec.args(args.ctx) });
  if (!receipt.contractAddress) {
    throw new BaseError("NODE_DEPLOY_FAILED", `deploying ${spec.name} returned no contract address`, {
      details: { contract: spec.name, transaction: receipt.transactionHash },
    });
  }
  return getAddress(receipt.contractAddress);
}

async function wire(
  publicClient: PublicClient<Transport, Chain>,
  sender: TxSender,
  ctx: FoundingContext,
  founded: FoundedContracts,
): Promise<void> {
  const { deployer } = ctx;
  const authority = { address: founded.GridAuthority, abi: gridAuthorityAbi } as const;
  const timelock = { address: founded.GridTimelock, abi: gridTimelockAbi } as const;
  const read = publicClient.readContract.bind(publicClient) as (call: {
    address: Address;
    abi: Abi;
    functionName: string;
    args?: readonly unknown[];
  }) => Promise<unknown>;
  const timelockHas = async (role: Hex, account: Address) =>
    (await read({ ...timelock, functionName: "hasRole", args: [role, account] })) === true;
  const authorityHas = async (account: Address) =>
    (
      (await read({ ...authority, functionName: "hasRole", args: [adminRole, account] })) as [boolean, number]
    )[0];

  for (const role of [proposerRole, cancellerRole]) {
    if (!(await timelockHas(role, founded.ConsortiumGovernor)))
      await sender.write({
        ...timelock,
        functionName: "grantRole",
        args: [role, founded.ConsortiumGovernor],
      });
  }

  for (const spec of contractManifest) {
    const target = founded[spec.name];
    for (const { role, selectors } of [
      { role: publicRole, selectors: publicSelectors(spec) },
      ...roleSelectors(spec),
    ]) {
      const unset: Hex[] = [];
      for (const selector of selectors) {
        const current = await read({
          ...authority,
          functionName: "getTargetFunctionRole",
          args: [target, selector],
        });
        if (current !== role) unset.push(selector);
      }
      if (unset.length > 0)
        await sender.write({
          ...authority,
          functionName: "setTargetFunctionRole",
          args: [target, unset, role],
        });
    }
    for (const grant of spec.roleGrants?.(ctx) ?? []) {
      const role = authorityRoles[grant.role];
      const [member] = (await read({
        ...authority,
        functionName: "hasRole",
        args: [role, grant.account],
      })) as [boolean, number];
      if (!member)
        await sender.write({ ...authority, functionName: "grantRole", args: [role, grant.account, 0] });
    }
  }

  const consortium = contractSpec("Consortium");
  for (const spec of contractManifest) {
    if (!spec.service) continue;
    const bound = (await read({
      address: founded.Consortium,
      abi: consortium.abi,
      functionName: "service",
      args: [spec.service],
    })) as Address;
    if (bound === zeroAddress || !isAddressEqual(bound, founded[spec.name])) {
      await sender.write({
        address: founded.Consortium,
        abi: consortium.abi,
        functionName: "bindService",
        args: [spec.service, founded[spec.name]],
      });
    }
  }

  if (!(await authorityHas(founded.GridTimelock)))
    await sender.write({
      ...authority,
      functionName: "grantRole",
      args: [adminRole, founded.GridTimelock, 0],
    });
  if (await authorityHas(deployer))
    await sender.write({ ...authority, functionName: "renounceRole", args: [adminRole, deployer] });
  if (await timelockHas(timelockAdminRole, deployer))
    await sender.write({ ...timelock, functionName: "renounceRole", args: [timelockAdminRole, deployer] });
}

/** The calldata of a call to a manifest contract, for a governance proposal. */
export function encodeCall(name: ContractName, functionName: string, args: readonly unknown[]): Hex {
  return encodeFunctionData({ abi: contractSpec(name).abi, functionName, args } as Parameters<
    typeof encodeFunctionData
  >[0]);
}
