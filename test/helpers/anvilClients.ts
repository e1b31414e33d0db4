import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  custom,
  defineChain,
  type Hash,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type TransactionReceipt,
  type Transport,
  toHex,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Anvil } from "./anvil.js";

type Wallet = WalletClient<Transport, Chain, Account>;

/** viem clients for an anvil node: one wallet per dev account. */
export type AnvilClients = {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"anvil", Transport, Chain>;
  /** One wallet client per anvil dev account. */
  wallets: Wallet[];
  /** Addresses of the dev accounts, same order as `wallets`. */
  addresses: Address[];
  /** The wallet of dev account `i` (throws when there is none). */
  walletOf: (i: number) => Wallet;
  /** Waits for a transaction and returns its receipt, throwing (with the revert, when known) when it reverted. */
  mined: (hash: Hash | Promise<Hash>) => Promise<TransactionReceipt>;
};

/**
 * The clients of `anvil`'s dev accounts. Their gas estimates get the node's headroom of a fifth
 * (src/chain/txSender.ts): a seat checkpoint costs more when a transaction lands in a later second than
 * the one it was estimated in. viem fills transactions with `eth_fillTransaction` when the node has it.
 */
export function anvilClients(anvil: Anvil): AnvilClients {
  const chain = defineChain({
    id: anvil.chainId,
    name: "anvil",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const transport = http(anvil.rpcUrl, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 });
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  const rpc = transport({ chain, retryCount: 0 });
  const withHeadroom = (gas: Hex) => toHex((BigInt(gas) * 6n) / 5n);
  const headroomTransport = custom({
    async request(args: { method: string; params?: unknown }) {
      const result = await rpc.request(args as Parameters<typeof rpc.request>[0]);
      if (args.method === "eth_estimateGas") return withHeadroom(result as Hex);
      if (args.method === "eth_fillTransaction") {
        const filled = result as { tx: { gas: Hex } };
        return { ...filled, tx: { ...filled.tx, gas: withHeadroom(filled.tx.gas) } };
      }
      return result;
    },
  });
  const wallets = anvil.accounts.map((a) =>
    createWalletClient({ chain, transport: headroomTransport, account: privateKeyToAccount(a.privateKey) }),
  );
  const walletOf = (i: number) => {
    const wallet = wallets[i];
    if (!wallet) throw new Error(`no anvil account ${i}`);
    return wallet;
  };
  const mined = async (hash: Hash | Promise<Hash>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash, pollingInterval: 20 });
    if (receipt.status !== "success") {
      // Replay the call on the state before its block, so the failure names the revert.
      const tx = await publicClient.getTransaction({ hash: receipt.transactionHash });
      const why = await publicClient
        .call({ account: tx.from, to: tx.to, data: tx.input, blockNumber: receipt.blockNumber - 1n })
        .then(
          () => "",
          (e: unknown) => `: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
        );
      throw new Error(
        `transaction ${receipt.transactionHash} reverted${why} (gas used ${receipt.gasUsed} of ${tx.gas})`,
      );
    }
    return receipt;
  };
  return {
    chain,
    publicClient,
    testClient,
    wallets,
    addresses: wallets.map((w) => w.account.address),
    walletOf,
    mined,
  };
}
