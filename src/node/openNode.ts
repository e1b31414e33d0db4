import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { type AnalyticsConfig, loadAnalyticsConfig } from "../analytics/analyticsConfig.js";
import { type AccountsClient, createAccountsClient } from "../auth/accountsClient.js";
import {
  type ChainClient,
  type ChainEndpoint,
  createChainClient,
  fetchChainId,
} from "../chain/chainClient.js";
import { createEmbeddedChain, type EmbeddedChain } from "../chain/embedded/index.js";
import { initDefaults, type NodeConfig } from "../core/config.js";
import { acquireDataDirLock } from "../core/dataDirLock.js";
import { describeModeFixes, secureDataDir, secureOwnDirectory } from "../core/dataDirModes.js";
import { BaseError } from "../core/errors.js";
import { type Database, openDatabase } from "../db/database.js";
import { createGovernanceClient, type GovernanceClient } from "../governance/governanceClient.js";
import { createGridHooks, type GridHooks } from "../hooks/gridHooks.js";
import { createRegistryClient, type GridContracts, type RegistryClient } from "../registry/registryClient.js";
import { createRegistryIndexer, type RegistryIndexer } from "../registry/registryIndexer.js";
import { createRegistryStore, type RegistryStore } from "../registry/registryStore.js";
import { encodeRoles } from "../registry/roles.js";
import { loadOrCreateApiToken } from "./apiToken.js";
import { contractsOutdated, hasOutdatedContracts, openContracts } from "./deployContracts.js";
import { composeHooks, type ModuleContext } from "./modules.js";
import { loadOrCreateOperatorKey, type NodeState, readNodeState, writeNodeState } from "./nodeState.js";
import { oldFounder } from "./oldLayout.js";

/** How the consortium is bootstrapped when a data directory is initialised. */
export type InitOptions = {
  /** Name of the operator's organisation (the first seat holder). */
  name?: string | undefined;
  /** Roles of the operator's organisation, comma-separated. */
  roles?: string | undefined;
  /** Use this key (e.g. a funded account on an external network) instead of a new random one. */
  privateKey?: string | undefined;
  /** Attach to a Consortium the consortium already deployed instead of deploying new contracts. */
  consortium?: string | undefined;
  /** Seconds between a passed proposal's queueing and its execution, set at founding (default 0). */
  timelockDelay?: bigint | undefined;
};

/** Balance of each account funded at genesis on the embedded chain: 1,000,000 ETH in wei. */
const genesisBalance = 10n ** 24n;

/**
 * The development accounts funded on a new embedded development chain (`--dev-chain`, `start --demo`)
 * besides the operator: the first ten of the well-known test mnemonic "test test … junk" that Foundry's
 * anvil and Hardhat also fund, so `cast send` works out of the box. Their keys are public: a plain
 * chain funds only the operator. Listed rather than derived: deriving costs most of a second at every start
 * (test/node/devAccounts.test.ts checks the list against the mnemonic).
 */
export const devAccounts: readonly Address[] = [
  "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
  "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
  "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
  "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
];

/** A node's open resources: database, chain, contracts and the registry on top. */
export type NodeContext = {
  config: NodeConfig;
  state: NodeState;
  chainId: number;
  contracts: GridContracts;
  db: Database;
  client: ChainClient;
  /** The in-process chain, when the node runs the embedded one. */
  embedded: EmbeddedChain | undefined;
  registry: RegistryClient;
  /** Proposals, votes and execution through the Governor, as the node's organisation. */
  governance: GovernanceClient;
  /** Role bindings and access-log anchors on chain, as the node's organisation. */
  accounts: AccountsClient;
  /** Token the HTTP API requires for writes (`<dataDir>/api-token`). */
  apiToken: string;
  store: RegistryStore;
  indexer: RegistryIndexer;
  /**
   * The hooks the modules talk through, with every module's handlers registered (analytics records
   * incidents as alerts): the registry indexer publishes on them from the first sync on.
   */
  hooks: GridHooks;
  /** The analytics settings the hooks were composed with. */
  analytics: AnalyticsConfig;
  /** What the modules' hooks were composed with; startNode gives the same to their jobs and schedules. */
  moduleContext: ModuleContext;
  close(): Promise<void>;
};

