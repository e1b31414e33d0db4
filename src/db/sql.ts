import { inspect } from "node:util";
import { BaseError } from "../core/errors.js";

const INTEGER = /^-?\d+$/;

/**
 * Converts an integer read from the database to a bigint. int8 and numeric columns come back as
 * decimal strings (see `Queryable`); a number is accepted only when it is a safe integer, since a
 * larger one has already lost precision. Anything else is DB_VALUE_INVALID.
 */
export function toBigInt(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "string" && INTEGER.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new BaseError("DB_VALUE_INVALID", `expected an integer from the database, got ${describe(value)}`, {
    details: { value: describe(value) },
  });
}

/** Like {@link toBigInt}, but SQL NULL (null or undefined) stays null. */
export function toBigIntOrNull(value: unknown): bigint | null {
  return value === null || value === undefined ? null : toBigInt(value);
}

/**
 * The SQLSTATE of a database error (e.g. `23505` unique_violation, `23514` check_violation), or
 * undefined when `error` did not come from the database. Works for pg and PGlite errors alike.
 * Codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The URL with its password replaced by `***`, safe for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    // Unparseable: still hide whatever sits between "//user:" and "@".
    return url.replace(/(\/\/[^/:@]*:)[^@]*@/, "$1***@");
  }
}

/** A one-line message for any thrown value (AggregateError from dual-stack connects included). */
export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(errorMessage).join("; ");
  }
  if (error instanceof Error) return error.message || error.name;
  // WASM runtimes throw plain objects (an exit status, an errno): show their fields, not "[object Object]".
  return typeof error === "object" && error !== null
    ? inspect(error, { breakLength: Number.POSITIVE_INFINITY })
    : String(error);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === "number" ? String(value) : typeof value;
}
