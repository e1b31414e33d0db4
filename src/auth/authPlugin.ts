import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import type { Address } from "viem";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { deviceTokenMessage, parseDeviceToken, tokenWindowSeconds } from "../metering/mqttAuth.js";
import type { AccessEntry } from "./accessLog.js";
import { bindingsOf } from "./accountStore.js";
import { type ApiKeyStore, bootstrapKeyId, createApiKeyStore } from "./apiKeys.js";
import { authorize } from "./authorize.js";
import { type Action, permissions } from "./permissions.js";
import { actorOf, type Principal, rolesOf } from "./principal.js";
import { createSessionStore, isSessionToken, type SessionStore, sessionCookie } from "./sessions.js";

/** Where the auth plugin writes access log entries (src/auth/accessLog.ts `createAccessLog`). */
export type AccessLog = { record(entry: AccessEntry): Promise<unknown> };

export type { AccessEntry };

/** Checks a device's signature over its 44-byte login message with its registered key. */
export type DeviceVerifier = (
  deviceId: `0x${string}`,
  message: Uint8Array,
  signature: Uint8Array,
) => Promise<boolean>;

export type AuthOptions = {
  db: Queryable;
  /** The bootstrap admin key: the content of `<data-dir>/api-token`. */
  apiToken?: string | undefined;
  /** Stores a new bootstrap key durably (in `<data-dir>/api-token`); without it the key cannot be rotated. */
  saveApiToken?: ((token: string) => Promise<void>) | undefined;
  accessLog?: AccessLog | undefined;
  /** Verifies device tokens (`Authorization: Device …`); without it device tokens are refused. */
  verifyDevice?: DeviceVerifier | undefined;
  /** The clock, in milliseconds (tests). */
  now?: () => number;
};

declare module "fastify" {
  interface FastifyContextConfig {
    /** Credentials that do not resolve make the caller anonymous instead of a 401 (refresh, sign-out). */
    authOptional?: true;
  }
  interface FastifyRequest {
    /** The purpose the request states (`X-GridLedger-Purpose` or `?purpose=`), or null. */
    purpose: string | null;
  }
}

const digest = (text: string) => createHash("sha256").update(text).digest();
const cookiePattern = new RegExp(`(?:^|;\\s*)${sessionCookie}=(gls_[A-Za-z0-9_-]{43})(?:;|$)`);
const devicePattern = /^Device\s+(?:0x)?([0-9a-fA-F]{64})\s+(\S+)$/;

const invalid = (why: string) => new BaseError("AUTH_TOKEN_INVALID", why);

function purposeOf(request: FastifyRequest): string | null {
  const header = request.headers["x-gridledger-purpose"];
  const query = (request.query as Record<string, unknown> | undefined)?.purpose;
  const given = typeof header === "string" ? header : typeof query === "string" ? query : "";
  const purpose = given.trim();
  if (purpose.length > 200) {
    throw new BaseError("AUTH_PURPOSE_INVALID", "a purpose is at most 200 characters");
  }
  return purpose === "" ? null : purpose;
}

/**
 * The auth plugin (docs/http-api.md, "Authentication"): an onRequest hook that resolves
 * `request.principal` (bearer API key or session token, the session cookie, a device token, else
 * anonymous), enforces the route's `config.permission` with the permission table and writes the
 * access log entry of personal reads and of writes before the handler runs. `assertDeclared()` throws
 * `AUTH_ROUTE_UNDECLARED` for a route registered without a permission (createServer calls it).
 */
