/** Details attached to an error: plain JSON-friendly values that say what was wrong. */
export type ErrorDetails = Record<string, unknown>;

/**
 * Base error of GridLedger. Every refusal carries a stable `code` (like fastify's `FST_ERR_*`),
 * a short human message, optional details and an optional cause. Only the HTTP layer maps codes
 * to statuses.
 */
export class BaseError extends Error {
  override name = "GridLedgerError";
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(code: string, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** JSON form used by the HTTP API and `--json` CLI output. */
  toJSON(): { code: string; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `error` is a GridLedger error, optionally with the given code. */
export function isBaseError(error: unknown, code?: string): error is BaseError {
  return error instanceof BaseError && (code === undefined || error.code === code);
}
