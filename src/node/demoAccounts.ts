import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Address } from "viem";
import { createAccountKeyFile, readAccountKeyFile } from "../auth/accountKey.js";
import type { ChainRole, Scope } from "../auth/roles.js";
import { demoRegions } from "./demoRegions.js";
import type { NodeContext } from "./openNode.js";

/** The roles `start --demo` makes one account for, in the order the banner lists them. */
export const demoAccountRoles = [
  "regulator",
  "region-operator",
  "grid-operator",
  "community-operator",
  "prosumer",
  "issuer",
  "auditor",
  "collector",
] as const satisfies readonly ChainRole[];

/** The consortium roles the demo organisation needs to grant every demo account's role. */
const demoOrgRoles = ["regulator", "grid-operator", "region-operator", "community", "issuer", "auditor"];

/** One demo account: its role and scope, its address and its key file. */
export type DemoAccount = { role: ChainRole; scope: Scope; address: Address; keyFile: string };

/** `<dataDir>/demo-accounts`, where the demo's account keys live (one `<role>.key` each, mode 0600). */
export const demoAccountsDir = (dataDir: string) => join(dataDir, "demo-accounts");

function demoScope(role: ChainRole, organisation: Address): Scope {
  const region = demoRegions[0].code;
  if (role === "region-operator" || role === "grid-operator" || role === "collector")
    return { kind: "region", region };
  if (role === "community-operator" || role === "prosumer")
    return { kind: "community", community: organisation };
  return { kind: "all" };
}

/**
 * The demo account key `<dataDir>/demo-accounts/<name>.key` (mode 0600): created the first time,
 * read on every later start, so a demo account keeps its address across restarts.
 */
export async function demoAccountKey(
  dataDir: string,
  name: string,
): Promise<{ keyFile: string; address: Address }> {
  const dir = demoAccountsDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, `${name}.key`);
  const exists = await access(keyFile).then(
    () => true,
    () => false,
  );
  const { address } = exists ? await readAccountKeyFile(keyFile) : await createAccountKeyFile(keyFile);
  return { keyFile, address };
}

/** Grants a role binding on chain unless the chain holds it already (a restarted demo grants nothing). */
export async function grantOnce(
  node: Pick<NodeContext, "accounts">,
  grant: { account: Address; role: ChainRole; scope: Scope },
): Promise<void> {
  if ((await node.accounts.grantorOf(node.accounts.bindingOf(grant))) === undefined) {
    await node.accounts.grant(grant);
  }
}

/**
 * Gives the demo one account per role (after the demo regions exist): the node's organisation is granted
 * the consortium roles it lacks (community, issuer, auditor — it is the only seat, so the proposal passes
 * at once), each `<dataDir>/demo-accounts/<role>.key` is created once and reused on restart, and each
 * account is granted its role on chain where the chain does not hold it yet (region roles in the
 * first demo region; community roles in the node's own community).
 */
export async function seedDemoAccounts(
  node: Pick<NodeContext, "registry" | "store" | "indexer" | "accounts">,
  dataDir: string,
): Promise<DemoAccount[]> {
  const organisation = node.registry.operator;
  await node.indexer.sync();
  const held = (await node.store.getOrganisation(organisation))?.roles ?? [];
  for (const role of demoOrgRoles) {
    if (held.includes(role)) continue;
    await node.registry.propose(
      { kind: "grant-role", address: organisation, role },
      `demo: the node's organisation grants ${role} accounts`,
    );
  }
  await node.indexer.sync();
  const accounts: DemoAccount[] = [];
  for (const role of demoAccountRoles) {
    const { keyFile, address } = await demoAccountKey(dataDir, role);
    const scope = demoScope(role, organisation);
    await grantOnce(node, { account: address, role, scope });
    accounts.push({ role, scope, address, keyFile });
  }
  await node.indexer.sync();
  return accounts;
}
