import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { parseTime } from "../core/parseTime.js";
import { commodities } from "../metering/readingFormat.js";
import { decimalId, keysOf, nullable, oneOf, text, timeText, unixSeconds } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import type { AnalysisStore } from "./analyses.js";

const str = { type: "string" } as const;
/** Parameters the schema fills in when not given. */
const defaultParameters = { commodity: "electricity", granularity: "day" } as const;
const querySchema = Type.Object({
  kind: oneOf(["series", "compare"]),
  regions: Type.Array(text(200), { minItems: 1, maxItems: 50 }),
});
const parameterProperties = {
  commodity: Type.Optional(oneOf(keysOf(commodities), { default: defaultParameters.commodity })),
  granularity: Type.Optional(oneOf(["hour", "day", "month"], { default: defaultParameters.granularity })),
  from: Type.Integer({ ...unixSeconds, description: "Unix seconds" }),
  to: Type.Integer({ ...unixSeconds, description: "Unix seconds (exclusive)" }),
};
const analysisSchema = sent({
  type: "object",
  properties: {
    id: str,
    name: str,
    description: str,
    query: { type: "object", additionalProperties: true },
    parameters: { type: "object", additionalProperties: true },
    result: nullable({ type: "object", additionalProperties: true }),
    refreshedAt: nullable({ type: "string" }),
    createdAt: str,
    updatedAt: str,
  },
} as const);
const idParams = Type.Object({ id: decimalId(18) });
/** What the analyses' time filters are refused with (as the statistics' `from`/`to`). */
const timeError = "STATS_INVALID_TIME";

/** Saved analyses: `/v1/analyses` (create, list with a time-range filter, read, update, delete, refresh). */
export function registerAnalysisRoutes(app: FastifyInstance, analyses: AnalysisStore): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ["analyses"];
  api.post(
    "/v1/analyses",
    {
      config: { permission: "analyses.write" },
      schema: {
        summary: "Save a named analysis (query + parameters); its result is computed and stored with it",
        tags,
        body: Type.Object({
          name: text(1000),
          description: Type.Optional(text(10_000)),
          query: querySchema,
          parameters: Type.Object(parameterProperties),
        }),
        response: { 201: analysisSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(
        await analyses.create({
          ...request.body,
          parameters: { ...defaultParameters, ...request.body.parameters },
        }),
      ),
  );

  api.get(
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
          200: sent({ type: "object", properties: { analyses: { type: "array", items: analysisSchema } } }),
        },
      },
    },
    async (request) => {
      const { query } = request;
      return {
        analyses: await analyses.list({
          from: parseTime(query.from, "from", timeError),
          to: parseTime(query.to, "to", timeError),
          search: query.search,
        }),
      };
    },
  );

  api.get(
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
    async (request) => analyses.get(request.params.id),
  );

  api.put(
    "/v1/analyses/:id",
    {
      config: { permission: "analyses.write" },
      schema: {
        summary:
          "Change a saved analysis (any of name, description, query, parameters); the result is recomputed",
        tags,
        params: idParams,
        body: Type.Partial(
          Type.Object({
            name: text(1000),
            description: text(10_000),
            query: querySchema,
            parameters: Type.Partial(Type.Object(parameterProperties)),
          }),
        ),
        response: { 200: analysisSchema },
      },
    },
    async (request) => analyses.update(request.params.id, request.body),
  );

  api.delete(
    "/v1/analyses/:id",
    {
      schema: { summary: "Delete a saved analysis", tags, params: idParams },
      config: { permission: "analyses.write" },
    },
    async (request, reply) => {
      await analyses.remove(request.params.id);
      return reply.status(204).send();
    },
  );

  api.post(
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
    async (request) => analyses.refresh(request.params.id),
  );
}