export function addAuth(app: FastifyInstance, options: AuthOptions) {
  const now = options.now ?? Date.now;
  const keys: ApiKeyStore = createApiKeyStore(options.db);
  const sessions: SessionStore = createSessionStore(options.db, () => new Date(now()));
  let bootstrap = options.apiToken ? digest(options.apiToken) : undefined;
  const routes: RouteOptions[] = [];

  app.decorateRequest("principal", null as never);
  app.decorateRequest("purpose", null);
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });

  async function principalOfBearer(token: string): Promise<Principal> {
    if (bootstrap && token.length < 200 && timingSafeEqual(digest(token), bootstrap)) {
      return {
        kind: "api-key",
        keyId: bootstrapKeyId,
        name: "bootstrap admin",
        account: undefined,
        bindings: [{ role: "admin", scope: { kind: "all" } }],
      };
    }
    if (isSessionToken(token)) {
      const session = await sessions.resolve(token);
      if (!session) throw invalid("the session token is unknown or signed out; sign in again");
      return accountPrincipal(session.account, session.id);
    }
    const key = await keys.verify(token);
    if (!key) throw invalid("the API key is unknown, revoked or rotated");
    return { kind: "api-key", keyId: key.id, name: key.name, account: key.account, bindings: key.bindings };
  }

  async function accountPrincipal(account: Address, sessionId: string): Promise<Principal> {
    return { kind: "account", account, bindings: await bindingsOf(options.db, account), sessionId };
  }

  async function principalOfDevice(deviceId: string, token: string): Promise<Principal> {
    const parsed = parseDeviceToken(token);
    if (!parsed)
      throw new BaseError("AUTH_DEVICE_TOKEN_INVALID", "a device token is <unix seconds>.<128 hex>");
    const skew = Math.abs(parsed.timestamp - Math.floor(now() / 1000));
    if (skew > tokenWindowSeconds) {
      throw new BaseError(
        "AUTH_DEVICE_TOKEN_INVALID",
        `the device token's time is ${skew} s from the node's clock (at most ${tokenWindowSeconds} s)`,
        { details: { timestamp: parsed.timestamp } },
      );
    }
    const id = `0x${deviceId.toLowerCase()}` as const;
    const ok = options.verifyDevice
      ? await options.verifyDevice(id, deviceTokenMessage(id, parsed.timestamp), parsed.signature)
      : false;
    if (!ok) {
      throw new BaseError(
        "AUTH_DEVICE_TOKEN_INVALID",
        "the device token is not signed by that device's registered key (or the device is not registered)",
        { details: { deviceId: id } },
      );
    }
    return { kind: "device", deviceId: id };
  }

  async function resolve(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header !== undefined && header !== "") {
      if (header.startsWith("Bearer ")) return principalOfBearer(header.slice(7).trim());
      const device = devicePattern.exec(header);
      if (device) return principalOfDevice(device[1]!, device[2]!);
      throw invalid("Authorization must be `Bearer <API key or session token>` or `Device <id> <token>`");
    }
    const cookie = request.headers.cookie;
    const match = cookie ? cookiePattern.exec(cookie) : null;
    if (match) {
      // A stale cookie is no credential: the request goes on as anonymous (public pages keep working).
      const session = await sessions.resolve(match[1]!).catch(() => undefined);
      if (session) return accountPrincipal(session.account, session.id);
    }
    return { kind: "anonymous" };
  }

  app.addHook("onRequest", async (request) => {
    request.principal = { kind: "anonymous" };
    if (request.is404) return;
    const action = request.routeOptions.config.permission;
    if (action === undefined) throw undeclared(request.method, request.routeOptions.url ?? request.url);
    request.principal = request.routeOptions.config.authOptional
      ? await resolve(request).catch((): Principal => ({ kind: "anonymous" }))
      : await resolve(request);
    request.purpose = purposeOf(request);
    authorize(action, request.principal, request.purpose);
    const read = request.method === "GET" || request.method === "HEAD";
    if (options.accessLog && ((permissions[action] as { personal?: true }).personal || !read)) {
      await options.accessLog.record({
        actor: actorOf(request.principal),
        roles: rolesOf(request.principal),
        action,
        method: request.method,
        object: request.url.split("?")[0] ?? request.url,
        purpose: request.purpose,
      });
    }
  });

  return {
    keys,
    sessions,
    /**
     * Gives the bootstrap admin key a new secret: stored durably first, then the old one stops working.
     * Answers the new key (shown once). `AUTH_KEY_NOT_FOUND` when the node has no bootstrap key file.
     */
    async rotateBootstrap(): Promise<string> {
      const save = options.saveApiToken;
      if (!bootstrap || !save) {
        throw new BaseError("AUTH_KEY_NOT_FOUND", "this node has no bootstrap key to rotate", {
          details: { id: bootstrapKeyId },
        });
      }
      const token = randomBytes(32).toString("base64url");
      await save(token);
      bootstrap = digest(token);
      return token;
    },
    /** Every route registered so far with the action it declares (the generated role × route test walks them). */
    routes(): { method: string; url: string; permission: Action | undefined }[] {
      return routes.flatMap((route) =>
        [route.method].flat().map((method) => ({
          method: String(method),
          url: route.url,
          permission: (route.config as { permission?: Action } | undefined)?.permission,
        })),
      );
    },
    /** Throws `AUTH_ROUTE_UNDECLARED` naming the first route registered without `config.permission`. */
    assertDeclared(): void {
      for (const route of routes) {
        const permission = (route.config as { permission?: string } | undefined)?.permission;
        if (permission === undefined || !(permission in permissions)) {
          throw undeclared(String(route.method), route.url);
        }
      }
    },
  };
}

const undeclared = (method: string, url: string) =>
  new BaseError(
    "AUTH_ROUTE_UNDECLARED",
    `route ${method} ${url} declares no permission (config.permission, src/auth/permissions.ts)`,
    { details: { method, url } },
  );

/** The auth plugin's handle: the key and session stores and the start-up check. */
export type Auth = ReturnType<typeof addAuth>;
