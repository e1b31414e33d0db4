import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { address, nullable, pageLimit, text } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { profileVisible } from "./access.js";
import type { AccessLog } from "./accessLog.js";
import type { Action } from "./permissions.js";
import type { ProfileStore } from "./profiles.js";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const profileProperties = {
  name: text(500),
  postalAddress: Type.Optional(text(500)),
  contact: Type.Optional(text(500)),
  meterLocation: Type.Optional(text(500)),
};
const params = Type.Object({ address });
/** Profile fields a profile may leave out. */
const optionalFields = ["postalAddress", "contact", "meterLocation"];
const entry = sent({
  type: "object",
  properties: {
    seq: int,
    at: str,
    actor: str,
    roles: { type: "array", items: str },
    action: str,
    method: str,
    object: str,
    purpose: nullable({ type: "string" }),
    hash: str,
    prevHash: str,
  },
} as const);

/**
 * Owner profiles (`/v1/profiles/:address`: PUT, GET, DELETE = erasure) and the access log
 * (`/v1/access-log`, `/verify`, `/anchors`). A profile outside the principal's reach is answered as
 * a missing one (`PROFILE_NOT_FOUND`).
 */
export function registerPrivacyRoutes(
  app: FastifyInstance,
  context: { db: Queryable; profiles: ProfileStore; accessLog: AccessLog },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db, profiles, accessLog } = context;

  async function subjectInReach(address: string, request: FastifyRequest, action: Action): Promise<string> {
    const subject = address.toLowerCase();
    if (!(await profileVisible(db, request.principal, action, subject))) {
      throw new BaseError("PROFILE_NOT_FOUND", `no profile for ${subject}`, { details: { subject } });
    }
    return subject;
  }

  api.put(
    "/v1/profiles/:address",
    {
      config: { permission: "profiles.write" },
      schema: {
        summary:
          "Write an owner's profile (name, postal address, contact, meter location), encrypted at rest",
        tags: ["privacy"],
        params,
        // Fields other than these four are refused (PROFILE_INVALID), not silently dropped.
        body: Type.Object(profileProperties),
        response: { 200: sent({ type: "object", properties: profileProperties }, optionalFields) },
      },
    },
    async (request) =>
      profiles.put(await subjectInReach(request.params.address, request, "profiles.write"), request.body),
  );

  api.get(
    "/v1/profiles/:address",
    {
      config: { permission: "profiles.read" },
      schema: {
        summary: "An owner's profile, decrypted (404 PROFILE_ERASED after erasure)",
        tags: ["privacy"],
        params,
        response: {
          200: sent({ type: "object", properties: { ...profileProperties, updatedAt: str } }, optionalFields),
        },
      },
    },
    async (request) => profiles.get(await subjectInReach(request.params.address, request, "profiles.read")),
  );

  api.delete(
    "/v1/profiles/:address",
    {
      config: { permission: "profiles.write" },
      schema: {
        summary:
          "Erase an owner's profile: its data key is destroyed; readings, anchors and proofs stay valid",
        tags: ["privacy"],
        params,
        response: {
          200: sent({ type: "object", properties: { erased: { type: "boolean" }, erasedAt: str } }),
        },
      },
    },
    async (request) =>
      profiles.erase(await subjectInReach(request.params.address, request, "profiles.write")),
  );

  api.get(
    "/v1/access-log",
    {
      config: { permission: "accesslog.read" },
      schema: {
        summary: "The access log, oldest first: every read of personal data and every write, hash-chained",
        tags: ["privacy"],
        querystring: Type.Partial(
          Type.Object({ after: Type.Integer({ minimum: 0, default: 0 }), limit: pageLimit(100) }),
        ),
        response: { 200: sent({ type: "object", properties: { entries: { type: "array", items: entry } } }) },
      },
    },
    async (request) => {
      const { query } = request;
      return { entries: await accessLog.list(query) };
    },
  );

  api.get(
    "/v1/access-log/verify",
    {
      config: { permission: "accesslog.read", cost: "expensive" },
      schema: {
        summary: "Recompute the access log's hash chain: ok, entries, head, and the first broken seq",
        tags: ["privacy"],
        response: {
          200: {
            type: "object",
            required: ["ok", "entries", "head"],
            properties: { ok: { type: "boolean" }, entries: int, head: str, brokenAt: int },
          },
        },
      },
    },
    () => accessLog.verify(),
  );

  api.get(
    "/v1/access-log/anchors",
    {
      config: { permission: "accesslog.read" },
      schema: {
        summary:
          "The access log heads anchored on chain, one per finished UTC day with entries, newest first",
        tags: ["privacy"],
        response: {
          200: sent({
            type: "object",
            properties: {
              anchors: {
                type: "array",
                items: {
                  type: "object",
                  properties: { day: int, date: str, head: str, count: int, anchoredAt: str },
                },
              },
            },
          }),
        },
      },
    },
    async () => ({ anchors: await accessLog.anchors() }),
  );
}
