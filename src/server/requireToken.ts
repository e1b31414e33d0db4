import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { BaseError } from "../core/errors.js";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * A fastify onRequest hook: writes are signed with the operator's key, so every request that is not a
 * read must carry the node's API token (`<data-dir>/api-token`) as a bearer token. Routes that take
 * input authenticated otherwise (e.g. signed meter readings) opt out with `config: { public: true }`;
 * reads of personal data (a device's own series) opt in with `config: { private: true }`.
 */
export function requireToken(apiToken: string) {
  const expected = digest(apiToken);
  return async (request: FastifyRequest) => {
    const config = request.routeOptions.config as { public?: boolean; private?: boolean } | undefined;
    const read = request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS";
    if ((read && !config?.private) || config?.public) return;
    const header = request.headers.authorization ?? "";
    const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
    if (given === "" || !timingSafeEqual(digest(given), expected)) {
      throw new BaseError(
        "API_UNAUTHORISED",
        given === ""
          ? `this request ${read ? "reads personal data" : "changes the chain"} and needs the node's API token (Authorization: Bearer <token from <data-dir>/api-token>)`
          : "the API token does not match this node's <data-dir>/api-token",
      );
    }
  };
}
