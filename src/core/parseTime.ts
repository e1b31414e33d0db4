import { BaseError } from "./errors.js";

/** Latest time GridLedger takes: 9999-12-31T23:59:59Z, the end of four-digit years (ISO 8601). */
export const maxUnixSeconds = 253_402_300_799;

/**
 * A time given as Unix seconds or an ISO 8601 date or date-time, from 1970 to the year 9999, as whole
 * Unix seconds; anything else is refused with `code` (the API's `REQUEST_INVALID` or
 * `STATS_INVALID_TIME`, the CLI's `CLI_INVALID_TIME`) naming the parameter or flag. Not given
 * (`undefined`) stays undefined. The one parser of times for the HTTP API and the CLI.
 */
export function parseTime(text: string, name: string, code?: string): number;
export function parseTime(text: string | undefined, name: string, code?: string): number | undefined;
export function parseTime(
  text: string | undefined,
  name: string,
  code = "REQUEST_INVALID",
): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const seconds = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > maxUnixSeconds) {
    throw new BaseError(
      code,
      `${name} must be Unix seconds or an ISO 8601 time from 1970 to 9999, got "${text}"`,
      { details: { [name]: text, parameter: name } },
    );
  }
  return Math.floor(seconds);
}
