export {
  createEmbeddedChain,
  DEFAULT_BLOCK_GAS_LIMIT,
  type EmbeddedChain,
  type EmbeddedChainOptions,
  type GenesisAccount,
} from "./embeddedChain.js";
export { serveJsonRpc } from "./jsonRpcServer.js";
export { ProviderRpcError, RpcErrorCode } from "./rpcErrors.js";
