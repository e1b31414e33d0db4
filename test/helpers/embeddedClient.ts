import { join } from "node:path";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { type ChainClient, createChainClient } from "../../src/chain/chainClient.js";
import { createEmbeddedChain } from "../../src/chain/embedded/index.js";
import { tempDir } from "./cli.js";

/**
 * A fresh embedded chain (id 1337, any sender) in a temporary directory, with a chain client for a new
 * funded key; what it opens is closed by the `closers` the caller runs after the test.
 */
export async function embeddedClient(
  closers: (() => Promise<void>)[],
): Promise<{ client: ChainClient; operator: `0x${string}` }> {
  const dir = await tempDir();
  closers.push(dir.cleanup);
  const privateKey = generatePrivateKey();
  const operator = privateKeyToAddress(privateKey);
  const chain = await createEmbeddedChain({
    dataDir: join(dir.dir, "chain"),
    chainId: 1337,
    genesisAccounts: [{ address: operator, balance: 10n ** 21n }],
    senders: "any",
  });
  closers.push(() => chain.close());
  const client = createChainClient({
    endpoint: { kind: "embedded", request: chain.request },
    chainId: 1337,
    privateKey,
  });
  return { client, operator };
}
