import {
  type Address,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  getAddress,
  getContractAddress,
  type Hex,
  isAddressEqual,
  stringToHex,
  BaseError as ViemBaseError,
  zeroAddress,
} from "viem";
import {
  accountsAbi,
  accountsBytecode,
  consortiumAbi,
  consortiumBytecode,
  meterAnchorAbi,
  meterAnchorBytecode,
  registryAbi,
  registryBytecode,
} from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import { BaseError } from "../core/errors.js";
import type { GridContracts } from "../registry/registryClient.js";
import type { ContractName, NodeState } from "./nodeState.js";

/** The MeterAnchor's name in the Consortium's service directory: "MeterAnchor" as a left-aligned `bytes32`. */
export const meterAnchorServiceName: Hex = stringToHex("MeterAnchor", { size: 32 });

/** The Accounts contract's name in the Consortium's service directory: "accounts" as a left-aligned `bytes32`. */
export const accountsServiceName: Hex = stringToHex("accounts", { size: 32 });

/** The contracts found through the service directory, in the order a founder deploys them. */
const services = [
  {
    contract: "MeterAnchor",
    name: meterAnchorServiceName,
    abi: meterAnchorAbi,
    bytecode: meterAnchorBytecode,
  },
  { contract: "Accounts", name: accountsServiceName, abi: accountsAbi, bytecode: accountsBytecode },
] as const;

/**
 * What the Consortium's service directory says about a name: the bound contract, nothing bound yet,
 * or no directory at all (a Consortium deployed before `bindService`/`service` existed).
 */
type ServiceLookup = { kind: "bound"; address: Address } | { kind: "unbound" } | { kind: "no-directory" };

async function lookUpService(client: ChainClient, consortium: Address, name: Hex): Promise<ServiceLookup> {
  try {
    const address = await client.publicClient.readContract({
      address: consortium,
      abi: consortiumAbi,
      functionName: "service",
      args: [name],
    });
    return address === zeroAddress ? { kind: "unbound" } : { kind: "bound", address };
  } catch (error) {
    // A contract without the function reverts with no data (viem reports that as a revert it could not
    // decode, or as a bare "execution reverted", depending on the node); any other failure is a real one.
    const revert =
      error instanceof ViemBaseError &&
      error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ExecutionRevertedError);
    const withoutData =
      revert instanceof ExecutionRevertedError ||
      (revert instanceof ContractFunctionRevertedError && (revert.raw === undefined || revert.raw === "0x"));
    if (withoutData) return { kind: "no-directory" };
    throw error;
  }
}

function serviceNotBound(consortium: Address, service: string, lookup: ServiceLookup): BaseError {
  const why =
    lookup.kind === "no-directory"
      ? "predates the service directory, so it cannot name one"
      : "has none bound yet (its founder's node binds it)";
  return new BaseError(
    "NODE_SERVICE_NOT_BOUND",
    `the Consortium at ${consortium} has no ${service}: it ${why}`,
    {
      details: { consortium, service, directory: lookup.kind !== "no-directory" },
    },
  );
}

/**
 * Deploys the GridLedger contracts (Consortium, then Registry, then binds them, then MeterAnchor and
 * Accounts, each bound in the Consortium's service directory) and bootstraps the consortium with the operator as its first
 * seat holder. Every step is idempotent and resumable: before a deployment is sent, the address it
 * will get (from the deployer's nonce) is saved as pending, so after a crash the node adopts the
 * contract if it landed and sends it again if not.
 *
 * A data directory from before MeterAnchor or Accounts existed is brought up to date: a service already
 * bound in the directory ("MeterAnchor", "accounts") is adopted; otherwise the founder deploys and binds
 * it, and any other operator gets `NODE_SERVICE_NOT_BOUND`. A Consortium deployed before the service
 * directory existed cannot bind one: the founder's contract is then only recorded in the node state.
 */
