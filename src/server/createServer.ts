import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { AnalyticsConfig } from "../analytics/analyticsConfig.js";
import type { AccessLog as AccessLogStore } from "../auth/accessLog.js";
import { registerApiKeyRoutes } from "../auth/apiKeyRoutes.js";
import { type Auth, addAuth, type DeviceVerifier } from "../auth/authPlugin.js";
import { registerAuthRoutes } from "../auth/authRoutes.js";
import type { ProfileStore } from "../auth/profiles.js";
import { registerChainRoutes } from "../chain/chainRoutes.js";
import { defaults, type HttpLimits } from "../core/config.js";
import type { Metering } from "../metering/metering.js";
import type { MqttInfo } from "../metering/mqttRoutes.js";
import { registerMetricsRoutes } from "../metrics/metricsRoutes.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import { gridModules } from "../node/modules.js";
import type { NodeContext } from "../node/openNode.js";
import { handleClientError, handleError, handleNotFound } from "./httpErrors.js";
import { addJsonBodyParser, bodyLimits } from "./jsonBody.js";
import { addRateLimits } from "./rateLimits.js";
import { addTextGuard } from "./textGuard.js";
import { registerWebRoutes } from "./webRoutes.js";

/** What the HTTP API needs from the node; `rpcUrl` is where the chain's JSON-RPC is reachable. */
export type ServerContext = Pick<
  NodeContext,
  "chainId" | "contracts" | "db" | "client" | "registry" | "store" | "indexer"
> & {
  rpcUrl: () => string | undefined;
  /** Role bindings on chain; the account routes are served when given. */
  accounts?: NodeContext["accounts"] | undefined;
  /** Readings, proofs and anchors; the metering routes are served when given. */
  metering?: Metering | undefined;
  /** Where devices publish readings over MQTT. */
  mqttUrl?: (() => string | undefined) | undefined;
  /** Broker, ack key and limits shown by `GET /v1/mqtt` (served when given). */
  mqtt?: MqttInfo | undefined;
  /** The bootstrap admin API key (the content of `<data-dir>/api-token`); without it only keys and sessions in the database sign in. */
  apiToken?: string | undefined;
  /** Stores a rotated bootstrap key (`POST /v1/api-keys/bootstrap/rotate`). */
  saveApiToken?: ((token: string) => Promise<void>) | undefined;
  /** The node's Prometheus metrics; `GET /metrics` is served when given. */
  metrics?: NodeMetrics | undefined;
  /** Checks device tokens on `POST /v1/readings`; without it device tokens are refused. */
  verifyDevice?: DeviceVerifier | undefined;
  /** Coefficients and thresholds of the statistics and detectors (defaults when not given). */
  analytics?: AnalyticsConfig | undefined;
  /** Owner profiles and the access log: the privacy routes are served when given (and the log is the plugin's). */
  privacy?: { profiles: ProfileStore; accessLog: AccessLogStore } | undefined;
  /** Fewest devices of a region before statistics break it down for the public (default 5). */
  minGroupSize?: number | undefined;
  /** The node's clock in Unix milliseconds (the market's gate closure); default `Date.now`. */
  now?: (() => number) | undefined;
};

declare module "fastify" {
  interface FastifyInstance {
    /** The auth plugin's key and session stores (src/auth/authPlugin.ts). */
    auth: Auth;
  }
}

/** Defaults of the HTTP limits (`--rate-limit`, `--readings-rate-limit`, `--request-timeout`). */
export const defaultHttpLimits: HttpLimits = {
  rateLimit: defaults.rateLimit,
  readingsRateLimit: defaults.readingsRateLimit,
  requestTimeoutSeconds: defaults.requestTimeoutSeconds,
};

/**
 * Builds the node's HTTP API (fastify) with its OpenAPI document at `/openapi.json`. Before any route
 * runs: body size limits per route (`bodyLimits`), a JSON depth limit, a request timeout, rate limits,
 * and a guard against control characters in any text (docs/http-api.md, "Limits").
 */
export async function createServer(
  context: ServerContext,
  options: { logger?: FastifyServerOptions["logger"]; limits?: HttpLimits | undefined } = {},
): Promise<FastifyInstance> {
  const limits = options.limits ?? defaultHttpLimits;
  const timeoutMs = limits.requestTimeoutSeconds * 1000;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: bodyLimits.default,
    requestTimeout: timeoutMs,
    // Idle keep-alive connections close after 10 s; a handler may take as long as it needs (an audit).
    keepAliveTimeout: 10_000,
    clientErrorHandler: handleClientError,
    // A URL fastify cannot decode (`/%ZZ`) is refused before routing: same error shape as the rest.
    frameworkErrors: handleError,
    // Expired requests are looked for every quarter of the timeout (Node's default: every 30 s).
    http:
      timeoutMs > 0 ? { connectionsCheckingInterval: Math.min(30_000, Math.max(250, timeoutMs / 4)) } : null,
  });
  if (timeoutMs > 0) app.server.headersTimeout = Math.min(timeoutMs, 60_000);
  addJsonBodyParser(app);
  await addRateLimits(app, limits);
  addTextGuard(app);
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "GridLedger node API",
        version: "1",
        description:
          "Registry, governance, metering (signed readings, Merkle proofs, anchors) and chain status of a GridLedger node. Errors: { error: { code, message, retry, details } }.",
      },
    },
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  const auth = addAuth(app, {
    db: context.db,
    apiToken: context.apiToken,
    saveApiToken: context.saveApiToken,
    accessLog: context.privacy?.accessLog,
    verifyDevice: context.verifyDevice,
  });
  app.decorate("auth", auth);
  app.get("/openapi.json", { schema: { hide: true }, config: { permission: "docs.read" } }, async () =>
    app.swagger(),
  );
  registerAuthRoutes(app, { db: context.db, chainId: context.chainId, auth });
  registerApiKeyRoutes(app, { auth });
  registerChainRoutes(app, context);
  if (context.metrics) registerMetricsRoutes(app, context.metrics);
  // Each capability's routes, in the node's module order (src/node/modules.ts); the web app last.
  for (const module of gridModules) await module.routes?.(app, context);
  await registerWebRoutes(app);
  await app.after();
  auth.assertDeclared();
  return app;
}
