import type { FastifyInstance } from "fastify";
import { commodities } from "../metering/readingFormat.js";
import { decimalId, text, timeText, unixSeconds } from "../server/paramSchemas.js";
import type { AnalysisInput, AnalysisStore } from "./analyses.js";
import { parseTime } from "./statsRoutes.js";

const str = { type: "string" } as const;
const querySchema = {
  type: "object",
  required: ["kind", "regions"],
  properties: {
    kind: { type: "string", enum: ["series", "compare"] },
    regions: { type: "array", items: text(200), minItems: 1, maxItems: 50 },
  },
} as const;
const parametersSchema = {
  type: "object",
  required: ["from", "to"],
  properties: {
    commodity: { type: "string", enum: Object.keys(commodities), default: "electricity" },
    granularity: { type: "string", enum: ["hour", "day", "month"], default: "day" },
    from: { ...unixSeconds, description: "Unix seconds" },
    to: { ...unixSeconds, description: "Unix seconds (exclusive)" },
  },
} as const;
const analysisSchema = {
  type: "object",
  properties: {
    id: str,
    name: str,
    description: str,
    query: { type: "object", additionalProperties: true },
    parameters: { type: "object", additionalProperties: true },
    result: { type: "object", nullable: true, additionalProperties: true },
    refreshedAt: { type: "string", nullable: true },
    createdAt: str,
    updatedAt: str,
  },
} as const;
const idParams = { type: "object", properties: { id: decimalId(18) } } as const;

/** Saved analyses: `/v1/analyses` (create, list with a time-range filter, read, update, delete, refresh). */
export function registerAnalysisRoutes(app: FastifyInstance, analyses: AnalysisStore): void {
  const tags = ["analyses"];
  app.post(
    "/v1/analyses",
    {
      config: { permission: "analyses.write" },
      schema: {
        summary: "Save a named analysis (query + parameters); its result is computed and stored with it",
        tags,
        body: {
          type: "object",
          required: ["name", "query", "parameters"],
          properties: {
            name: text(1000),
            description: text(10_000),
            query: querySchema,
            parameters: parametersSchema,
          },
        },
        response: { 201: analysisSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await analyses.create(request.body as AnalysisInput)),
  );

  app.get(
    "/v1/analyses",
    {
      config: { permission: "analyses.read" },
      schema: {
        summary: "Saved analyses whose time range overlaps [from, to), newest first (results left out)",
        tags,
        querystring: {
          type: "object",
          properties: {
            from: timeText("Unix seconds or ISO 8601"),
            to: timeText("Unix seconds or ISO 8601"),
            search: text(200, "part of the name"),
          },
        },
        response: {
          200: { type: "object", properties: { analyses: { type: "array", items: analysisSchema } } },
        },
      },
    },
    async (request) => {
      const query = request.query as { from?: string; to?: string; search?: string };
      return {
        analyses: await analyses.list({
          from: query.from === undefined ? undefined : parseTime(query.from, "from"),
          to: query.to === undefined ? undefined : parseTime(query.to, "to"),
          search: query.search,
        }),
      };
    },
  );

  app.get(
    "/v1/analyses/:id",
    {
      config: { permission: "analyses.read" },
      schema: {
        summary: "A saved analysis with its result",
        tags,
        params: idParams,
        response: { 200: analysisSchema },
      },
    },
    async (request) => analyses.get((request.params as { id: string }).id),
  );

  app.put(
    "/v1/analyses/:id",
    {
      config: { permission: "analyses.write" },
      schema: {
        summary:
          "Change a saved analysis (any of name, description, query, parameters); the result is recomputed",
        tags,
        params: idParams,
        body: {
          type: "object",
          properties: {
            name: text(1000),
            description: text(10_000),
            query: querySchema,
            parameters: { ...parametersSchema, required: [] },
          },
        },
        response: { 200: analysisSchema },
      },
    },
    async (request) =>
      analyses.update((request.params as { id: string }).id, request.body as Partial<AnalysisInput>),
  );

  app.delete(
    "/v1/analyses/:id",
    {
      schema: { summary: "Delete a saved analysis", tags, params: idParams },
      config: { permission: "analyses.write" },
    },
    async (request, reply) => {
      await analyses.remove((request.params as { id: string }).id);
      return reply.status(204).send();
    },
  );

  app.post(
    "/v1/analyses/:id/refresh",
    {
      config: { permission: "analyses.write" },
      schema: {
        summary: "Recompute a saved analysis' result from the current rollups",
        tags,
        params: idParams,
        response: { 200: analysisSchema },
      },
    },
    async (request) => analyses.refresh((request.params as { id: string }).id),
  );
}
