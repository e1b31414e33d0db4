import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  type EIP1193RequestFn,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BaseError } from "../core/errors.js";
import { createTxSender, type TxSender } from "./txSender.js";

/** Where the chain is: an in-process EIP-1193 provider (the embedded chain) or a JSON-RPC URL. */
export type ChainEndpoint =
  | {
      kind: "embedded";
      request: (args: { method: string; params?: unknown[] | undefined }) => Promise<unknown>;
    }
  | { kind: "external"; rpcUrl: string };

/** viem clients bound to one chain and the node operator's key. */
export type ChainClient = {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  sender: TxSender;
};

/** The viem transport for an endpoint. */
export function transportOf(endpoint: ChainEndpoint): Transport {
  return endpoint.kind === "embedded"
    ? custom({ request: endpoint.request as EIP1193RequestFn }, { retryCount: 0 })
    : http(endpoint.rpcUrl, { retryCount: 2, timeout: 30_000 });
}

/** Asks the endpoint for its chain id, with a clear error when nothing answers. */
export async function fetchChainId(endpoint: ChainEndpoint): Promise<number> {
  const client = createPublicClient({ transport: transportOf(endpoint) });
  try {
    return await client.getChainId();
  } catch (cause) {
    const where = endpoint.kind === "external" ? endpoint.rpcUrl : "the embedded chain";
    throw new BaseError("CHAIN_UNREACHABLE", `no EVM JSON-RPC node answers at ${where}`, {
      details: { rpcUrl: endpoint.kind === "external" ? endpoint.rpcUrl : undefined },
      cause,
    });
  }
}

/** Creates the public and wallet clients and the operator's transaction sender (its nonce manager). */
export function createChainClient(options: {
  endpoint: ChainEndpoint;
  chainId: number;
  privateKey: Hex;
}): ChainClient {
  const rpcUrl = options.endpoint.kind === "external" ? options.endpoint.rpcUrl : "http://127.0.0.1:8545";
  const chain = defineChain({
    id: options.chainId,
    name: `GridLedger ${options.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = transportOf(options.endpoint);
  const account = privateKeyToAccount(options.privateKey);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const walletClient = createWalletClient({ chain, transport, account });
  return {
    chain,
    publicClient,
    walletClient,
    sender: createTxSender({ account, publicClient, walletClient }),
  };
}
