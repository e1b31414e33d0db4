import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { BaseError as ViemBaseError } from "viem";
import { decodeChainError } from "../chain/decodeRevert.js";
import { errorEntry } from "../core/errorCatalogue.js";
import { BaseError } from "../core/errors.js";
import { sqlState } from "../db/sql.js";

/**
 * The HTTP status of an error code, from the catalogue (src/core/errorCatalogue.ts): the only place
 * codes meet statuses (STYLE.md). A code the catalogue lacks is 400; a test fails for any such code
 * in src/.
 */
export function statusOf(code: string): number {
  return errorEntry(code)?.status ?? 400;
}

/** fastify's own refusals (before a handler runs) under the API's names. */
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "REQUEST_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "REQUEST_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "REQUEST_INVALID",
  FST_ERR_CTP_EMPTY_JSON_BODY: "REQUEST_INVALID_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "REQUEST_INVALID_JSON",
  FST_ERR_BAD_URL: "REQUEST_INVALID",
  FST_ERR_ASYNC_CONSTRAINT: "REQUEST_INVALID",
};

/** The parameter a schema refusal is about: `offset` for `querystring/offset must be <= …`. */
function validationDetails(error: FastifyError): Record<string, unknown> {
  const first = error.validation?.[0];
  const missing = (first?.params as { missingProperty?: unknown } | undefined)?.missingProperty;
  const path = first?.instancePath.replace(/^\//, "").replaceAll("/", ".") ?? "";
  const parameter = typeof missing === "string" ? (path ? `${path}.${missing}` : missing) : path;
  return { in: error.validationContext ?? null, parameter: parameter || null };
}

/** The body of every error answer: `retry` says, from the catalogue, whether the same request may succeed later. */
export type ErrorBody = {
  error: { code: string; message: string; retry: boolean; details: Record<string, unknown> };
};

/** `{ error: { code, message, retry, details } }` for `code`; `retry` is the catalogue's (false for an unknown code). */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, retry: errorEntry(code)?.retry ?? false, details } };
}

const send = (reply: FastifyReply, code: string, message: string, details: Record<string, unknown> = {}) =>
  reply.status(statusOf(code)).send(errorBody(code, message, details));

/**
 * Fastify error handler: every refusal is `{ error: { code, message, retry, details } }`. Errors the database
 * raises about a value (SQLSTATE class 22, data exception: invalid byte sequence, numeric overflow,
 * invalid datetime…) come from what a request carried: 400 `REQUEST_VALUE_INVALID`. Anything else
 * unexpected is the node's fault: 500 `INTERNAL`, logged.
 */
export function handleError(thrown: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  // Chain reads (eth_call) throw viem errors; a revert among them is a named refusal like any other.
  const error = thrown instanceof ViemBaseError ? decodeChainError(thrown) : thrown;
  if (error instanceof BaseError) {
    return send(reply, error.code, error.message, error.details);
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return send(reply, "REQUEST_INVALID", `request ${fastifyError.message}`, validationDetails(fastifyError));
  }
  const state = sqlState(error);
  if (state?.startsWith("22")) {
    request.log.warn({ err: error }, "the database refused a value from a request");
    return send(reply, "REQUEST_VALUE_INVALID", `a value in the request is out of range or not valid text`, {
      sqlState: state,
    });
  }
  if (fastifyError.statusCode && fastifyError.statusCode < 500) {
    const code = fastifyCodes[fastifyError.code] ?? "REQUEST_INVALID";
    return reply
      .status(code === "REQUEST_INVALID" ? fastifyError.statusCode : statusOf(code))
      .send(errorBody(code, fastifyError.message, fastifyError.code ? { cause: fastifyError.code } : {}));
  }
  request.log.error(error);
  return send(reply, "INTERNAL", "internal error; see the node's log");
}

/** Requests to no route: 404 `ROUTE_NOT_FOUND` in the API's error shape. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return send(
    reply,
    "ROUTE_NOT_FOUND",
    `no route ${request.method} ${request.url.split("?")[0]?.slice(0, 200)}`,
  );
}

/**
 * Errors of the HTTP parser, before fastify sees a request (fastify's `clientErrorHandler`): a client
 * too slow to send its request gets 408 `REQUEST_TIMEOUT`, oversized headers 431
 * `REQUEST_HEADERS_TOO_LARGE`, anything else that is not HTTP 400 `REQUEST_MALFORMED`; then the
 * connection is closed.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [code, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? ["REQUEST_TIMEOUT", "the request was not received in time"]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? ["REQUEST_HEADERS_TOO_LARGE", "the request headers are too large"]
        : ["REQUEST_MALFORMED", "the request is not valid HTTP"];
  const status = statusOf(code);
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
