import type { FastifyInstance } from "fastify";
import type { AnalyticsConfig } from "../analytics/analyticsConfig.js";
import { analyticsModule } from "../analytics/module.js";
import { authModule } from "../auth/module.js";
import type { ChainClient } from "../chain/chainClient.js";
import type { AnyIndexerHandler } from "../chain/indexer/eventIndexer.js";
import type { ContractAddresses } from "../chain/manifest.js";
import type { Database } from "../db/database.js";
import { governanceModule } from "../governance/module.js";
import type { GridHooks } from "../hooks/gridHooks.js";
import type { AnyJobKind } from "../jobs/jobKinds.js";
import { jobsModule } from "../jobs/module.js";
import type { Schedule } from "../jobs/scheduler.js";
import { marketModule } from "../market/module.js";
import { meteringModule } from "../metering/module.js";
import { registryModule } from "../registry/module.js";
import type { ServerContext } from "../server/createServer.js";

/** What a module's factories get from the node (or from `gridledger worker`, which has no chain). */
export type ModuleContext = {
  db: Database;
  /** Analytics settings: UTC offset of days, coefficients, alert thresholds. */
  analytics: AnalyticsConfig;
  /** Seconds after an interval ends before it is anchored. */
  anchorGraceSeconds: number;
  /** The chain, as the node's operator key writes to it; absent in `gridledger worker` (no chain). */
  chain?: ModuleChain | undefined;
  /** The current time in Unix milliseconds (tests move it); default `Date.now`. */
  now?: (() => number) | undefined;
};

/** The node's chain access for a module: clients and sender of the operator key, contract addresses. */
export type ModuleChain = {
  client: ChainClient;
  chainId: number;
  /** The contracts this node knows (a data directory founded before a contract existed lacks it). */
  contracts: Partial<ContractAddresses>;
  /** Brings the node's event indexer (every module's handlers) up to the chain's head. */
  sync(): Promise<unknown>;
  /** The block the contracts were deployed at: where a scan of their events starts. */
  fromBlock: bigint;
};

/** Contracts, deployment block and the node's hooks (to publish on), for a module's event handlers. */
export type ChainContext = {
  contracts: Pick<ContractAddresses, "Consortium" | "Registry"> & Partial<ContractAddresses>;
  fromBlock: bigint;
  hooks: GridHooks;
};

/**
 * One capability of the node (`src/<capability>/module.ts`): everything the node needs to compose it,
 * so adding a capability is writing its folder and adding it to {@link gridModules}.
 * - `migrations`: the files of src/db/migrations (one numbered sequence for all modules) it owns;
 * - `routes`: registers its HTTP routes (fastify plugin) on the node's server;
 * - `hooks`: registers handlers on the hooks other modules publish (src/hooks/gridHooks.ts);
 * - `eventHandlers`: its handlers of contract events (src/chain/indexer/);
 * - `jobKinds` and `schedules`: the jobs it runs and enqueues (src/jobs/);
 * - `start`: what it does once when the node starts.
 */
export type GridModule = {
  name: string;
  migrations: readonly string[];
  routes?: (app: FastifyInstance, context: ServerContext) => void | Promise<void>;
  hooks?: (hooks: GridHooks, context: ModuleContext) => void;
  eventHandlers?: (chain: ChainContext) => AnyIndexerHandler[];
  jobKinds?: (context: ModuleContext) => AnyJobKind[];
  schedules?: (context: ModuleContext) => Schedule[];
  /** Work to do once when the node starts, before its jobs run (e.g. queue a rollup rebuild). */
  start?: (context: ModuleContext) => Promise<void>;
};

/** The node's modules, in the order they are composed. */
export const gridModules: readonly GridModule[] = [
  meteringModule,
  registryModule,
  governanceModule,
  authModule,
  analyticsModule,
  jobsModule,
  marketModule,
];

/** Registers every module's hook handlers on `hooks`. */
export function composeHooks(hooks: GridHooks, context: ModuleContext, modules = gridModules): void {
  for (const module of modules) module.hooks?.(hooks, context);
}

/** Every module's job kinds: what the node's workers and `gridledger worker` run. */
export function composeJobKinds(context: ModuleContext, modules = gridModules): AnyJobKind[] {
  return modules.flatMap((module) => module.jobKinds?.(context) ?? []);
}

/** Every module's schedules: what the node's jobs scheduler runs each tick. */
export function composeSchedules(context: ModuleContext, modules = gridModules): Schedule[] {
  return modules.flatMap((module) => module.schedules?.(context) ?? []);
}

/** Every module's event handlers, for the node's event indexer. */
export function composeEventHandlers(chain: ChainContext, modules = gridModules): AnyIndexerHandler[] {
  return modules.flatMap((module) => module.eventHandlers?.(chain) ?? []);
}

/** Runs every module's `start`, in list order. */
export async function startModules(context: ModuleContext, modules = gridModules): Promise<void> {
  for (const module of modules) await module.start?.(context);
}
