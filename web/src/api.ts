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
 * Every request to the node, of the typed {@link client} and of {@link api}: JSON accepted, the stated
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

/**
 * Calls the node's HTTP API (same origin) untyped, for paths whose answers the OpenAPI document does
 * not describe yet; non-2xx answers become an {@link ApiError}. The session is the node's HttpOnly
 * cookie, sent by the browser: the page never holds a token.
 */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const request = new Request(new URL(path, globalThis.location?.href), {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  const text = await (await nodeFetch(request)).text();
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    return undefined as T;
  }
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

/** Figures of one region and day (`GET /v1/stats/overview`). */
export type OverviewRegion = {
  code: string;
  nameZh: string;
  nameEn: string;
  consumptionWh: string;
  generationWh: string;
  renewableWh: string;
  renewableShare: number | null;
  /** Natural gas consumed, litres. */
  gasLitres: string;
  tce: string;
  co2Kg: string;
  completeness: number | null;
  openAlerts: number;
  /** The region has fewer devices than the node's minimum group size: the public gets no figures. */
  suppressed?: boolean;
  /** That minimum group size (k), when the node says it. */
  minGroupSize?: number;
  /** Why it is not shown (`fewer than 5 devices in region …`). */
  reason?: string;
};

export type Overview = { date: string; utcOffsetMinutes: number; regions: OverviewRegion[] };

/** One point (or the totals) of `GET /v1/stats/series`. */
export type SeriesFigures = {
  consumption: string;
  generation: string;
  generationBySource: Record<string, string>;
  netExport: string;
  peakDemandW: string;
  activeDevices: number;
  expectedReadings: number;
  receivedReadings: number;
  completeness: number | null;
  renewableShare: number | null;
  tce: string;
  co2Kg: string;
};

export type Series = {
  region: { code: string; nameZh: string; nameEn: string };
  commodity: string;
  unit: string;
  granularity: string;
  from: number;
  to: number;
  points: (SeriesFigures & { start: number })[];
  totals: SeriesFigures;
  /** As {@link OverviewRegion.suppressed}: no breakdown for the public. */
  suppressed?: boolean;
  minGroupSize?: number;
  reason?: string;
};

/** An alert (`GET /v1/alerts`). */
export type Alert = {
  id: string;
  kind: string;
  severity: string;
  status: string;
  region: string | null;
  regionId: string | null;
  deviceId: string | null;
  message: string;
  periodStart: number | null;
  createdAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  note: string | null;
  evidence: unknown;
};

export type AlertDetail = {
  alert: Alert;
  readings: {
    deviceId: string;
    seq: string;
    reading: Record<string, unknown> | null;
    proof: Record<string, unknown> | null;
    proofStatus: "anchored" | "not-anchored" | "missing";
  }[];
};

/** A batch and its anchor (`GET /v1/anchors`). */
export type Batch = {
  region: string | null;
  regionId: string;
  commodity: number;
  intervalStart: number;
  part: number;
  root: string;
  leafCount: number;
  importTotal: string;
  exportTotal: string;
  status: string;
  contract: string | null;
  txHash: string | null;
  blockNumber: number | null;
  anchoredAt: number | null;
};

/** `GET /v1/anchors/onchain`: what MeterAnchor.anchorOf returns for a batch key. */
export type OnchainAnchor = {
  region: string;
  regionId: string;
  commodity: number;
  intervalStart: number;
  part: number;
  contract: string;
  anchored: boolean;
  root: string;
  leafCount: number;
  importTotal: string;
  exportTotal: string;
  anchoredAt: number | null;
  readAtBlock: number;
};

/** `GET /v1/chain/blocks`. */
export type ChainBlocks = {
  head: number;
  blocks: {
    number: number;
    hash: string;
    timestamp: number;
    gasUsed: string;
    transactions: {
      hash: string;
      from: string;
      to: string | null;
      contract: string | null;
      method: string | null;
      created: string | null;
    }[];
  }[];
};

export type StoredReading = {
  reading: Record<string, unknown>;
  receivedAt: string;
  batch: { region: string; commodity: number; intervalStart: number; part: number; status: string } | null;
};

export type MeteringStats = {
  readings: number;
  devices: number;
  unbatched: number;
  batches: number;
  anchored: number;
  pending: number;
  conflicts: number;
  alerts: number;
  lastReadingAt: string | null;
};

/** One role binding as the node reports it (src/auth/roles.ts). */
export type Binding = {
  role: string;
  scope: { kind: "all" } | { kind: "region"; region: string } | { kind: "community"; community: string };
};

/** `GET /v1/auth/me`: who the node takes this browser for, and the actions of the permission table it may call. */
export type Me = {
  principal: { kind: string; account?: string; keyId?: string; bindings?: Binding[] };
  roles: string[];
  actions: string[];
};

/** `POST /v1/auth/nonce`: the EIP-4361 fields the message must carry. */
export type SignInChallenge = {
  nonce: string;
  domain: string;
  uri: string;
  chainId: number;
  version: "1";
  statement?: string;
  issuedAt: string;
  expirationTime: string;
};

/** `POST /v1/auth/signin` and `/refresh`. */
export type SignedIn = Answer<"/v1/auth/signin", "post">;

/** A registered device (`GET /v1/devices`). */
export type Device = Answer<"/v1/devices", "get">["devices"][number];

/** `GET /v1/devices/{id}/series`. */
export type DeviceSeries = {
  deviceId: string;
  commodity: string;
  unit: string;
  granularity: string;
  points: { start: number; import: string; export: string; net: string; readings: number }[];
};

/** One row of the access log (`GET /v1/access-log`). */
export type AccessLogEntry = {
  seq: number | string;
  at: string;
  actor: string;
  roles: string[];
  action: string;
  method: string;
  object: string;
  purpose: string | null;
  hash: string;
  prevHash: string;
};

/** `GET /v1/access-log/verify`. */
export type AccessLogVerdict = Answer<"/v1/access-log/verify", "get">;