function endpointMismatch(state: NodeState, config: NodeConfig): BaseError | undefined {
  if (state.chain.mode === "embedded" && config.rpcUrl !== undefined) {
    return new BaseError(
      "NODE_CHAIN_MISMATCH",
      `${config.dataDir} was initialised with the embedded chain; start it without --rpc-url, or use another --data-dir`,
    );
  }
  if (state.chain.mode === "external" && config.rpcUrl === undefined) {
    return new BaseError(
      "NODE_CHAIN_MISMATCH",
      `${config.dataDir} was initialised against ${state.chain.rpcUrl}; pass --rpc-url (or GRIDLEDGER_RPC_URL)`,
    );
  }
  return undefined;
}

/** Options of {@link openNode} that are not configuration. */
export type OpenNodeOptions = {
  /** Where warnings go (e.g. permissions fixed in the data directory); default stderr. */
  warn?: (message: string) => void;
  /**
   * Opens a data directory of the old contract layout (or one whose migration was interrupted) by
   * founding the new contract set, remembering the old one in `migratingFrom` (`gridledger migrate`).
   */
  migrate?: boolean;
  /** Analytics settings already loaded (startNode's); default: `--analytics-config` or `<data-dir>/analytics.json`. */
  analytics?: AnalyticsConfig;
  /** The node's clock in Unix milliseconds (tests move it past a market's gate closure); default `Date.now`. */
  now?: () => number;
};

/**
 * Opens a node's data directory, initialising it when new: operator key, chain (embedded or
 * external), database with migrations, contract deployment (or attachment) and the registry index.
 *
 * Files stay owner-only: the process umask becomes 0077 (so the chain's, the database's and the
 * node's own files are created 0600, directories 0700), and a data directory found readable by
 * others is tightened with a warning naming what changed.
 */
