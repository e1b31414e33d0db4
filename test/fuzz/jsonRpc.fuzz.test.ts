import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readingToJson } from "../../src/metering/readingFormat.js";
import {
  intervalAgo,
  type Json,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";
import { jsonRpcCorpus, type RpcCase } from "./corpus.js";

/** Sends one raw request to the JSON-RPC server; refuses to wait more than 20 s (a hang is a failure). */
function exchange(url: string, c: RpcCase): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (c.contentType !== "") headers["content-type"] = c.contentType ?? "application/json";
    const req = httpRequest(url, { method: c.method ?? "POST", headers, timeout: 20_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error(`${c.name}: no answer within 20 s`)));
    req.on("error", reject);
    req.end(c.method === "GET" ? undefined : c.body);
  });
}

/** A JSON-RPC 2.0 response object: a result, or an error with a numeric code and a message. */
function wellFormedResponse(value: Json): boolean {
  if (typeof value !== "object" || value === null || value.jsonrpc !== "2.0") return false;
  if ("result" in value) return true;
  return typeof value.error?.code === "number" && typeof value.error?.message === "string";
}

describe("fuzzing the embedded chain's JSON-RPC with hostile input", () => {
  let t: MeteringNode & { restart(): Promise<void> };

  beforeAll(async () => {
    t = await startMeteringNode();
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("answers every hostile request with a well-formed JSON-RPC answer or a 4xx, never a 5xx or a hang", async () => {
    const cases = jsonRpcCorpus();
    expect(cases.length).toBeGreaterThan(250);
    const failures: string[] = [];
    for (const c of cases) {
      const { status, body } = await exchange(t.node.rpcUrl, c);
      const problem = (() => {
        if (status >= 500 || status < 200) return `status ${status}`;
        if (status >= 400 || status === 204) return undefined;
        let parsed: Json;
        try {
          parsed = JSON.parse(body);
        } catch {
          return "a body that is not JSON";
        }
        const responses = Array.isArray(parsed) ? parsed : [parsed];
        return responses.length > 0 && responses.every(wellFormedResponse) ? undefined : "not JSON-RPC 2.0";
      })();
      if (problem) failures.push(`${c.name}: ${problem}: ${body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it("is healthy afterwards: the chain answers, /health is ok and a reading is anchored", async () => {
    const { status, body } = await exchange(t.node.rpcUrl, {
      name: "eth_blockNumber",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }),
    });
    expect(status).toBe(200);
    expect(JSON.parse(body).result).toMatch(/^0x[0-9a-f]+$/);
    expect(await t.get("/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    const key = await t.device({ region: "CN-GD" });
    const [reading] = readingSeries(key, { start: intervalAgo(2), count: 1 });
    const json = readingToJson(reading!);
    expect((await t.post("/v1/readings", { readings: [json] })).body.results[0].status).toBe("accepted");
    expect((await t.post("/v1/anchors", {})).body.anchored).toBeGreaterThan(0);
    const proof = await t.get(`/v1/readings/${json.deviceId}/${json.seq}/proof`);
    expect(proof.status).toBe(200);
  }, 120_000);
});
