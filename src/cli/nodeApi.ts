import { defaults } from "../core/config.js";
import { BaseError } from "../core/errors.js";

/** A client of a running node's HTTP API, as the CLI uses it. */
export type NodeApi = {
  /** A read; `auth` sends the API token too (reads the node does not serve to anyone). */
  get<T>(
    path: string,
    query?: Record<string, string | number | boolean | undefined>,
    options?: { auth?: boolean },
  ): Promise<T>;
  send<T>(method: "POST" | "PATCH", path: string, body: unknown): Promise<T>;
};

/** The node URL: `--node`, else `GRIDLEDGER_NODE_URL`, else http://127.0.0.1:8080. */
export function nodeUrlOf(flag: string | undefined): string {
  const url = (flag ?? (process.env.GRIDLEDGER_NODE_URL || defaults.nodeUrl)).replace(/\/+$/, "");
  // `--node 127.0.0.1:8080` (as a node prints its port) means the node's plain-HTTP API.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
}

/** Talks to a node like a client to a daemon; API refusals come back as `BaseError`s with the node's code. */
export function createNodeApi(
  baseUrl: string,
  token: () => Promise<string | undefined> = async () => undefined,
): NodeApi {
  async function call<T>(method: string, path: string, body?: unknown, auth = false): Promise<T> {
    let response: Response;
    const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
    const apiToken = method === "GET" && !auth ? undefined : await token();
    if (apiToken) headers.authorization = `Bearer ${apiToken}`;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new BaseError(
        "CLI_NODE_UNREACHABLE",
        `no GridLedger node answers at ${baseUrl}; start one with "gridledger start" or pass --node URL`,
        { details: { node: baseUrl }, cause },
      );
    }
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text === "" ? undefined : JSON.parse(text);
    } catch {
      payload = undefined;
    }
    if (!response.ok) {
      const error = (
        payload as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
      )?.error;
      const code = error?.code ?? `HTTP_${response.status}`;
      let message = error?.message ?? `${method} ${path} answered ${response.status}`;
      if (code === "API_UNAUTHORISED") {
        message = `${baseUrl} refused the write: ${message}. Run the command with --data-dir <the node's data directory>, or set GRIDLEDGER_API_TOKEN`;
      }
      throw new BaseError(code, message, { details: error?.details ?? {} });
    }
    return payload as T;
  }
  return {
    get(path, query = {}, options = {}) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const qs = params.toString();
      return call("GET", qs ? `${path}?${qs}` : path, undefined, options.auth);
    },
    send(method, path, body) {
      return call(method, path, body);
    },
  };
}
