import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { componentOf, type NodeMetrics } from "./nodeMetrics.js";

/**
 * `GET /metrics`: the node's Prometheus metrics in the text exposition format (docs/operations.md).
 * Chain and database failures met while answering any request are counted here too (refusals of
 * what a client sent are not failures).
 */
export function registerMetricsRoutes(app: FastifyInstance, metrics: NodeMetrics): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook("onError", async (_request, _reply, error) => {
    // A refusal of what a client sent is not a failure of the node; the chain's and database's are.
    if (componentOf(error) !== "other") metrics.countError("http", error);
  });
  api.get(
    "/metrics",
    {
      config: { permission: "metrics.read" },
      schema: {
        summary:
          "Prometheus metrics: readings and ingest latency, anchor backlog, index lag, job queue, chain and database failures",
        tags: ["operations"],
        produces: ["text/plain"],
      },
    },
    async (_request, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}
