import type { FastifyInstance, FastifyRequest } from "fastify";
import { BaseError } from "../core/errors.js";
import { textProblem } from "../core/text.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * `"query"`: the text guard checks the query string and path but leaves the body to the handler,
     * which refuses bad items one by one (POST /v1/readings answers per reading).
     */
    textGuard?: "query";
  }
}

function refuse(where: string, problem: string): never {
  throw new BaseError("TEXT_INVALID", `${where} ${problem}`, { details: { field: where } });
}

/** Checks every string (keys included) of a parsed value; `path` names where it sits, e.g. `body.devices[2].owner`. */
function checkValue(value: unknown, path: string, multiline: boolean): void {
  if (typeof value === "string") {
    const problem = textProblem(value, { multiline });
    if (problem !== undefined) refuse(path, problem);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkValue(value[i], `${path}[${i}]`, multiline);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const problem = textProblem(key, { multiline: false });
      if (problem !== undefined) refuse(`${path} key`, problem);
      checkValue(item, `${path}.${key}`, multiline);
    }
  }
}

/** The guard itself: query string values and path parameters on one line, body strings may span lines. */
export function checkRequestText(request: FastifyRequest): void {
  checkValue(request.query, "query", false);
  checkValue(request.params, "path", false);
  if (request.routeOptions.config.textGuard !== "query") checkValue(request.body, "body", true);
}

/**
 * Refuses a query or path parameter that schema validation turned into an infinite number: ajv
 * coerces the text `Infinity` to a number and then lets it past `minimum`/`maximum`.
 */
export function checkFiniteParameters(request: FastifyRequest): void {
  for (const [where, values] of [
    ["querystring", request.query],
    ["params", request.params],
  ] as const) {
    for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
      if (typeof value === "number" && !Number.isFinite(value)) {
        throw new BaseError("REQUEST_INVALID", `request ${where}/${name} must be a finite number`, {
          details: { in: where, parameter: name },
        });
      }
    }
  }
}

/**
 * Refuses, with 400 `TEXT_INVALID` naming the parameter, any request whose query string values, path
 * parameters or JSON body strings hold NUL, another control character or a lone UTF-16 surrogate
 * (body strings may hold tab, line feed and carriage return). Runs before schema validation, so no
 * such text reaches a handler, the database (which cannot store NUL) or the chain. After validation,
 * refuses infinite numbers in the query and path (see {@link checkFiniteParameters}).
 */
export function addTextGuard(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => checkRequestText(request));
  app.addHook("preHandler", async (request) => checkFiniteParameters(request));
}
