import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../api/openapi.js";
import { defaults } from "../core/config.js";
import { BaseError } from "../core/errors.js";

/** The node's API typed by its OpenAPI document (src/api/openapi.ts, `npm run gen:api`). */
export type NodeClient = Client<paths>;

/** A client of a running node's HTTP API, as the CLI uses it. */
export type NodeApi = {
  /**
   * The typed client (openapi-fetch): paths, parameters, bodies and answers come from the OpenAPI
   * document. A refusal throws a `BaseError` with the node's code, so `data` of an answer is there;
   * take it with {@link answer}.
   */
  client: NodeClient;
};

/** The node URL: `--node`, else `GRIDLEDGER_NODE_URL`, else http://127.0.0.1:8080. */
export function nodeUrlOf(flag: string | undefined): string {
  const url = (flag ?? (process.env.GRIDLEDGER_NODE_URL || defaults.nodeUrl)).replace(/\/+$/, "");
  // `--node 127.0.0.1:8080` (as a node prints its port) means the node's plain-HTTP API.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
}

/** The data of a typed client's answer; refusals have already thrown (see {@link createNodeApi}). */
export function answer<T>(result: { data?: T; response: Response }): T {
  return result.data as T;
}

/**
 * Talks to a node like a client to a daemon; `token` (an API key or session token) goes with every
 * request as a bearer token. API refusals come back as `BaseError`s with the node's code.
 */
export function createNodeApi(
  baseUrl: string,
  token: () => Promise<string | undefined> = async () => undefined,
): NodeApi {
  /** Every request of both the typed and the untyped calls: the bearer token, and refusals as errors. */
  async function fetchNode(request: Request): Promise<Response> {
    const apiToken = await token();
    if (apiToken) request.headers.set("authorization", `Bearer ${apiToken}`);
    let response: Response;
    try {
      response = await fetch(request);
    } catch (cause) {
      throw new BaseError(
        "CLI_NODE_UNREACHABLE",
        `no GridLedger node answers at ${baseUrl}; start one with "gridledger start" or pass --node URL`,
        { details: { node: baseUrl }, cause },
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text === "" ? undefined : JSON.parse(text);
    } catch {
      payload = undefined;
    }
    const error = (
      payload as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    )?.error;
    const code = error?.code ?? `HTTP_${response.status}`;
    const path = new URL(request.url).pathname;
    let message = error?.message ?? `${request.method} ${path} answered ${response.status}`;
    if (code === "AUTH_REQUIRED" || code === "AUTH_TOKEN_INVALID") {
      message = `${baseUrl} refused the request: ${message}. Sign in with "gridledger login --key FILE", set GRIDLEDGER_API_KEY, or run the command with --data-dir <the node's data directory>`;
    }
    throw new BaseError(code, message, { details: error?.details ?? {} });
  }

  return {
    client: createClient<paths>({ baseUrl, fetch: fetchNode }),
  };
}
