/**
 * Where a code is met: `http` in an API answer; `reading` inside a 200 answer, as the refusal of one
 * reading (also in MQTT acks); `contract` a decoded revert of a GridLedger contract (in an API answer
 * or on the CLI); `mqtt` by a device from the node's broker; `local` on the CLI or at start-up,
 * never in an API answer.
 */
export type ErrorSurface = "http" | "reading" | "contract" | "mqtt" | "local";

/** One error code of the catalogue. */
export interface ErrorEntry {
  /** The HTTP status of a request refused with this code (for `reading`: were the whole request refused). */
  readonly status: number;
  /** Whether the same request, sent again later, can succeed (429, 503, a timeout: yes; bad input: no). */
  readonly retry: boolean;
  /** One sentence: what went wrong, for the error table in docs/http-api.md. */
  readonly summary: string;
  /** True for the per-reading refusals returned inside a 200 answer. */
  readonly perReading: boolean;
  readonly surface: ErrorSurface;
}

/** Statuses at which trying again later can help unless a code says otherwise. */
const retryStatuses = new Set([408, 429, 502, 503, 504]);

function entry(surface: ErrorSurface, status: number, summary: string, retry?: boolean): ErrorEntry {
  return {
    status,
    retry: retry ?? retryStatuses.has(status),
    summary,
    perReading: surface === "reading",
    surface,
  };
}

/** A refusal in an API answer. */
export const http = (status: number, summary: string, retry?: boolean) =>
  entry("http", status, summary, retry);
/** The refusal of one reading inside a 200 answer, with the status the whole request would have. */
export const reading = (status: number, summary: string, retry?: boolean) =>
  entry("reading", status, summary, retry);
/** A decoded custom error of a contract (`RegistryDeviceExists` → `REGISTRY_DEVICE_EXISTS`). */
export const revert = (status: number, summary: string) => entry("contract", status, summary, false);
/** A refusal the node's MQTT broker gives a device (connect, subscribe, publish). */
export const mqtt = (status: number, summary: string, retry?: boolean) =>
  entry("mqtt", status, summary, retry);
/** An error of the CLI, the worker or the node's start-up: never in an API answer. */
export const local = (status: number, summary: string, retry?: boolean) =>
  entry("local", status, summary, retry);
