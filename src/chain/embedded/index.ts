export {
  type AccountPermissioning,
  createEmbeddedChain,
  DEFAULT_BLOCK_GAS_LIMIT,
  type EmbeddedChain,
  type EmbeddedChainOptions,
  type GenesisAccount,
  type SenderPolicy,
} from "./embeddedChain.js";
export { serveJsonRpc } from "./jsonRpcServer.js";
export { ProviderRpcError, RpcErrorCode } from "./rpcErrors.js";
