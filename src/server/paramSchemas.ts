// JSON schema pieces shared by the route files, so every query, path and body parameter has a type,
// a range and a length: fastify refuses anything else with 400 REQUEST_INVALID naming the parameter,
// before a handler (or the database) sees it.

/** Latest time a parameter may name: 9999-12-31T23:59:59Z, the end of four-digit years (ISO 8601). */
export const maxUnixSeconds = 253_402_300_799;

/** Unix seconds from 1970 to the year 9999. */
export const unixSeconds = { type: "integer", minimum: 0, maximum: maxUnixSeconds } as const;

/** A page size: 1 to `max`, `fallback` when not given. */
export const pageLimit = (fallback: number, max = 1000) =>
  ({ type: "integer", minimum: 1, maximum: max, default: fallback }) as const;

/** Rows to skip: 0 to 2^31−1 (PostgreSQL's `integer`; deeper paging is a filter's job). */
export const pageOffset = { type: "integer", minimum: 0, maximum: 2_147_483_647, default: 0 } as const;

/** Free text up to `max` characters (names, searches, codes); control characters are refused globally. */
export const text = (max: number, description?: string) =>
  description === undefined
    ? ({ type: "string", maxLength: max } as const)
    : ({ type: "string", maxLength: max, description } as const);

/** A 32-byte id as hex, with or without `0x`, any case (deviceId, regionId). */
export const hex32 = { type: "string", pattern: "^(0[xX])?[0-9a-fA-F]{64}$" } as const;

/** A 20-byte account address, `0x` and 40 hex digits, any case. */
export const address = { type: "string", pattern: "^0[xX][0-9a-fA-F]{40}$" } as const;

/** A positive decimal integer of up to `digits` digits, given as text (seq, ids). */
export const decimalId = (digits: number) => ({ type: "string", pattern: `^[0-9]{1,${digits}}$` }) as const;

/** A time as Unix seconds or ISO 8601 text; its range is checked where it is parsed. */
export const timeText = (description: string) => ({ type: "string", maxLength: 40, description }) as const;
