import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { HttpLimits } from "../core/config.js";
import { BaseError } from "../core/errors.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * What a request to the route costs, for the rate limits: `expensive` reads (statistics, audit,
     * proofs, CSV) share the writes' limit; `ingest` (POST /v1/readings) has its own, higher one.
     * Other GET routes are not limited; other methods count as writes.
     */
    cost?: "expensive" | "ingest";
  }
}

/**
 * Rate limits per client address over a one-minute window (@fastify/rate-limit's store): one bucket
 * for writes and expensive reads (`rateLimit`), one for readings (`readingsRateLimit`). The defaults
 * (core/config.ts) are high enough that the dashboard, the CLI, the demo and `npm run bench:ingest`
 * (collectors posting 1,000 readings per request, 16 in flight) never meet them, low enough that one
 * client on the host cannot keep the node's database or chain busy. A request over its limit is refused with 429
 * `RATE_LIMITED`, `retry-after` (seconds) and `x-ratelimit-*` headers.
 */
export async function addRateLimits(
  app: FastifyInstance,
  limits: Pick<HttpLimits, "rateLimit" | "readingsRateLimit">,
): Promise<void> {
  await app.register(rateLimit, { global: false });
  const limiter = (max: number) => (max > 0 ? app.createRateLimit({ max, timeWindow: 60_000 }) : undefined);
  const buckets = {
    write: limiter(limits.rateLimit),
    ingest: limiter(limits.readingsRateLimit),
  };
  app.addHook("onRequest", async (request, reply) => {
    const { cost } = request.routeOptions.config;
    const read = request.method === "GET" || request.method === "HEAD";
    const bucket = cost === "ingest" ? "ingest" : cost === "expensive" || !read ? "write" : undefined;
    const limit = bucket && buckets[bucket];
    if (!limit || request.is404) return;
    const state = await limit(request);
    if (state.isAllowed || !state.isExceeded) return;
    const retryAfter = Math.max(1, state.ttlInSeconds);
    reply.header("retry-after", retryAfter);
    reply.header("x-ratelimit-limit", state.max);
    reply.header("x-ratelimit-remaining", 0);
    reply.header("x-ratelimit-reset", retryAfter);
    const what = bucket === "ingest" ? "reading submissions" : "writes and expensive reads";
    throw new BaseError(
      "RATE_LIMITED",
      `more than ${state.max} ${what} per minute from this address; retry in ${retryAfter} s`,
      { details: { limit: state.max, windowSeconds: 60, retryAfterSeconds: retryAfter, bucket } },
    );
  });
}
