import { type Static, type TSchema, Type } from "typebox";
import { BaseError } from "../core/errors.js";
import { maxUnixSeconds } from "../core/parseTime.js";

// TypeBox schemas shared by the route files, so every query, path and body parameter has a type, a
// range and a length: fastify refuses anything else with 400 REQUEST_INVALID naming the parameter,
// before a handler (or the database) sees it, and the handler gets the parameter's static type.

/** Unix seconds from 1970 to the year 9999. */
export const unixSeconds = Type.Integer({ minimum: 0, maximum: maxUnixSeconds });

/** A page size: 1 to `max`, `fallback` when not given. */
export const pageLimit = (fallback: number, max = 1000) =>
  Type.Integer({ minimum: 1, maximum: max, default: fallback });

/** Rows to skip: 0 to 2^31−1 (PostgreSQL's `integer`; deeper paging is a filter's job). */
export const pageOffset = Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 });

/** Free text up to `max` characters (names, searches, codes); control characters are refused globally. */
export const text = (max: number, description?: string) =>
  description === undefined ? Type.String({ maxLength: max }) : Type.String({ maxLength: max, description });

/** A 32-byte id as hex, with or without `0x`, any case (deviceId, regionId). */
export const hex32 = Type.String({ pattern: "^(0[xX])?[0-9a-fA-F]{64}$" });

/** A 20-byte account address, `0x` and 40 hex digits, any case. */
export const address = Type.String({ pattern: "^0[xX][0-9a-fA-F]{40}$" });

/** A positive decimal integer of up to `digits` digits, given as text (seq, ids). */
export const decimalId = (digits: number) => Type.String({ pattern: `^[0-9]{1,${digits}}$` });

/** A time as Unix seconds or ISO 8601 text; its range is checked where it is parsed ({@link parseTime}). */
export const timeText = (description: string) => Type.String({ maxLength: 40, description });

/** One of `values`, as a string enum (`{ type: "string", enum }` in the OpenAPI document). */
export const oneOf = <const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });

/** The keys of a record, typed as its key union (`Object.keys` gives `string[]`). */
export const keysOf = <K extends string>(record: Record<K, unknown>): K[] => Object.keys(record) as K[];

/** Path parameters `{ deviceId }`: a 32-byte device id as hex. */
export const deviceIdParams = Type.Object({ deviceId: hex32 });
/** The static type of {@link deviceIdParams}. */
export type DeviceIdParams = Static<typeof deviceIdParams>;

/** Parses a device id given in a path (with or without `0x`, any case); `REQUEST_INVALID` otherwise. */
export function deviceIdParam(raw: string): `0x${string}` {
  const id = (raw.startsWith("0x") ? raw : `0x${raw}`).toLowerCase() as `0x${string}`;
  if (!/^0x[0-9a-f]{64}$/.test(id)) {
    throw new BaseError("REQUEST_INVALID", `deviceId must be 32 bytes of hex, got "${raw}"`);
  }
  return id;
}

/** `schema` or null, as OpenAPI 3.0 writes it (`nullable: true`), typed `Static<schema> | null`. */
export const nullable = <const T extends TSchema>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });

/** Any JSON object (`{ type: "object", additionalProperties: true }`), typed `T` (a record by default). */
export const jsonObject = <T = Record<string, unknown>>(options: { description?: string } = {}) =>
  Type.Unsafe<T>({ type: "object", additionalProperties: true, ...options });
