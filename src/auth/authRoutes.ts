import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Queryable } from "../db/database.js";
import { sent } from "../server/responseSchemas.js";
import { bindingsOf } from "./accountStore.js";
import { allowedActions } from "./authorize.js";
import type { Auth } from "./authPlugin.js";
import { rolesOf } from "./principal.js";
import { type Session, sessionCookie, sessionSeconds } from "./sessions.js";
import { createSiwe, type SiweOrigin } from "./siwe.js";

const str = { type: "string" } as const;

/** A role binding in an answer: the role and its scope (`all`, a region code or a community address). */
export const bindingSchema = {
  type: "object",
  required: ["role", "scope"],
  properties: {
    role: str,
    scope: {
      type: "object",
      required: ["kind"],
      properties: {
        kind: { type: "string", enum: ["all", "region", "community"] },
        region: { type: "string", description: "region code, when kind is region" },
        community: { type: "string", description: "community address, when kind is community" },
      },
    },
  },
} as const;

const challengeSchema = sent({
  type: "object",
  description: "the EIP-4361 fields the message to sign must carry",
  properties: {
    domain: str,
    uri: str,
    chainId: { type: "integer" },
    nonce: str,
    version: { type: "string", enum: ["1"] },
    statement: str,
    issuedAt: str,
    expirationTime: str,
  },
} as const);

const meSchema = sent(
  {
    type: "object",
    properties: {
      principal: {
        type: "object",
        properties: {
          kind: { type: "string", enum: ["anonymous", "account", "api-key", "device"] },
          account: { type: "string", description: "an account's or an account key's address" },
          keyId: { type: "string", description: "an API key's id" },
          name: { type: "string", description: "an API key's name" },
          deviceId: { type: "string", description: "a device's id" },
          bindings: { type: "array", items: bindingSchema },
        },
      },
      roles: { type: "array", items: str },
      actions: { type: "array", items: str },
    },
  } as const,
  ["account", "keyId", "name", "deviceId"],
);

const sessionAnswer = {
  type: "object",
  required: ["token", "expiresAt", "refreshUntil", "account", "bindings"],
  properties: {
    token: str,
    expiresAt: str,
    refreshUntil: str,
    account: str,
    bindings: { type: "array", items: bindingSchema },
  },
} as const;

/** The session token a request carries: `Authorization: Bearer gls_…`, else the session cookie. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer gls_")) return header.slice(7).trim();
  const match = new RegExp(`(?:^|;\\s*)${sessionCookie}=(gls_[A-Za-z0-9_-]{43})(?:;|$)`).exec(
    request.headers.cookie ?? "",
  );
  return match?.[1];
}

/** The session cookie: HttpOnly, SameSite=Strict, Path=/, Secure over https; `maxAge` 0 clears it. */
function setCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAge: number) {
  const secure = request.protocol === "https" ? "; Secure" : "";
  reply.header(
    "set-cookie",
    `${sessionCookie}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure}`,
  );
}

/**
 * Sign-in with Ethereum (EIP-4361) and sessions: `POST /v1/auth/nonce`, `/signin`, `/refresh`,
 * `/signout` and `GET /v1/auth/me` (docs/http-api.md, "Authentication").
 */
export function registerAuthRoutes(
  app: FastifyInstance,
  context: { db: Queryable; chainId: number; auth: Auth },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const siwe = createSiwe(context.db);
  const { sessions } = context.auth;
  const originOf = (request: FastifyRequest): SiweOrigin => ({
    domain: request.host,
    uri: `${request.protocol}://${request.host}`,
    chainId: context.chainId,
  });
  const tags = ["auth"];

  /** Sets the session cookie and answers the session with the account's current bindings. */
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: Session & { token: string },
  ) => {
    setCookie(request, reply, session.token, sessionSeconds);
    return {
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      refreshUntil: session.refreshUntil.toISOString(),
      account: session.account,
      bindings: await bindingsOf(context.db, session.account),
    };
  };

  api.post(
    "/v1/auth/nonce",
    {
      schema: {
        summary: "A single-use sign-in nonce (5 minutes) and the EIP-4361 fields of the message to sign",
        tags,
        body: Type.Object({ address: Type.String({ maxLength: 64 }) }),
        response: { 200: challengeSchema },
      },
      config: { permission: "auth.signin" },
    },
    async (request) => siwe.challenge(request.body.address, originOf(request)),
  );

  api.post(
    "/v1/auth/signin",
    {
      schema: {
        summary: "Sign in with a signed EIP-4361 message: a session token (1 hour) and the session cookie",
        tags,
        body: Type.Object({
          message: Type.String({ maxLength: 4096 }),
          signature: Type.String({ maxLength: 200 }),
        }),
        response: { 200: sessionAnswer },
      },
      config: { permission: "auth.signin" },
    },
    async (request, reply) => {
      const { body } = request;
      const account = await siwe.verify(body.message, body.signature, originOf(request));
      const session = await sessions.open(account);
      return answer(request, reply, session);
    },
  );

  api.post(
    "/v1/auth/refresh",
    {
      schema: {
        summary: "A new session for the current one (which is revoked), up to 12 hours after sign-in",
        tags,
        response: { 200: sessionAnswer },
      },
      config: { permission: "auth.signin", authOptional: true },
    },
    async (request, reply) => {
      const session = await sessions.refresh(sessionTokenOf(request) ?? "");
      return answer(request, reply, session);
    },
  );

  api.post(
    "/v1/auth/signout",
    {
      schema: {
        summary: "Sign out: the session is revoked and the cookie cleared",
        tags,
        response: { 200: sent({ type: "object", properties: { signedOut: { type: "boolean" } } } as const) },
      },
      config: { permission: "auth.signin", authOptional: true },
    },
    async (request, reply) => {
      if (request.principal.kind === "account") await sessions.revoke(request.principal.sessionId);
      setCookie(request, reply, "", 0);
      return { signedOut: true };
    },
  );

  api.get(
    "/v1/auth/me",
    {
      schema: {
        summary: "Who the caller is, its roles and the actions of the permission table it may call",
        tags,
        response: { 200: meSchema },
      },
      config: { permission: "auth.signin" },
    },
    async (request) => {
      const principal = request.principal;
      return {
        principal: {
          kind: principal.kind,
          ...(principal.kind === "account" || principal.kind === "api-key"
            ? { account: principal.account }
            : {}),
          ...(principal.kind === "api-key" ? { keyId: principal.keyId, name: principal.name } : {}),
          ...(principal.kind === "device" ? { deviceId: principal.deviceId } : {}),
          bindings: principal.kind === "account" || principal.kind === "api-key" ? principal.bindings : [],
        },
        roles: rolesOf(principal),
        actions: allowedActions(principal),
      };
    },
  );
}
