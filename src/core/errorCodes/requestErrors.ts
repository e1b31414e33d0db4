import { http } from "./errorEntry.js";

/** Refusals of a request as such, before or beside any capability, and the node's own failures. */
export const requestErrors = {
  REQUEST_INVALID: http(400, "a parameter, path value or body does not fit the route's schema"),
  REQUEST_INVALID_JSON: http(400, "the body is empty or not JSON"),
  REQUEST_TOO_DEEP: http(400, "the JSON body is nested too deeply"),
  REQUEST_VALUE_INVALID: http(
    400,
    "the database refused a value of the request (out of range, invalid text)",
  ),
  REQUEST_MALFORMED: http(400, "the request is not valid HTTP; the connection is closed"),
  TEXT_INVALID: http(400, "text with a control character, NUL or a lone surrogate"),
  ROUTE_NOT_FOUND: http(404, "no route has this method and path"),
  REQUEST_TIMEOUT: http(408, "the client did not send its whole request in time; the connection is closed"),
  REQUEST_TOO_LARGE: http(413, "the body is over the route's size limit"),
  REQUEST_UNSUPPORTED_MEDIA_TYPE: http(415, "the body is not application/json"),
  RATE_LIMITED: http(429, "over a rate limit; retry-after says when to try again"),
  REQUEST_HEADERS_TOO_LARGE: http(431, "the request headers are too large; the connection is closed"),
  INTERNAL: http(500, "an unexpected failure of the node; its log has the cause"),
  DB_VALUE_INVALID: http(500, "the database returned a value of the wrong type"),
  DB_CLOSED: http(503, "the node's database is closing or closed"),
  DB_TRANSACTION_CLOSED: http(503, "a query ran in a transaction that had already ended"),
  CHAIN_REVERTED: http(400, "the contract refused without a named error (a reason string or none)"),
  CHAIN_TX_REVERTED: http(500, "a transaction of the node was mined but reverted"),
  CHAIN_REQUEST_FAILED: http(502, "the chain's JSON-RPC request failed"),
  CHAIN_UNREACHABLE: http(502, "no chain answers at the node's JSON-RPC endpoint"),
};
