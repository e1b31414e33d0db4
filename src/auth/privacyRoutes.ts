import type { FastifyInstance, FastifyRequest } from "fastify";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { address, pageLimit, text } from "../server/paramSchemas.js";
import { profileVisible } from "./access.js";
import type { AccessLog } from "./accessLog.js";
import type { Action } from "./permissions.js";
import type { ProfileStore } from "./profiles.js";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const profileProperties = {
  name: text(500),
  postalAddress: text(500),
  contact: text(500),
  meterLocation: text(500),
} as const;
const params = { type: "object", required: ["address"], properties: { address } } as const;
const entry = {
  type: "object",
  properties: {
    seq: int,
    at: str,
    actor: str,
    roles: { type: "array", items: str },
    action: str,
    method: str,
    object: str,
    purpose: { type: "string", nullable: true },
    hash: str,
    prevHash: str,
  },
} as const;

/**
 * Owner profiles (`/v1/profiles/:address`: PUT, GET, DELETE = erasure) and the access log
 * (`/v1/access-log`, `/verify`, `/anchors`). A profile outside the principal's reach is answered as
 * a missing one (`PROFILE_NOT_FOUND`).
 */
export function registerPrivacyRoutes(
  app: FastifyInstance,
  context: { db: Queryable; profiles: ProfileStore; accessLog: AccessLog },
): void {
  const { db, profiles, accessLog } = context;

  async function subjectInReach(request: FastifyRequest, action: Action): Promise<string> {
    const subject = (request.params as { address: string }).address.toLowerCase();
    if (!(await profileVisible(db, request.principal, action, subject))) {
      throw new BaseError("PROFILE_NOT_FOUND", `no profile for ${subject}`, { details: { subject } });
    }
    return subject;
  }

  app.put(
    "/v1/profiles/:address",
    {
      config: { permission: "profiles.write" },
      schema: {
        summary:
          "Write an owner's profile (name, postal address, contact, meter location), encrypted at rest",
        tags: ["privacy"],
        params,
        // Fields other than these four are refused (PROFILE_INVALID), not silently dropped.
        body: { type: "object", required: ["name"], properties: profileProperties },
        response: { 200: { type: "object", properties: profileProperties } },
      },
    },
    async (request) => profiles.put(await subjectInReach(request, "profiles.write"), request.body),
  );

  app.get(
    "/v1/profiles/:address",
    {
      config: { permission: "profiles.read" },
      schema: {
        summary: "An owner's profile, decrypted (404 PROFILE_ERASED after erasure)",
        tags: ["privacy"],
        params,
        response: { 200: { type: "object", properties: { ...profileProperties, updatedAt: str } } },
      },
    },
    async (request) => profiles.get(await subjectInReach(request, "profiles.read")),
  );

  app.delete(
    "/v1/profiles/:address",
    {
      config: { permission: "profiles.write" },
      schema: {
        summary:
          "Erase an owner's profile: its data key is destroyed; readings, anchors and proofs stay valid",
        tags: ["privacy"],
        params,
        response: { 200: { type: "object", properties: { erased: { type: "boolean" }, erasedAt: str } } },
      },
    },
    async (request) => profiles.erase(await subjectInReach(request, "profiles.write")),
  );

  app.get(
    "/v1/access-log",
    {
      config: { permission: "accesslog.read" },
      schema: {
        summary: "The access log, oldest first: every read of personal data and every write, hash-chained",
        tags: ["privacy"],
        querystring: {
          type: "object",
          properties: { after: { type: "integer", minimum: 0, default: 0 }, limit: pageLimit(100) },
        },
        response: { 200: { type: "object", properties: { entries: { type: "array", items: entry } } } },
      },
    },
    async (request) => {
      const query = request.query as { after: number; limit: number };
      return { entries: await accessLog.list(query) };
    },
  );

  app.get(
    "/v1/access-log/verify",
    {
      config: { permission: "accesslog.read", cost: "expensive" },
      schema: {
        summary: "Recompute the access log's hash chain: ok, entries, head, and the first broken seq",
        tags: ["privacy"],
        response: {
          200: {
            type: "object",
            properties: { ok: { type: "boolean" }, entries: int, head: str, brokenAt: int },
          },
        },
      },
    },
    () => accessLog.verify(),
  );

  app.get(
    "/v1/access-log/anchors",
    {
      config: { permission: "accesslog.read" },
      schema: {
        summary:
          "The access log heads anchored on chain, one per finished UTC day with entries, newest first",
        tags: ["privacy"],
        response: {
          200: {
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
          },
        },
      },
    },
    async () => ({ anchors: await accessLog.anchors() }),
  );
}
