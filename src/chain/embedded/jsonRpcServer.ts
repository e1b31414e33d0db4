import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmbeddedChain } from "./embeddedChain.js";
import { ProviderRpcError, RpcErrorCode, toProviderRpcError } from "./rpcErrors.js";

/** Largest request body accepted (8 MiB: a contract deployment or a batch of a few thousand calls). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Most requests in one batch. */
const MAX_BATCH_SIZE = 1000;

type JsonRpcId = string | number | null;
type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: { code: number; message: string; data?: unknown } };

/** Options of {@link serveJsonRpc}. */
export type JsonRpcServerOptions = {
  /** Address to listen on (default 127.0.0.1). */
  host?: string | undefined;
  /** TCP port; 0 picks a free one. */
  port: number;
  /**
   * Browser origins (`scheme://host[:port]`, or `*` for any) allowed to call from a web page; none by
   * default. Requests carrying another `Origin` are refused with 403 and no CORS headers.
   */
  cors?: readonly string[] | undefined;
};

/** CORS headers for `origin`, or undefined when it is not among the configured ones. */
function corsHeaders(allowed: readonly string[], origin: string): Record<string, string> | undefined {
  if (!allowed.includes("*") && !allowed.includes(origin)) return undefined;
  return {
    "access-control-allow-origin": allowed.includes("*") ? "*" : origin,
    "access-control-allow-methods": "POST, OPTIONS",
    "access-control-allow-headers": "content-type, authorization",
    "access-control-max-age": "86400",
    vary: "origin",
  };
}

/** True for `application/json`, with or without parameters such as `charset`. */
function isJsonContentType(value: string | undefined): boolean {
  return value?.split(";")[0]?.trim().toLowerCase() === "application/json";
}

function errorResponse(id: JsonRpcId, error: ProviderRpcError): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: error.toJSON() };
}

function isId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/** Answers one JSON-RPC request object; undefined for a notification (no `id`). */
async function answer(
  chain: { request: EmbeddedChain["request"] },
  request: unknown,
): Promise<JsonRpcResponse | undefined> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return errorResponse(
      null,
      new ProviderRpcError(RpcErrorCode.InvalidRequest, "invalid request: expected an object"),
    );
  }
  const { id, method, params } = request as { id?: unknown; method?: unknown; params?: unknown };
  const notification = !("id" in request);
  const responseId = isId(id) ? id : null;
  if (!notification && !isId(id)) {
    return errorResponse(null, new ProviderRpcError(RpcErrorCode.InvalidRequest, "invalid request: bad id"));
  }
  if (typeof method !== "string") {
    return errorResponse(
      responseId,
      new ProviderRpcError(RpcErrorCode.InvalidRequest, "invalid request: method must be a string"),
    );
  }
  if (params !== undefined && params !== null && !Array.isArray(params)) {
    return errorResponse(
      responseId,
      new ProviderRpcError(
        RpcErrorCode.InvalidParams,
        "invalid params: expected an array of positional params",
      ),
    );
  }
  try {
    const result = await chain.request({ method, params: (params ?? undefined) as unknown[] | undefined });
    return notification ? undefined : { jsonrpc: "2.0", id: responseId, result: result ?? null };
  } catch (error) {
    return notification ? undefined : errorResponse(responseId, toProviderRpcError(error));
  }
}

/** The request body, or undefined once it grows past {@link MAX_BODY_BYTES} (the rest is not kept). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const payload = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

/**
 * Reads and discards what is left of a refused request's body (up to the body limit), so the answer
 * is not followed by the server parsing the rest of the body as another request: a client would then
 * see data after its `connection: close` answer.
 */
function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return Promise.resolve();
  return new Promise((done) => {
    let seen = 0;
    req.on("data", (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > MAX_BODY_BYTES) done();
    });
    req.once("end", done);
    req.once("error", () => done());
    req.once("close", done);
  });
}

/** Refuses the request without looking at its body; the connection is closed after the answer. */
function refuse(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, errorResponse(null, new ProviderRpcError(code, message)), {
    ...headers,
    connection: "close",
  });
}

async function handle(
  chain: { request: EmbeddedChain["request"] },
  allowedOrigins: readonly string[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const origin = req.headers.origin;
  const cors = origin === undefined ? {} : corsHeaders(allowedOrigins, origin);
  if (cors === undefined) {
    // A browser page of another origin (or a DNS-rebound name) gets neither CORS headers nor an answer.
    await drain(req);
    return refuse(
      res,
      403,
      RpcErrorCode.InvalidRequest,
      `origin ${origin} is not allowed to call this JSON-RPC server (see --rpc-cors)`,
    );
  }
  if (req.method === "OPTIONS" && origin !== undefined) return send(res, 204, undefined, cors);
  if (req.method !== "POST") {
    await drain(req);
    return refuse(res, 405, RpcErrorCode.InvalidRequest, "JSON-RPC requests must be POSTed", {
      ...cors,
      allow: "POST",
    });
  }
  if (!isJsonContentType(req.headers["content-type"])) {
    await drain(req);
    return refuse(
      res,
      415,
      RpcErrorCode.InvalidRequest,
      `unsupported content type ${JSON.stringify(req.headers["content-type"] ?? "")}: send application/json`,
      cors,
    );
  }
  const tooLarge = `request body too large: at most ${MAX_BODY_BYTES} bytes`;
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
    return refuse(res, 413, RpcErrorCode.InvalidRequest, tooLarge, cors);
  }
  const body = await readBody(req);
  if (body === undefined) return refuse(res, 413, RpcErrorCode.InvalidRequest, tooLarge, cors);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return send(
      res,
      200,
      errorResponse(null, new ProviderRpcError(RpcErrorCode.ParseError, `parse error: ${reason}`)),
      cors,
    );
  }
  if (!Array.isArray(parsed)) {
    const response = await answer(chain, parsed);
    return send(res, response === undefined ? 204 : 200, response, cors);
  }
  if (parsed.length === 0 || parsed.length > MAX_BATCH_SIZE) {
    const message = parsed.length === 0 ? "empty batch" : `batch larger than ${MAX_BATCH_SIZE} requests`;
    return send(
      res,
      200,
      errorResponse(null, new ProviderRpcError(RpcErrorCode.InvalidRequest, `invalid request: ${message}`)),
      cors,
    );
  }
  // Started in order, so writes in a batch (e.g. consecutive nonces) reach the chain's queue in order.
  const responses = (await Promise.all(parsed.map((request) => answer(chain, request)))).filter(
    (response) => response !== undefined,
  );
  return send(res, responses.length === 0 ? 204 : 200, responses.length === 0 ? undefined : responses, cors);
}

/**
 * Serves `chain` over HTTP JSON-RPC 2.0 (single and batch requests) on `host` (127.0.0.1 unless given)
 * and `port` (0 picks a free port). Only `POST` with `Content-Type: application/json` is answered
 * (others: 405, 415); bodies over {@link MAX_BODY_BYTES} get 413; CORS headers go only to the
 * configured origins, and a request from any other origin gets 403. Malformed input is answered with
 * a JSON-RPC error object, never by crashing.
 */
export async function serveJsonRpc(
  chain: { request: EmbeddedChain["request"] },
  options: JsonRpcServerOptions,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const host = options.host ?? "127.0.0.1";
  const allowedOrigins = options.cors ?? [];
  const server = createServer((req, res) => {
    handle(chain, allowedOrigins, req, res).catch((error: unknown) => {
      send(res, 500, errorResponse(null, toProviderRpcError(error)));
    });
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
