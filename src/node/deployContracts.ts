import { type Address, getAddress, getContractAddress, zeroAddress } from "viem";
import {
  consortiumAbi,
  consortiumBytecode,
  registryAbi,
  registryBytecode,
} from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import { BaseError } from "../core/errors.js";
import type { GridContracts } from "../registry/registryClient.js";
import type { ContractName, NodeState } from "./nodeState.js";

/**
 * Deploys the GridLedger contracts (Consortium, then Registry, then binds them) and bootstraps the
 * consortium with the operator as its first seat holder. Every step is idempotent and resumable:
 * before a deployment is sent, the address it will get (from the deployer's nonce) is saved as
 * pending, so after a crash the node adopts the contract if it landed and sends it again if not.
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
  return { Consortium: consortium, Registry: registry };
}

/**
 * Adopts contracts the consortium already deployed: checks that the Consortium has code and reads
 * the Registry it is bound to.
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
  return { Consortium: consortium, Registry: registry };
}
