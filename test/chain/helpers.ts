import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { onTestFinished } from "vitest";
import {
  createEmbeddedChain,
  type EmbeddedChain,
  type SenderPolicy,
} from "../../src/chain/embedded/index.js";

/** Chain id used by the chain tests. */
export const TEST_CHAIN_ID = 31_337;

/** Well-known development keys (the same as anvil's first accounts). */
export const TEST_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
] as const satisfies readonly Hex[];

/** Balance of every funded test account: 1,000,000 ether. */
export const TEST_BALANCE = 10n ** 24n;

/** Creates a fresh directory under the OS temp directory. */
export function createTempDir(prefix = "gridledger-chain-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory created by {@link createTempDir}. */
export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** How a test chain is opened: a development chain accepting every sender unless said otherwise. */
export type TestChainOptions = { devChain?: boolean; senders?: SenderPolicy };

/**
 * Opens an embedded chain in `dataDir` with the test accounts funded. It is a development chain
 * (`evm_*` methods, every sender accepted) unless `options` say otherwise.
 */
export function openTestChain(
  dataDir: string,
  chainId = TEST_CHAIN_ID,
  options: TestChainOptions = {},
): Promise<EmbeddedChain> {
  return createEmbeddedChain({
    dataDir,
    chainId,
    devChain: options.devChain ?? true,
    senders: options.senders ?? "any",
    genesisAccounts: TEST_KEYS.map((key) => ({
      address: privateKeyToAccount(key).address,
      balance: TEST_BALANCE,
    })),
  });
}

/** viem chain definition for the test chain. */
export const testChain = defineChain({
  id: TEST_CHAIN_ID,
  name: "GridLedger test chain",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [] } },
});

/** viem clients talking to `chain` in-process through `custom(chain)`. */
export function clientsFor(
  chain: EmbeddedChain,
  key: Hex = TEST_KEYS[0],
): { publicClient: PublicClient; walletClient: WalletClient; account: PrivateKeyAccount } {
  const account = privateKeyToAccount(key);
  const transport = custom(chain, { retryCount: 0 });
  return {
    publicClient: createPublicClient({ chain: testChain, transport, pollingInterval: 10 }),
    walletClient: createWalletClient({ chain: testChain, transport, account }),
    account,
  };
}

/**
 * A fresh chain in its own temp directory (a development chain unless `options` say otherwise),
 * closed and removed when the current test finishes.
 */
export async function setupChain(options: TestChainOptions = {}): Promise<{
  chain: EmbeddedChain;
  dataDir: string;
  reopen(): Promise<EmbeddedChain>;
}> {
  const dataDir = await createTempDir();
  let chain = await openTestChain(dataDir, TEST_CHAIN_ID, options);
  onTestFinished(async () => {
    await chain.close();
    await removeTempDir(dataDir);
  });
  return {
    get chain() {
      return chain;
    },
    dataDir,
    async reopen() {
      await chain.close();
      chain = await openTestChain(dataDir, TEST_CHAIN_ID, options);
      return chain;
    },
  };
}
