import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { type Address, type Hex, hexToString, isHex, pad } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { accountRoleIds, type ChainRole } from "../../src/auth/roles.js";
import { type DeviceKey, generateDeviceKey } from "../../src/metering/deviceKey.js";
import type { MeteringNode } from "../helpers/metering.js";

/** An account of the browser tests: its key, its address, and its key file on disk (0x + 64 hex, as the demo writes them). */
export type TestAccount = { key: Hex; address: Address; keyFile: string };

/** A new account with its key file in `dir`. */
export async function newAccount(dir: string, name: string): Promise<TestAccount> {
  const key = generatePrivateKey();
  const keyFile = join(dir, `${name}.key`);
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  return { key, address: privateKeyToAccount(key).address, keyFile };
}

/**
 * Gives `account` a role as the chain would after `Accounts.grant` and the indexer's mirror of its
 * `RoleGranted` event: a row of `account_roles` (scope: everywhere, a region by its code, or a community).
 */
export async function grantRole(
  t: MeteringNode,
  account: Address,
  role: ChainRole,
  scope: { region: string } | { community: Address } | "all" = "all",
): Promise<void> {
  let word: string = pad("0x", { size: 32 });
  if (scope !== "all" && "region" in scope) {
    const region = await t.node.context.store.getRegion(scope.region);
    if (!region) throw new Error(`no region ${scope.region}`);
    word = region.regionId;
  } else if (scope !== "all") {
    word = pad(scope.community.toLowerCase() as Address, { size: 32 });
  }
  await t.node.context.db.query(
    `insert into account_roles (account, role, scope, granted_by) values ($1, $2, $3, $4)
     on conflict do nothing`,
    [
      account.toLowerCase(),
      accountRoleIds[role],
      word.toLowerCase(),
      t.node.context.registry.operator.toLowerCase(),
    ],
  );
}

/**
 * Admits `address` to the consortium with consortium `roles` (a household as a prosumer member, a
 * community): the chain lets only members own devices and only communities group them.
 */
export async function admitMember(t: MeteringNode, address: Address, name: string, roles: string[]) {
  const admitted = await t.post("/v1/proposals", { kind: "admit-member", address, name, roles });
  if (admitted.status !== 200 || !admitted.body.executed)
    throw new Error(`admission failed: ${JSON.stringify(admitted.body)}`);
  await t.node.context.indexer.sync();
}

/** Registers a device of `owner` (a member; with its community) in `region`, as the region's operator node; returns its key. */
export async function ownedDevice(
  t: MeteringNode,
  options: { region: string; owner: Address; community?: Address; kind?: string },
): Promise<DeviceKey> {
  const key = generateDeviceKey("ed25519");
  const registered = await t.post("/v1/devices", {
    devices: [
      {
        region: options.region,
        kind: options.kind ?? "consumption",
        scheme: key.scheme,
        publicKey: Buffer.from(key.publicKey).toString("hex"),
        owner: options.owner,
        community: options.community,
      },
    ],
  });
  if (registered.status !== 200)
    throw new Error(`device registration failed: ${JSON.stringify(registered.body)}`);
  await t.node.context.indexer.sync();
  return key;
}

/** Signs in through the dashboard's dialog with a key file, picked (`pick`) or pasted; waits for the header to name the account. */
export async function signInWithKeyFile(
  page: Page,
  account: TestAccount,
  how: "pick" | "paste",
): Promise<void> {
  await page.getByTestId("sign-in").click();
  const dialog = page.getByTestId("sign-in-dialog");
  await dialog.getByTestId("sign-in-key").click();
  if (how === "pick") await dialog.getByTestId("key-file").setInputFiles(account.keyFile);
  else await dialog.getByTestId("key-text").fill(account.key);
  await dialog.getByTestId("sign-in-submit").click();
  // A locator wait, not expect.poll: this also runs in beforeAll.
  await page
    .locator(`[data-testid="whoami"][data-account="${account.address}"]`)
    .waitFor({ timeout: 15_000 });
}

/**
 * A stand-in for a browser wallet (EIP-1193 `window.ethereum`) holding `account`'s key in the test
 * process: the page asks for accounts and for personal_sign as it would ask MetaMask.
 */
export async function injectWallet(page: Page, account: TestAccount): Promise<void> {
  const signer = privateKeyToAccount(account.key);
  await page.exposeFunction("__testWalletSign", async (message: string) => {
    if (!isHex(message)) throw new Error("personal_sign expects the message as hex");
    // The wallet signs the UTF-8 text it shows the user.
    return signer.signMessage({ message: hexToString(message) });
  });
  await page.addInitScript((address: string) => {
    const w = globalThis as unknown as {
      ethereum: unknown;
      __testWalletSign(message: string): Promise<string>;
    };
    w.ethereum = {
      async request({ method, params }: { method: string; params?: unknown[] }) {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
        if (method === "personal_sign") return w.__testWalletSign((params ?? [])[0] as string);
        throw Object.assign(new Error(`unsupported ${method}`), { code: 4200 });
      },
    };
  }, account.address);
}
