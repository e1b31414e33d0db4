import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Address } from "viem";
import { createAccountKeyFile, readAccountKeyFile } from "../auth/accountKey.js";
import { demoAccountsDir } from "./demoAccounts.js";
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
  const dir = demoAccountsDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const traders: DemoTrader[] = [];
  for (const { label, device } of demoMarketTraders) {
    const keyFile = join(dir, `market-${label}.key`);
    const exists = await access(keyFile).then(
      () => true,
      () => false,
    );
    const { address } = exists ? await readAccountKeyFile(keyFile) : await createAccountKeyFile(keyFile);
    const grant = { account: address, role: "prosumer", scope: { kind: "community", community } } as const;
    if ((await node.accounts.grantorOf(node.accounts.bindingOf(grant))) === undefined) {
      await node.accounts.grant(grant);
    }
    traders.push({ label, device, address, keyFile });
  }
  await node.indexer.sync();
  return traders;
}
