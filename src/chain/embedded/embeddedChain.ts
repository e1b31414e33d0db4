import { createSenderCheck, type SenderPolicy } from "./accountPermissioning.js";
import type { GenesisAccount } from "./chainEngine.js";
import { ProviderRpcError, RpcErrorCode, toProviderRpcError } from "./rpcErrors.js";
import { createRpcMethods, DEV_CHAIN_METHODS } from "./rpcMethods.js";
import { openSequencer } from "./sequencer.js";

export type { AccountPermissioning, SenderPolicy } from "./accountPermissioning.js";
export type { GenesisAccount } from "./chainEngine.js";

/** Options of {@link createEmbeddedChain}. */
export type EmbeddedChainOptions = {
  /** Directory to keep the chain in, created if missing. */
  dataDir: string;
  chainId: number;
  /** Accounts funded in the genesis block; only applied when the chain is created. */
  genesisAccounts?: GenesisAccount[];
  /** Gas limit of every block (default 60_000_000n). */
  blockGasLimit?: bigint;
  /**
   * A development chain: serves `evm_increaseTime` and `evm_mine` (default false: they answer
   * `-32601`). Whatever is stored in the directory, this is decided anew at every open.
   */
  devChain?: boolean;
  /**
   * Who may send transactions (`eth_sendRawTransaction`): `"any"`, or only the operator and the
   * members of the chain's Consortium (others get `-32003` and nothing is mined). Calls stay open.
   */
  senders: SenderPolicy;
};

/** An open embedded chain: an EIP-1193 provider plus `close`. */
export type EmbeddedChain = {
  chainId: number;
  /** EIP-1193: request({ method, params }) -> result, errors thrown as EIP-1193/JSON-RPC errors ({ code, message, data? }) */
  request(args: { method: string; params?: unknown[] | undefined }): Promise<unknown>;
  close(): Promise<void>;
};

/** Default gas limit of every block. */
export const DEFAULT_BLOCK_GAS_LIMIT = 60_000_000n;

/**
 * Opens the embedded chain kept in `options.dataDir`, creating it on first use: a single-node sequencer on
 * the EthereumJS libraries (Cancun rules, EIP-1559 fees) that mines one block per transaction and keeps
 * state, blocks, receipts and logs in LevelDB. Block timestamps are the wall clock (plus the
 * `evm_increaseTime` offset of a development chain) but never less than the parent's: several blocks
 * may share a second, and block time never goes backwards.
 *
 * Throws a `BaseError` with code `CHAIN_ID_MISMATCH` if the directory holds a chain with another chain id,
 * and `CHAIN_DATA_DIR_LOCKED` if another process has it open.
 */
export async function createEmbeddedChain(options: EmbeddedChainOptions): Promise<EmbeddedChain> {
  const sequencer = await openSequencer({
    dataDir: options.dataDir,
    chainId: options.chainId,
    genesisAccounts: options.genesisAccounts ?? [],
    blockGasLimit: options.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT,
    checkSender: createSenderCheck(options.senders, options.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT),
  });
  const devChain = options.devChain ?? false;
  const methods = createRpcMethods(sequencer, { devChain });
  return {
    chainId: options.chainId,
    async request(args) {
      const method = (args as { method?: unknown } | undefined)?.method;
      const params = (args as { params?: unknown } | undefined)?.params;
      if (typeof method !== "string") {
        throw new ProviderRpcError(RpcErrorCode.InvalidRequest, "invalid request: method must be a string");
      }
      if (params !== undefined && params !== null && !Array.isArray(params)) {
        throw new ProviderRpcError(RpcErrorCode.InvalidParams, "invalid params: expected an array");
      }
      const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (handler === undefined && DEV_CHAIN_METHODS.includes(method)) {
        throw new ProviderRpcError(
          RpcErrorCode.MethodNotFound,
          `the method ${method} is not available: it exists only on a development chain (start the node with --dev-chain, or --demo)`,
        );
      }
      if (handler === undefined) {
        throw new ProviderRpcError(
          RpcErrorCode.MethodNotFound,
          `the method ${method} does not exist/is not available`,
        );
      }
      try {
        return await handler(params ?? []);
      } catch (error) {
        throw toProviderRpcError(error);
      }
    },
    close: () => sequencer.close(),
  };
}
