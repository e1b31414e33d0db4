import { type Address, getAddress, type Hex, zeroAddress } from "viem";
import type { ChainClient } from "../chain/chainClient.js";
import { foundConsortium } from "../chain/foundConsortium.js";
import { type ContractName, contractManifest, contractSpec } from "../chain/manifest.js";
import { BaseError } from "../core/errors.js";
import type { GridContracts } from "../registry/registryClient.js";
import { addMissingContracts, lateContracts } from "./addContracts.js";
import type { NodeState } from "./nodeState.js";

/** The MeterAnchor's name in the Consortium's service directory: "MeterAnchor" as a left-aligned `bytes32`. */
export const meterAnchorServiceName = contractSpec("MeterAnchor").service as Hex;

/** The command that moves a data directory from the old contract layout to the new one. */
export const migrateCommand = (dataDir: string) => `gridledger migrate --data-dir ${dataDir}`;

/**
 * True when node.json records contracts of the layout before the Governor and the authority: a
 * Consortium with built-in proposals and no GridAuthority (which a founding deploys first).
 */
export function hasOutdatedContracts(state: NodeState): boolean {
  return state.contracts.Consortium !== undefined && state.contracts.GridAuthority === undefined;
}

/** `NODE_CONTRACTS_OUTDATED`, naming the command that migrates the data directory. */
export function contractsOutdated(dataDir: string, consortium: Address | undefined): BaseError {
  return new BaseError(
    "NODE_CONTRACTS_OUTDATED",
    `${dataDir} records contracts of the layout before governance by the Governor (Consortium at ${consortium}); ` +
      `stop the node and run "${migrateCommand(dataDir)}" to found the new contract set and copy the consortium into it ` +
      "(on a shared chain the founder migrates, then the other members start with --consortium <new Consortium>)",
    { details: { dataDir, consortium: consortium ?? null, command: migrateCommand(dataDir) } },
  );
}

/**
 * Founds the consortium's contracts (every entry of the manifest, see `foundConsortium`) with the
 * operator as its first seat holder. Resumable: the address each deployment will get (from the
 * deployer's nonce) is saved in node.json as pending before it is sent, so after a crash the node
 * adopts a contract that landed and sends one that did not; wiring steps already done are skipped.
 */
export async function deployContracts(options: {
  client: ChainClient;
  state: NodeState;
  save: (state: NodeState) => Promise<void>;
  founder: { name: string; roles: number };
  /** Seconds between a proposal's queueing and its execution (the timelock's minimum delay). */
  timelockDelay?: bigint;
}): Promise<GridContracts> {
  const { client, founder } = options;
  let state = options.state;
  const { publicClient } = client;
  // Only the address a deployment will get is saved before it is sent (what a crash needs); the
  // deployed addresses are saved once, with the first and at the end, to spare a durable write each.
  const pending = async (name: ContractName, address: Address) => {
    state = { ...state, pendingContracts: { ...state.pendingContracts, [name]: address } };
    await options.save(state);
  };
  const deployed = async (name: ContractName, address: Address) => {
    const { [name]: _, ...stillPending } = state.pendingContracts ?? {};
    const first = state.deployedAtBlock === undefined;
    state = {
      ...state,
      deployedAtBlock: state.deployedAtBlock ?? Number(await publicClient.getBlockNumber()),
      contracts: { ...state.contracts, [name]: address },
      pendingContracts: stillPending,
    };
    if (first) await options.save(state);
  };
  const founded = await foundConsortium({
    publicClient,
    walletClient: client.walletClient,
    sender: client.sender,
    options: {
      founderName: founder.name,
      founderRoles: founder.roles,
      timelockDelay: options.timelockDelay ?? 0n,
    },
    known: { ...state.pendingContracts, ...state.contracts },
    onDeploying: pending,
    onDeployed: deployed,
  });
  await options.save(state);
  return founded;
}

/**
 * Adopts contracts the consortium already founded: checks that the Consortium has code and reads
 * every other contract of the manifest from its service directory (`NODE_SERVICE_NOT_BOUND` when one
 * is missing, `NODE_CONTRACTS_OUTDATED` when the Consortium is of the layout before the Governor). With
 * `allowLate`, a late contract (`lateContracts`, e.g. the market's) that is not bound gets the zero address.
 */
