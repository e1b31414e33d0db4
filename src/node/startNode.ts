import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { serveJsonRpc } from "../chain/embedded/index.js";
import type { NodeConfig } from "../core/config.js";
import { listenWithFallback } from "../core/ports.js";
import { createServer } from "../server/createServer.js";
import { type InitOptions, type NodeContext, openNode } from "./openNode.js";

/** A running node: its context, the URLs it serves, and how to stop it. */
export type RunningNode = {
  context: NodeContext;
  apiUrl: string;
  /** JSON-RPC URL of the chain: the embedded chain's own server, or the external network's. */
  rpcUrl: string;
  app: FastifyInstance;
  stop(): Promise<void>;
};

/**
 * Runs a node: opens (or initialises) its data directory, serves the embedded chain's JSON-RPC on
 * 127.0.0.1 (`--rpc-port`) and the HTTP API (`--port`). A default port that is taken falls back
 * to a free one; an explicitly chosen one that is taken is an error naming the flag.
 */
export async function startNode(
  config: NodeConfig,
  init: InitOptions = {},
  options: { logger?: FastifyServerOptions["logger"] } = {},
): Promise<RunningNode> {
  const context = await openNode(config, init);
  const closers: (() => Promise<void>)[] = [context.close];
  try {
    let rpcUrl = config.rpcUrl ?? "";
    const { embedded } = context;
    if (embedded) {
      const rpc = await listenWithFallback(config.rpc, (port) =>
        serveJsonRpc(embedded, { host: config.host, port }),
      );
      closers.push(rpc.close);
      rpcUrl = rpc.url;
    }
    const app = await createServer({ ...context, rpcUrl: () => rpcUrl }, options);
    closers.push(() => app.close());
    const apiUrl = await listenWithFallback(config.http, (port) => app.listen({ host: config.host, port }));
    return {
      context,
      apiUrl,
      rpcUrl,
      app,
      async stop() {
        for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    throw error;
  }
}
