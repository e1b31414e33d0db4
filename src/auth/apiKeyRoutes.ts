import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { BaseError } from "../core/errors.js";
import { nullable } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { type ApiKey, bootstrapKeyId, parseBindings, withinBindings } from "./apiKeys.js";
import type { Auth } from "./authPlugin.js";
import { bindingSchema } from "./authRoutes.js";
import { actorOf, type Principal, rolesOf } from "./principal.js";

const idParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const str = { type: "string" } as const;
const nullableStr = nullable({ type: "string" });
const keyProperties = {
  id: str,
  name: str,
  account: { type: "string", description: "the account the key acts for; none for a node key" },
  createdBy: str,
  bindings: { type: "array", items: bindingSchema },
  createdAt: str,
  rotatedAt: nullableStr,
  lastUsedAt: nullableStr,
  revokedAt: nullableStr,
} as const;
const keySchema = sent({ type: "object", properties: keyProperties } as const, ["account"]);
const secret = { type: "string", description: "the key (glk_…), shown this once" } as const;
const keyWithSecret = sent({ type: "object", properties: { ...keyProperties, key: secret } } as const, [
  "account",
]);
/** A rotation answers the key with its new secret; the bootstrap key's only its id and secret. */
const rotatedSchema = sent({ type: "object", properties: { ...keyProperties, key: secret } } as const, [
  ...Object.keys(keyProperties).filter((key) => key !== "id"),
]);

const isAdmin = (principal: Principal) => rolesOf(principal).includes("admin");

/** Whose keys a principal manages: an admin all; an account (or a key of an account) the account's; else its own. */
function owns(principal: Principal, key: ApiKey): boolean {
  if (isAdmin(principal)) return true;
  if (principal.kind === "account" || (principal.kind === "api-key" && principal.account !== undefined)) {
    return key.account?.toLowerCase() === principal.account?.toLowerCase();
  }
  return key.createdBy === actorOf(principal);
}

/**
 * API keys for services: `GET /v1/api-keys`, `POST /v1/api-keys` {name, bindings} (the key is shown
 * once), `POST /v1/api-keys/:id/rotate` (a new secret, shown once), `DELETE /v1/api-keys/:id`. A caller
 * creates keys only with roles and scopes it holds itself (`AUTH_FORBIDDEN` otherwise); an admin any.
 */
export function registerApiKeyRoutes(app: FastifyInstance, context: { auth: Auth }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { keys } = context.auth;
  const tags = ["auth"];
  const config = { permission: "apikeys.manage" } as const;

  async function ownKey(id: string, request: FastifyRequest): Promise<ApiKey> {
    const key = await keys.get(id);
    // Someone else's key is answered like a missing one: nothing leaks.
    if (!key || !owns(request.principal, key)) {
      throw new BaseError("AUTH_KEY_NOT_FOUND", `no API key ${id} of yours`, { details: { id } });
    }
    return key;
  }

  api.get(
    "/v1/api-keys",
    {
      schema: {
        summary: "The API keys you manage (never their secrets), newest first",
        tags,
        response: {
          200: sent({ type: "object", properties: { keys: { type: "array", items: keySchema } } }),
        },
      },
      config,
    },
    async (request) => {
      const principal = request.principal;
      const all = await keys.list();
      return { keys: all.filter((key) => owns(principal, key)) };
    },
  );

  api.post(
    "/v1/api-keys",
    {
      schema: {
        summary: "Create an API key with some of your roles and scopes; its secret is shown once",
        tags,
        body: Type.Object({
          name: Type.String({ maxLength: 100 }),
          bindings: Type.Array(Type.Unknown(), { maxItems: 32 }),
        }),
        response: { 200: keyWithSecret },
      },
      config,
    },
    async (request) => {
      const principal = request.principal;
      const { body } = request;
      const bindings = parseBindings(body.bindings);
      const held = principal.kind === "account" || principal.kind === "api-key" ? principal.bindings : [];
      if (!withinBindings(bindings, held)) {
        throw new BaseError("AUTH_FORBIDDEN", "a key may hold only roles and scopes you hold yourself", {
          details: { action: "apikeys.manage", roles: rolesOf(principal) },
        });
      }
      return keys.create({
        name: body.name,
        bindings,
        account: principal.kind === "account" || principal.kind === "api-key" ? principal.account : undefined,
        createdBy: actorOf(principal),
      });
    },
  );

  api.post(
    "/v1/api-keys/:id/rotate",
    {
      schema: {
        summary: "Give a key a new secret (shown once); the old one stops working",
        tags,
        params: idParams,
        response: { 200: rotatedSchema },
      },
      config,
    },
    async (request) => {
      const { id } = request.params;
      // The bootstrap admin key rotates itself: a new secret in <data-dir>/api-token, the old one refused.
      if (
        id === bootstrapKeyId &&
        request.principal.kind === "api-key" &&
        request.principal.keyId === bootstrapKeyId
      ) {
        return { id: bootstrapKeyId, key: await context.auth.rotateBootstrap() };
      }
      return keys.rotate((await ownKey(request.params.id, request)).id);
    },
  );

  api.delete(
    "/v1/api-keys/:id",
    {
      schema: {
        summary: "Revoke a key for good",
        tags,
        params: idParams,
        response: { 200: sent({ type: "object", properties: { key: keySchema } }) },
      },
      config,
    },
    async (request) => ({ key: await keys.revoke((await ownKey(request.params.id, request)).id) }),
  );
}