export async function attachContracts(
  client: ChainClient,
  consortium: Address,
  options: { allowLate?: boolean } = {},
): Promise<GridContracts> {
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
  const contracts: Partial<GridContracts> = { Consortium: consortium };
  for (const spec of contractManifest) {
    if (!spec.service) continue;
    let bound: Address;
    try {
      bound = (await client.publicClient.readContract({
        address: consortium,
        abi: contractSpec("Consortium").abi,
        functionName: "service",
        args: [spec.service],
      })) as Address;
    } catch {
      bound = zeroAddress;
    }
    if (bound === zeroAddress && options.allowLate && lateContracts.includes(spec.name)) {
      contracts[spec.name] = zeroAddress;
      continue;
    }
    if (bound === zeroAddress) {
      // A Consortium of the old layout has no Governor in its directory (or no directory at all).
      if (spec.name === "ConsortiumGovernor" || spec.name === "GridAuthority") {
        throw new BaseError(
          "NODE_CONTRACTS_OUTDATED",
          `the Consortium at ${consortium} is of the layout before governance by the Governor; its founder migrates it with "gridledger migrate", then join the new Consortium`,
          { details: { consortium, service: spec.name } },
        );
      }
      throw new BaseError(
        "NODE_SERVICE_NOT_BOUND",
        `the Consortium at ${consortium} has no ${spec.name} bound in its service directory`,
        { details: { consortium, service: spec.name } },
      );
    }
    contracts[spec.name] = getAddress(bound);
  }
  return contracts as GridContracts;
}

/**
 * The contracts a node works with. A founding in progress (contracts or pending addresses recorded,
 * not yet complete) is resumed; a complete one is re-read from the Consortium's service directory, so
 * a service governance rebinds is followed at the next start; a new data directory attaches to
 * `attachTo` or founds a new consortium (after `beforeFounding`, e.g. a funds check). A consortium
 * founded before the late contracts (the market's) gets them added when this node can do so alone
 * (`addMissingContracts`); otherwise they keep the zero address and `log` says why.
 */
export async function openContracts(options: {
  client: ChainClient;
  state: NodeState;
  save: (state: NodeState) => Promise<void>;
  founder: { name: string; roles: number };
  timelockDelay: bigint;
  attachTo: Address | undefined;
  beforeFounding: () => Promise<void>;
  /** Where a notice goes (default: standard error). */
  log?: (message: string) => void;
}): Promise<GridContracts> {
  const { client, state, save } = options;
  if (state.founded && state.contracts.Consortium) {
    let contracts = await attachContracts(client, state.contracts.Consortium, { allowLate: true });
    let latest = state;
    const missing = lateContracts.filter((name) => contracts[name] === zeroAddress);
    if (missing.length > 0) {
      const tracked = async (next: NodeState) => {
        latest = next;
        await save(next);
      };
      const added = await addMissingContracts({ client, state, save: tracked, attached: contracts, missing });
      contracts = added.contracts;
      if (added.missingReason) (options.log ?? ((m) => process.stderr.write(`${m}\n`)))(added.missingReason);
    }
    // A late contract still missing is not recorded (its zero address means "not on this chain").
    const recorded = { ...latest.contracts };
    for (const spec of contractManifest) {
      if (contracts[spec.name] !== zeroAddress) recorded[spec.name] = contracts[spec.name];
    }
    const changed = contractManifest.some((spec) => latest.contracts[spec.name] !== recorded[spec.name]);
    if (changed) await save({ ...latest, contracts: recorded });
    return contracts;
  }
  const inProgress =
    Object.keys(state.contracts).length > 0 || Object.keys(state.pendingContracts ?? {}).length > 0;
  if (!inProgress && options.attachTo !== undefined) {
    const contracts = await attachContracts(client, options.attachTo, { allowLate: true });
    const recorded = Object.fromEntries(Object.entries(contracts).filter(([, a]) => a !== zeroAddress));
    await save({ ...state, contracts: recorded, deployedAtBlock: 0, founded: true });
    return contracts;
  }
  if (!inProgress) await options.beforeFounding();
  let latest = state;
  const contracts = await deployContracts({
    ...options,
    save: async (next) => {
      latest = next;
      await save(next);
    },
  });
  await save({ ...latest, contracts, founded: true });
  return contracts;
}