export async function openNode(
  config: NodeConfig,
  init: InitOptions = {},
  options: OpenNodeOptions = {},
): Promise<NodeContext> {
  const warn = options.warn ?? ((message: string) => console.error(`warning: ${message}`));
  process.umask(0o077);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = await acquireDataDirLock(config.dataDir, {
    fileName: "node.lock",
    code: "NODE_DATA_DIR_LOCKED",
  });
  const cleanups: (() => Promise<void>)[] = [lock.release];
  const modeFixes = await secureDataDir(config.dataDir).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  if (modeFixes.length > 0) warn(describeModeFixes(config.dataDir, modeFixes));
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const existing = await readNodeState(config.dataDir);
    if (existing) {
      const mismatch = endpointMismatch(existing, config);
      if (mismatch) throw mismatch;
      const outdated = hasOutdatedContracts(existing) || existing.migratingFrom !== undefined;
      if (outdated && !options.migrate) {
        throw contractsOutdated(
          config.dataDir,
          existing.migratingFrom?.Consortium ?? existing.contracts.Consortium,
        );
      }
    }
    const privateKey: Hex = await loadOrCreateOperatorKey(
      config.dataDir,
      init.privateKey ?? (process.env.GRIDLEDGER_PRIVATE_KEY || undefined),
    );
    const operator = privateKeyToAddress(privateKey);
    // Read by the embedded chain's account permissioning at every transaction: it follows the
    // deployment (the operator alone may send until the Consortium exists).
    let consortium = existing?.contracts.Consortium;
    let embedded: EmbeddedChain | undefined;
    let endpoint: ChainEndpoint;
    let chainId: number;
    if (config.rpcUrl === undefined) {
      chainId = existing?.chainId ?? config.chainId;
      embedded = await createEmbeddedChain({
        dataDir: join(config.dataDir, "chain"),
        chainId,
        // Only applied when the chain is created: a chain made before keeps the accounts it funded.
        genesisAccounts: (config.devChain ? [operator, ...devAccounts] : [operator]).map((address) => ({
          address,
          balance: genesisBalance,
        })),
        devChain: config.devChain,
        senders: config.devChain ? "any" : { operator, consortium: () => consortium },
      });
      cleanups.push(() => embedded!.close());
      endpoint = { kind: "embedded", request: embedded.request };
    } else {
      endpoint = { kind: "external", rpcUrl: config.rpcUrl };
      chainId = await fetchChainId(endpoint);
      if (existing && existing.chainId !== chainId) {
        throw new BaseError(
          "NODE_CHAIN_MISMATCH",
          `${config.rpcUrl} serves chain ${chainId} but ${config.dataDir} belongs to chain ${existing.chainId}`,
          { details: { expected: existing.chainId, actual: chainId } },
        );
      }
    }
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    cleanups.push(() => db.close());
    // A new PGlite cluster is copied into db/ with chmod 0666, which the umask does not cover; the
    // files Postgres creates later are opened with the umask (0600).
    if (config.databaseUrl === undefined) await secureOwnDirectory(join(config.dataDir, "db"));
    const client = createChainClient({ endpoint, chainId, privateKey });

    let state: NodeState = existing ?? {
      version: 1,
      chainId,
      chain: config.rpcUrl === undefined ? { mode: "embedded" } : { mode: "external", rpcUrl: config.rpcUrl },
      operator,
      contracts: {},
    };
    if (state.chain.mode === "external" && config.rpcUrl !== undefined) state.chain.rpcUrl = config.rpcUrl;
    if (options.migrate && hasOutdatedContracts(state)) {
      const { deployedAtBlock: _, ...rest } = state;
      state = {
        ...rest,
        migratingFrom: state.contracts,
        contracts: {},
        pendingContracts: {},
        founded: false,
      };
    }
    const save = async (next: NodeState) => {
      state = next;
      consortium = next.contracts.Consortium;
      await writeNodeState(config.dataDir, next);
    };
    const attachTo = init.consortium ?? (process.env.GRIDLEDGER_CONSORTIUM || undefined);
    const founder = state.migratingFrom?.Consortium
      ? await oldFounder(client, state.migratingFrom.Consortium, operator)
      : { name: init.name ?? initDefaults.name, roles: encodeRoles(init.roles ?? initDefaults.roles) };
    if (attachTo !== undefined && !isAddress(attachTo, { strict: false })) {
      throw new BaseError(
        "NODE_INVALID_ADDRESS",
        `--consortium must be a contract address, got "${attachTo}"`,
      );
    }
    const contracts: GridContracts = await openContracts({
      client,
      state,
      save,
      founder,
      timelockDelay: init.timelockDelay ?? 0n,
      attachTo: attachTo === undefined ? undefined : getAddress(attachTo),
      beforeFounding: () => requireFunds(client, operator),
    });
    const store = createRegistryStore(db);
    const analytics =
      options.analytics ??
      loadAnalyticsConfig(config.analyticsConfig ?? join(config.dataDir, "analytics.json"), {
        required: config.analyticsConfig !== undefined,
      });
    const hooks = createGridHooks();
    const moduleContext: ModuleContext = {
      db,
      analytics,
      anchorGraceSeconds: config.anchorGraceSeconds,
      chain: {
        client,
        chainId,
        contracts,
        // The indexer is created below, with the hooks; a module syncs only once the node runs.
        sync: () => indexer.sync(),
        fromBlock: BigInt(state.deployedAtBlock ?? 0),
      },
      now: options.now,
    };
    composeHooks(hooks, moduleContext);
    const indexer = createRegistryIndexer({
      db,
      publicClient: client.publicClient,
      contracts,
      fromBlock: BigInt(state.deployedAtBlock ?? 0),
      confirmations: config.confirmations,
      hooks,
    });
    await indexer.sync();
    const apiToken = await loadOrCreateApiToken(config.dataDir);
    const governance = createGovernanceClient({
      client,
      contracts,
      fromBlock: BigInt(state.deployedAtBlock ?? 0),
    });
    return {
      apiToken,
      config,
      get state() {
        return state;
      },
      chainId,
      contracts,
      db,
      client,
      embedded,
      registry: createRegistryClient({ client, contracts, governance }),
      governance,
      accounts: createAccountsClient({ client, address: contracts.Accounts }),
      store,
      indexer,
      hooks,
      analytics,
      moduleContext,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function requireFunds(client: ChainClient, operator: Address): Promise<void> {
  const balance = await client.publicClient.getBalance({ address: operator });
  if (balance === 0n) {
    throw new BaseError(
      "NODE_OPERATOR_UNFUNDED",
      `the operator account ${operator} has no funds on chain ${client.chain.id}; fund it, or give a funded key in GRIDLEDGER_PRIVATE_KEY before the first start`,
      { details: { operator, chainId: client.chain.id } },
    );
  }
}
