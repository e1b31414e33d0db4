import type { FastifyInstance } from "fastify";
import type { ServerContext } from "./createServer.js";

const chainStatusSchema = {
  type: "object",
  properties: {
    chainId: { type: "integer" },
    blockNumber: { type: "integer" },
    rpcUrl: { type: "string", nullable: true },
    operator: { type: "string" },
    contracts: { type: "object", additionalProperties: { type: "string" } },
  },
} as const;

/** `/health` and `/v1/chain`. */
export function registerChainRoutes(app: FastifyInstance, context: ServerContext): void {
  app.get(
    "/health",
    {
      schema: {
        summary: "Liveness and readiness: the chain answers and the database is open",
        tags: ["node"],
        response: {
          200: {
            type: "object",
            properties: {
              status: { type: "string" },
              chainId: { type: "integer" },
              blockNumber: { type: "integer" },
              database: { type: "string" },
              mqttUrl: { type: "string", nullable: true },
            },
          },
        },
      },
    },
    async () => {
      const blockNumber = await context.client.publicClient.getBlockNumber({ cacheTime: 0 });
      await context.db.query("select 1");
      return {
        status: "ok",
        chainId: context.chainId,
        blockNumber: Number(blockNumber),
        database: context.db.kind,
        mqttUrl: context.mqttUrl?.() ?? null,
      };
    },
  );

  app.get(
    "/v1/chain",
    {
      schema: {
        summary: "Chain id, latest block, JSON-RPC URL and contract addresses",
        tags: ["chain"],
        response: { 200: chainStatusSchema },
      },
    },
    async () => ({
      chainId: context.chainId,
      blockNumber: Number(await context.client.publicClient.getBlockNumber({ cacheTime: 0 })),
      rpcUrl: context.rpcUrl() ?? null,
      operator: context.registry.operator,
      contracts: context.contracts,
    }),
  );
}
