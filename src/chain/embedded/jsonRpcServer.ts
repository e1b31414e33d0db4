import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmbeddedChain } from "./embeddedChain.js";
import { ProviderRpcError, RpcErrorCode, toProviderRpcError } from "./rpcErrors.js";

/** Largest request body accepted (contract deployments and batches fit easily). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Most requests in one batch. */
const MAX_BATCH_SIZE = 1000;

type JsonRpcId = string | number | null;
type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: { code: number; message: string; data?: unknown } };

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "content-type, authorization",
  "access-control-max-age": "86400",
};

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

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const payload = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...CORS_HEADERS,
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

async function handle(
  chain: { request: EmbeddedChain["request"] },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method === "OPTIONS") return send(res, 204, undefined);
  if (req.method !== "POST") {
    res.setHeader("allow", "POST, OPTIONS");
    return send(
      res,
      405,
      errorResponse(
        null,
        new ProviderRpcError(RpcErrorCode.InvalidRequest, "JSON-RPC requests must be POSTed"),
      ),
    );
  }
  const body = await readBody(req);
  if (body === undefined) {
    return send(
      res,
      413,
      errorResponse(null, new ProviderRpcError(RpcErrorCode.InvalidRequest, "request body too large")),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return send(
      res,
      200,
      errorResponse(null, new ProviderRpcError(RpcErrorCode.ParseError, `parse error: ${reason}`)),
    );
  }
  if (!Array.isArray(parsed)) {
    const response = await answer(chain, parsed);
    return send(res, response === undefined ? 204 : 200, response);
  }
  if (parsed.length === 0 || parsed.length > MAX_BATCH_SIZE) {
    const message = parsed.length === 0 ? "empty batch" : `batch larger than ${MAX_BATCH_SIZE} requests`;
    return send(
      res,
      200,
      errorResponse(null, new ProviderRpcError(RpcErrorCode.InvalidRequest, `invalid request: ${message}`)),
    );
  }
  // Started in order, so writes in a batch (e.g. consecutive nonces) reach the chain's queue in order.
  const responses = (await Promise.all(parsed.map((request) => answer(chain, request)))).filter(
    (response) => response !== undefined,
  );
  return send(res, responses.length === 0 ? 204 : 200, responses.length === 0 ? undefined : responses);
}

/**
 * Serves `chain` over HTTP JSON-RPC 2.0 (single and batch requests, CORS for browser wallets) on
 * `host` (127.0.0.1 unless given) and `port` (0 picks a free port). Malformed input is answered with a
 * JSON-RPC error object, never by crashing.
 */
export async function serveJsonRpc(
  chain: { request: EmbeddedChain["request"] },
  options: { host?: string; port: number },
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    handle(chain, req, res).catch((error: unknown) => {
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
