import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { BaseError as ViemBaseError } from "viem";
import { decodeChainError } from "../chain/decodeRevert.js";
import { BaseError } from "../core/errors.js";

const statusRules: [RegExp, number][] = [
  [/^API_UNAUTHORISED$/, 401],
  [/NOT_FOUND$|_NOT_ANCHORED$|_UNKNOWN_(REGION|DEVICE|PROPOSAL)$/, 404],
  [/_TOO_MANY$/, 413],
  [/_UNAVAILABLE$|_CLOSED$/, 503],
  [/_NOT_(AUTHORISED|SEAT_HOLDER|FOUNDER|CONSORTIUM|MEMBER)$|_UNAUTHORISED$/, 403],
  [/_(EXISTS|ALREADY_[A-Z_]+|NOT_ACTIVE|RETIRED|QUORUM_NOT_REACHED|LAST_SEAT)$/, 409],
  [/^BATCH_NOT_QUARANTINED$/, 409],
  [/^CHAIN_(UNREACHABLE|REQUEST_FAILED)$/, 502],
  [/^CHAIN_TX_REVERTED$/, 500],
];

/** The HTTP status of an error code: the only place codes meet statuses (STYLE.md). */
export function statusOf(code: string): number {
  for (const [pattern, status] of statusRules) if (pattern.test(code)) return status;
  return 400;
}

/** Fastify error handler: every refusal is `{ error: { code, message, details } }`. */
export function handleError(thrown: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  // Chain reads (eth_call) throw viem errors; a revert among them is a named refusal like any other.
  const error = thrown instanceof ViemBaseError ? decodeChainError(thrown) : thrown;
  if (error instanceof BaseError) {
    return reply.status(statusOf(error.code)).send({ error: error.toJSON() });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return reply.status(400).send({
      error: { code: "REQUEST_INVALID", message: `request ${fastifyError.message}`, details: {} },
    });
  }
  if (fastifyError.statusCode && fastifyError.statusCode < 500) {
    return reply.status(fastifyError.statusCode).send({
      error: { code: fastifyError.code ?? "REQUEST_INVALID", message: fastifyError.message, details: {} },
    });
  }
  request.log.error(error);
  return reply
    .status(500)
    .send({ error: { code: "INTERNAL", message: "internal error; see the node's log", details: {} } });
}
