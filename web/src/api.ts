import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../src/api/openapi.js";

/** A refusal of the node's API, with its stable code (e.g. `API_UNAUTHORISED`) and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let statedPurpose: string | undefined;

/**
 * The purpose stated for this page's reads of personal data (a regulator's `purpose` actions): sent
 * with every request until changed (`X-GridLedger-Purpose`, or `?purpose=` when not ASCII), and
 * written to the node's access log.
 */
export function setPurpose(purpose: string | undefined): void {
  statedPurpose = purpose?.trim() || undefined;
}

/**
 * Every request to the node made by the typed {@link client}: JSON accepted, the stated
 * purpose attached, the browser's session cookie sent; a non-2xx answer becomes an {@link ApiError}
 * (so a typed call that returns has its `data`), an unreachable node an `ApiError` with code `NETWORK`.
 */
export async function nodeFetch(request: Request): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("accept", "application/json");
  let url = request.url;
  if (statedPurpose) {
    // Header values are ASCII only: a purpose in Chinese goes as the `purpose` query parameter instead.
    if (/^[\x20-\x7e]*$/.test(statedPurpose)) headers.set("x-gridledger-purpose", statedPurpose);
    else url = `${url}${url.includes("?") ? "&" : "?"}purpose=${encodeURIComponent(statedPurpose)}`;
  }
  const body = request.body === null ? undefined : await request.text();
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers,
      body,
      credentials: "same-origin",
      signal: request.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "NETWORK", `the node cannot be reached (${(error as Error).message})`);
  }
  if (response.ok) return response;
  const text = await response.text();
  let payload: unknown;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    payload = undefined;
  }
  const error = (payload as { error?: unknown } | undefined)?.error;
  if (typeof error === "object" && error !== null) {
    const e = error as { code?: string; message?: string; details?: unknown };
    throw new ApiError(response.status, e.code ?? `HTTP_${response.status}`, e.message ?? "", e.details);
  }
  // Fastify's own 404 for a route the node does not have: { statusCode, error, message }.
  const plain = payload as { message?: string } | undefined;
  throw new ApiError(
    response.status,
    `HTTP_${response.status}`,
    plain?.message ?? (text.slice(0, 200) || response.statusText),
  );
}

/**
 * The node's API typed by its OpenAPI document (src/api/openapi.ts, `npm run gen:api`), same origin.
 * Refusals throw an {@link ApiError} (see {@link nodeFetch}), so `data` of an answer is there.
 */
export const client: Client<paths> = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  fetch: nodeFetch,
});

/** The data of a typed {@link client} answer; refusals have already thrown (see {@link nodeFetch}). */
export function answer<T>(result: { data?: T; response: Response }): T {
  return result.data as T;
}

/** The JSON answer (200) of `method` on `path`, as the OpenAPI document describes it. */
export type Answer<
  P extends keyof paths,
  M extends "get" | "post" | "put" | "patch" | "delete",
> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer T } } };
}
  ? T
  : never;

/**
 * The defined, non-empty values of `params`: a query for the typed {@link client}, where empty text
 * means no filter (as {@link query} leaves it out).
 */
export function present<T extends Record<string, unknown>>(params: T): T {
  return Object.fromEntries(
    Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== ""),
  ) as T;
}

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A region as `GET /v1/regions` lists it. */
export type Region = Answer<"/v1/regions", "get">["regions"][number];

/** Figures of one region and day (`GET /v1/stats/overview`); a suppressed region has its figures null. */
export type Overview = Answer<"/v1/stats/overview", "get">;
/** One region of the {@link Overview}. */
export type OverviewRegion = Overview["regions"][number];

/** A region's series (`GET /v1/stats/series`). */
export type Series = Answer<"/v1/stats/series", "get">;

/** An alert (`GET /v1/alerts`). */
export type Alert = Answer<"/v1/alerts", "get">["alerts"][number];

/** An alert with its evidence readings and their proofs (`GET /v1/alerts/{id}`). */
export type AlertDetail = Answer<"/v1/alerts/{id}", "get">;

/** A batch and its anchor (`GET /v1/anchors`). */
export type Batch = Answer<"/v1/anchors", "get">["batches"][number];

/** `GET /v1/anchors/onchain`: what MeterAnchor.anchorOf returns for a batch key. */
export type OnchainAnchor = Answer<"/v1/anchors/onchain", "get">;

/** `GET /v1/chain/blocks`. */
export type ChainBlocks = Answer<"/v1/chain/blocks", "get">;

/** A stored reading and its batch (`GET /v1/readings/{deviceId}/{seq}`). */
export type StoredReading = Answer<"/v1/readings/{deviceId}/{seq}", "get">;

/** `GET /v1/metering/stats`. */
export type MeteringStats = Answer<"/v1/metering/stats", "get">;

/** `GET /v1/auth/me`: who the node takes this browser for, and the actions of the permission table it may call. */
export type Me = Answer<"/v1/auth/me", "get">;

/** One role binding as the node reports it (src/auth/roles.ts). */
export type Binding = Me["principal"]["bindings"][number];

/** `POST /v1/auth/nonce`: the EIP-4361 fields the message must carry. */
export type SignInChallenge = Answer<"/v1/auth/nonce", "post">;

/** `POST /v1/auth/signin` and `/refresh`. */
export type SignedIn = Answer<"/v1/auth/signin", "post">;

/** A registered device (`GET /v1/devices`). */
export type Device = Answer<"/v1/devices", "get">["devices"][number];

/** `GET /v1/devices/{deviceId}/series`. */
export type DeviceSeries = Answer<"/v1/devices/{deviceId}/series", "get">;

/** One row of the access log (`GET /v1/access-log`). */
export type AccessLogEntry = Answer<"/v1/access-log", "get">["entries"][number];

/** `GET /v1/access-log/verify`. */
export type AccessLogVerdict = Answer<"/v1/access-log/verify", "get">;
