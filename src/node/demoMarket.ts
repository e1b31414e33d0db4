import type { Address } from "viem";
import { readAccountKeyFile } from "../auth/accountKey.js";
import { type BidderTrader, startMarketBidder } from "../sim/marketBidder.js";
import { demoOwnedDevices } from "../sim/registerSimDevices.js";
import { type DemoAccount, demoAccountKey, grantOnce } from "./demoAccounts.js";
import { seedDemoMarket } from "./demoMarketSeed.js";
import type { NodeContext } from "./openNode.js";

/**
 * The demo market's traders besides the demo prosumer (whose account owns the first three
 * households of Guangdong's first simulated community): one account per simulated device, the two
 * PV roofs selling their surplus and three households buying. Their key files are
 * `<dataDir>/demo-accounts/market-<label>.key`.
 */
export const demoMarketTraders = [
  { label: "pv-1", device: "CN-GD/c01/prosumer-01" },
  { label: "pv-2", device: "CN-GD/c01/prosumer-02" },
  { label: "household-4", device: "CN-GD/c01/household-04" },
  { label: "household-5", device: "CN-GD/c01/household-05" },
  { label: "household-6", device: "CN-GD/c01/household-06" },
] as const;

/** A demo market trader's account: the simulated device it owns, its address and its key file. */
export type DemoTrader = { label: string; device: string; address: Address; keyFile: string };

/**
 * Creates each demo market trader's key file once (reused on restart) and grants its account the
 * prosumer role in the node's own community where the chain does not hold it yet, so the simulator
 * can register the trader's device as its own and the market takes its orders.
 */
export async function seedDemoTraders(
  node: Pick<NodeContext, "registry" | "indexer" | "accounts">,
  dataDir: string,
): Promise<DemoTrader[]> {
  const community = node.registry.operator;
  const traders: DemoTrader[] = [];
  for (const { label, device } of demoMarketTraders) {
    const { keyFile, address } = await demoAccountKey(dataDir, `market-${label}`);
    await grantOnce(node, { account: address, role: "prosumer", scope: { kind: "community", community } });
    traders.push({ label, device, address, keyFile });
  }
  await node.indexer.sync();
  return traders;
}

/** What {@link startDemoMarket} needs besides the node. */
export type DemoMarketOptions = {
  apiUrl: string;
  /** The simulator's state file (device keys, hence the traders' device ids). */
  simulatorStateFile: string;
  /** The demo accounts: the grid operator sets the tariffs; the prosumer trades for its households. */
  accounts: readonly DemoAccount[];
  /** How many of the scenario's first community devices the demo prosumer owns. */
  prosumerDevices: number;
  traders: readonly DemoTrader[];
  log: (message: string) => void;
};

/**
 * Runs the demo market in the background of a `start --demo` node: sets it up ({@link seedDemoMarket}:
 * opened, tariffs, reward rate, every trader's escrow), then has the simulator's traders place their
 * orders slot by slot (src/sim/marketBidder.ts). A failure is logged and stops the market part only,
 * never the node. `stop()` ends the bidding.
 */
export function startDemoMarket(
  node: Parameters<typeof seedDemoMarket>[0],
  options: DemoMarketOptions,
): { stop(): Promise<void> } {
  const community = node.registry.operator;
  const grid = options.accounts.find((a) => a.role === "grid-operator");
  const prosumer = options.accounts.find((a) => a.role === "prosumer");
  let bidder: { stop(): Promise<void> } | undefined;
  let stopped = false;
  const started = (async () => {
    if (!grid) return;
    const seeded = await seedDemoMarket(node, {
      gridOperatorKeyFile: grid.keyFile,
      traders: [...(prosumer ? [prosumer.address] : []), ...options.traders.map((t) => t.address)],
    });
    if ("skipped" in seeded) return options.log(`demo market: not started: ${seeded.skipped}`);
    if (seeded.opened) options.log(`demo market: opened ${seeded.market}`);
    if (seeded.funded.length > 0)
      options.log(`demo market: escrow topped up for ${seeded.funded.length} traders`);
    const traders: BidderTrader[] = [];
    for (const trader of options.traders) {
      const { key } = await readAccountKeyFile(trader.keyFile);
      traders.push({ key, devices: () => [trader.device] });
    }
    if (prosumer) {
      const { key } = await readAccountKeyFile(prosumer.keyFile);
      const owner = { owner: prosumer.address, community, count: options.prosumerDevices };
      traders.push({ key, devices: (scenario) => [...demoOwnedDevices(scenario.devices, owner)] });
    }
    if (stopped) return;
    bidder = startMarketBidder({
      nodeUrl: options.apiUrl,
      stateFile: options.simulatorStateFile,
      community,
      traders,
      log: options.log,
    });
  })().catch((error: unknown) => {
    options.log(`demo market: stopped: ${error instanceof Error ? error.message : String(error)}`);
  });
  return {
    async stop() {
      stopped = true;
      await started;
      await bidder?.stop();
    },
  };
}