export async function deployContracts(options: {
  client: ChainClient;
  state: NodeState;
  save: (state: NodeState) => Promise<void>;
  founder: { name: string; roles: number };
}): Promise<GridContracts> {
  const { client, founder } = options;
  let state = options.state;
  const { publicClient, sender } = client;

  async function hasCode(address: Address | undefined): Promise<boolean> {
    if (address === undefined) return false;
    const code = await publicClient.getCode({ address });
    return code !== undefined && code !== "0x";
  }

  async function ensure(
    name: ContractName,
    deploy: () => Promise<Address | null | undefined>,
  ): Promise<Address> {
    const known = state.contracts[name];
    if (known) return known;
    let address = state.pendingContracts?.[name];
    if (!(await hasCode(address))) {
      const nonce = await sender.nextNonce();
      const expected = getContractAddress({ from: sender.account.address, nonce: BigInt(nonce) });
      state = { ...state, pendingContracts: { ...state.pendingContracts, [name]: expected } };
      await options.save(state);
      const deployed = await deploy();
      address = deployed ? getAddress(deployed) : undefined;
      if (!address)
        throw new BaseError("NODE_DEPLOY_FAILED", `deploying ${name} returned no contract address`);
    }
    const deployedAt = state.deployedAtBlock ?? Number(await publicClient.getBlockNumber());
    const { [name]: _, ...stillPending } = state.pendingContracts ?? {};
    state = {
      ...state,
      deployedAtBlock: deployedAt,
      contracts: { ...state.contracts, [name]: address },
      pendingContracts: stillPending,
    };
    await options.save(state);
    return address as Address;
  }

  const consortium = await ensure("Consortium", async () => {
    const receipt = await sender.deploy({
      abi: consortiumAbi,
      bytecode: consortiumBytecode,
      args: [founder.name, founder.roles],
    });
    return receipt.contractAddress;
  });
  const registry = await ensure("Registry", async () => {
    const receipt = await sender.deploy({ abi: registryAbi, bytecode: registryBytecode, args: [consortium] });
    return receipt.contractAddress;
  });
  const bound = await publicClient.readContract({
    address: consortium,
    abi: consortiumAbi,
    functionName: "registry",
  });
  if (bound === zeroAddress) {
    await sender.write({
      address: consortium,
      abi: consortiumAbi,
      functionName: "bindRegistry",
      args: [registry],
    });
  }

  // Each service (deployed with the Registry as its one argument) is adopted from the directory when
  // bound there; otherwise only the founder may deploy and bind it.
  const found: Partial<Record<(typeof services)[number]["contract"], Address>> = {};
  let consortiumFounder: Address | undefined;
  for (const service of services) {
    const lookup = await lookUpService(client, consortium, service.name);
    if (lookup.kind === "bound") {
      found[service.contract] = lookup.address;
      if (state.contracts[service.contract] !== lookup.address) {
        state = { ...state, contracts: { ...state.contracts, [service.contract]: lookup.address } };
        await options.save(state);
      }
      continue;
    }
    consortiumFounder ??= await publicClient.readContract({
      address: consortium,
      abi: consortiumAbi,
      functionName: "founder",
    });
    if (!isAddressEqual(consortiumFounder, sender.account.address)) {
      throw serviceNotBound(consortium, service.contract, lookup);
    }
    const address = await ensure(service.contract, async () => {
      const receipt = await sender.deploy({ abi: service.abi, bytecode: service.bytecode, args: [registry] });
      return receipt.contractAddress;
    });
    if (lookup.kind === "unbound") {
      await sender.write({
        address: consortium,
        abi: consortiumAbi,
        functionName: "bindService",
        args: [service.name, address],
      });
    }
    found[service.contract] = address;
  }
  return {
    Consortium: consortium,
    Registry: registry,
    MeterAnchor: found.MeterAnchor as Address,
    Accounts: found.Accounts as Address,
  };
}

/**
 * Adopts contracts the consortium already deployed: checks that the Consortium has code and reads
 * the Registry it is bound to and the MeterAnchor and Accounts of its service directory
 * (`NODE_REGISTRY_NOT_BOUND`, `NODE_SERVICE_NOT_BOUND` when missing).
 */
export async function attachContracts(client: ChainClient, consortium: Address): Promise<GridContracts> {
  const code = await client.publicClient.getCode({ address: consortium });
  if (!code || code === "0x") {
    throw new BaseError(
      "NODE_NO_CONTRACT",
      `there is no contract at ${consortium} on chain ${client.chain.id}`,
      {
        details: { address: consortium, chainId: client.chain.id },
      },
    );
  }
  const registry = await client.publicClient.readContract({
    address: consortium,
    abi: consortiumAbi,
    functionName: "registry",
  });
  if (registry === zeroAddress) {
    throw new BaseError(
      "NODE_REGISTRY_NOT_BOUND",
      `the Consortium at ${consortium} has no Registry bound yet`,
    );
  }
  const meterAnchor = await lookUpService(client, consortium, meterAnchorServiceName);
  if (meterAnchor.kind !== "bound") throw serviceNotBound(consortium, "MeterAnchor", meterAnchor);
  const accounts = await lookUpService(client, consortium, accountsServiceName);
  if (accounts.kind !== "bound") throw serviceNotBound(consortium, "Accounts", accounts);
  return {
    Consortium: consortium,
    Registry: registry,
    MeterAnchor: meterAnchor.address,
    Accounts: accounts.address,
  };
}
