import { connect } from "node:net";
import type { FastifyInstance } from "fastify";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveHttpLimits } from "../../src/core/config.js";
import { readingToJson } from "../../src/metering/readingFormat.js";
import { createServer } from "../../src/server/createServer.js";
import { handleError, handleNotFound } from "../../src/server/httpErrors.js";
import { bodyLimits, maxJsonDepth } from "../../src/server/jsonBody.js";
import {
  intervalAgo,
  type Json,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("the HTTP API's limits against hostile input", () => {
  let t: MeteringNode & { restart(): Promise<void> };
  let app: FastifyInstance;
  const auth = () => ({ authorization: `Bearer ${t.node.context.apiToken}` });
  const inject = async (method: "GET" | "POST", url: string, payload?: string | object, headers = {}) => {
    const res = await app.inject({
      method,
      url,
      payload,
      headers: {
        ...(typeof payload === "string" ? { "content-type": "application/json" } : {}),
        ...auth(),
        ...headers,
      },
    });
    return {
      status: res.statusCode,
      body: res.body ? (JSON.parse(res.body) as Json) : undefined,
      headers: res.headers,
    };
  };
  /** A server on the same node with other limits, listening on a free port. */
  const serverWith = async (limits: {
    rateLimit: number;
    readingsRateLimit: number;
    requestTimeoutSeconds: number;
  }) =>
    createServer({ ...t.node.context, metering: t.node.metering, rpcUrl: () => t.node.rpcUrl }, { limits });

  beforeAll(async () => {
    t = await startMeteringNode();
    app = t.node.app;
    await t.device({ region: "CN-GD" });
    await t.node.context.registry.propose({
      kind: "approve-region",
      code: "CN-ZJ",
      nameZh: "浙江省",
      nameEn: "Zhe%jiang",
    });
  }, 120_000);
  afterAll(async () => {
    await t.stop();
  });

  it("refuses a body over the route's size limit with 413 REQUEST_TOO_LARGE before parsing it", async () => {
    const big = JSON.stringify({ code: "CN-BJ", nameZh: "北京", nameEn: "x".repeat(bodyLimits.default) });
    const res = await inject("POST", "/v1/regions", big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("REQUEST_TOO_LARGE");
    // The readings route takes a full batch: 1 MB of readings is parsed and answered per reading.
    const readings = Array.from({ length: 2_000 }, () => ({
      v: 1,
      deviceId: "ab".repeat(32),
      junk: "y".repeat(400),
    }));
    const batch = await inject("POST", "/v1/readings", JSON.stringify({ readings }));
    expect(batch.status).toBe(200);
    expect(batch.body.results).toHaveLength(2_000);
    expect(batch.body.results[0]).toMatchObject({ status: "rejected", code: "READING_MALFORMED" });
  });

  it("refuses deeply nested JSON with REQUEST_TOO_DEEP, and 15 MB of nested arrays while /health still answers", async () => {
    const deep = await inject("POST", "/v1/regions", `{"code":${nested(maxJsonDepth + 1)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error.code).toBe("REQUEST_TOO_DEEP");
    // Nesting inside a string is text, not depth.
    const inString = await inject(
      "POST",
      "/v1/regions",
      JSON.stringify({ code: nested(100), nameZh: "x", nameEn: "x" }),
    );
    expect(inString.body.error.code).not.toBe("REQUEST_TOO_DEEP");

    const url = t.node.apiUrl;
    const post = (body: string) =>
      fetch(`${url}/v1/readings`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth() },
        body,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Json }));
    const fifteenMb = nested(7.5 * 1024 * 1024);
    const justUnderLimit = `{"readings":${nested(Math.floor(bodyLimits.readings / 2) - 20)}}`;
    const [huge, under, health] = await Promise.all([
      post(fifteenMb),
      post(justUnderLimit),
      fetch(`${url}/health`).then(async (r) => ({ status: r.status, body: (await r.json()) as Json })),
    ]);
    expect(huge).toMatchObject({ status: 413, body: { error: { code: "REQUEST_TOO_LARGE" } } });
    expect(under).toMatchObject({ status: 400, body: { error: { code: "REQUEST_TOO_DEEP" } } });
    expect(health).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("refuses prototype poisoning, malformed JSON and bodies that are not JSON, each with a code", async () => {
    const poisoned = await inject(
      "POST",
      "/v1/regions",
      '{"code":"CN-BJ","nameZh":"a","nameEn":"b","__proto__":{"admin":true}}',
    );
    expect(poisoned).toMatchObject({ status: 400, body: { error: { code: "REQUEST_INVALID_JSON" } } });
    const ctor = await inject("POST", "/v1/regions", '{"constructor":{"prototype":{"admin":true}}}');
    expect(ctor.body.error.code).toBe("REQUEST_INVALID_JSON");
    const broken = await inject("POST", "/v1/regions", '{"code": "CN-');
    expect(broken).toMatchObject({ status: 400, body: { error: { code: "REQUEST_INVALID_JSON" } } });
    const plain = await inject("POST", "/v1/regions", "code=CN-BJ", { "content-type": "text/plain" });
    expect(plain).toMatchObject({ status: 415, body: { error: { code: "REQUEST_UNSUPPORTED_MEDIA_TYPE" } } });
    const unknownRoute = await inject("GET", "/v1/../../etc/passwd");
    expect(unknownRoute).toMatchObject({ status: 404, body: { error: { code: "ROUTE_NOT_FOUND" } } });
  });

  it("refuses NUL, control characters and lone surrogates in query, path and body with TEXT_INVALID", async () => {
    for (const url of [
      "/v1/regions?search=a%00b",
      "/v1/regions/CN%00GD",
      "/v1/organisations/%00",
      "/v1/devices?owner=%1b%5B2J",
      "/v1/alerts?device=%00",
      "/v1/jobs?kind=%00",
      "/v1/analyses?search=%00",
      "/v1/stats/series?region=%00",
    ]) {
      const res = await inject("GET", url);
      expect({ url, status: res.status, code: res.body.error.code }).toEqual({
        url,
        status: 400,
        code: "TEXT_INVALID",
      });
    }
    const nul = await inject("POST", "/v1/regions", { code: "CN-BJ", nameZh: "a\u0000b", nameEn: "Beijing" });
    expect(nul).toMatchObject({
      status: 400,
      body: { error: { code: "TEXT_INVALID", details: { field: "body.nameZh" } } },
    });
    const surrogate = await inject(
      "POST",
      "/v1/regions",
      '{"code":"CN-BJ","nameZh":"\\ud800","nameEn":"Beijing"}',
    );
    expect(surrogate.body.error.code).toBe("TEXT_INVALID");
    const key = await inject(
      "POST",
      "/v1/regions",
      '{"code":"CN-BJ","nameZh":"a","nameEn":"b","x\\u0007":1}',
    );
    expect(key.body.error.code).toBe("TEXT_INVALID");
    expect((await inject("GET", "/v1/regions")).body.regions.map((r: Json) => r.code)).toEqual([
      "CN-GD",
      "CN-ZJ",
    ]);
    // Free text may span lines: a proposal's description with line breaks is taken.
    const multiline = await inject("POST", "/v1/regions", {
      code: "CN-BJ",
      nameZh: "北京市",
      nameEn: "Beijing",
      description: "approve Beijing\r\n\tas agreed",
    });
    expect(multiline).toMatchObject({ status: 200, body: { executed: true } });
  });

  it("refuses out-of-range, non-numeric and oversized parameters with 400 and a code, never 500", async () => {
    const cases: [string, string][] = [
      ["/v1/devices?offset=1e300", "REQUEST_INVALID"],
      ["/v1/devices?limit=abc", "REQUEST_INVALID"],
      ["/v1/devices?limit=-1", "REQUEST_INVALID"],
      ["/v1/devices?limit=NaN", "REQUEST_INVALID"],
      ["/v1/anchors?to=-Infinity", "REQUEST_INVALID"],
      ["/v1/audit?to=Infinity", "REQUEST_INVALID"],
      ["/v1/anchors?from=-1e20", "REQUEST_INVALID"],
      ["/v1/anchors?to=18446744073709551616", "REQUEST_INVALID"],
      ["/v1/audit?from=-1", "REQUEST_INVALID"],
      ["/v1/alerts?from=99999999999999999", "REQUEST_INVALID"],
      ["/v1/alerts?offset=9007199254740993", "REQUEST_INVALID"],
      ["/v1/stats/series?region=CN-GD&from=-1e20", "STATS_INVALID_TIME"],
      ["/v1/stats/series?region=CN-GD&from=-100000000000000000000", "STATS_INVALID_TIME"],
      ["/v1/stats/series?region=CN-GD&to=+275760-09-13", "STATS_INVALID_TIME"],
      ["/v1/analyses?from=1e300", "STATS_INVALID_TIME"],
      ["/v1/anchors/onchain?region=CN-GD&intervalStart=1e300", "REQUEST_INVALID"],
      ["/v1/chain/blocks?before=1e300", "REQUEST_INVALID"],
      [`/v1/readings/${"ab".repeat(32)}/1e3`, "REQUEST_INVALID"],
      [`/v1/regions?search=${"x".repeat(101)}`, "REQUEST_INVALID"],
      ["/v1/proposals/-1", "REQUEST_INVALID"],
    ];
    for (const [url, code] of cases) {
      const res = await inject("GET", url);
      expect({ url, status: res.status, code: res.body.error.code }).toEqual({ url, status: 400, code });
    }
    const named = await inject("GET", "/v1/devices?offset=1e300");
    expect(named.body.error.details).toEqual({ in: "querystring", parameter: "offset" });
  });

  it("escapes LIKE wildcards: % and _ in a search match only themselves", async () => {
    const regions = async (search: string) =>
      (await inject("GET", `/v1/regions?search=${encodeURIComponent(search)}`)).body.regions.map(
        (r: Json) => r.code,
      );
    expect(await regions("%")).toEqual(["CN-ZJ"]);
    expect(await regions("_")).toEqual([]);
    expect(await regions("e%j")).toEqual(["CN-ZJ"]);
    const series = await inject("GET", `/v1/stats/series?region=${encodeURIComponent("%")}`);
    expect(series.status).toBe(200);
    expect(series.body.region.code).toBe("CN-ZJ");
    const none = await inject("GET", "/v1/stats/series?region=_");
    expect(none.body.error.code).toBe("STATS_UNKNOWN_REGION");
  });

  it("rate-limits writes and expensive reads per client with 429 RATE_LIMITED and retry-after; readings have their own limit", async () => {
    const limited = await serverWith({ rateLimit: 3, readingsRateLimit: 2, requestTimeoutSeconds: 30 });
    try {
      const call = (method: "GET" | "POST", url: string, payload?: object) =>
        limited.inject({ method, url, payload, headers: auth() });
      for (let i = 0; i < 2; i++)
        expect((await call("POST", "/v1/proposals/999999/execute")).statusCode).not.toBe(429);
      expect((await call("GET", "/v1/stats/overview")).statusCode).toBe(200);
      const refused = await call("POST", "/v1/anchors", {});
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error).toMatchObject({ code: "RATE_LIMITED", details: { limit: 3 } });
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
      expect((await call("GET", "/v1/stats/series?region=CN-GD")).json().error.code).toBe("RATE_LIMITED");
      // Cheap reads are not limited; readings count in their own bucket.
      for (let i = 0; i < 5; i++) expect((await call("GET", "/v1/regions")).statusCode).toBe(200);
      const key = await t.device({ region: "CN-GD" });
      const [reading] = readingSeries(key, { start: intervalAgo(2), count: 1 });
      const body = { readings: [readingToJson(reading!)] };
      expect((await call("POST", "/v1/readings", body)).json().results[0].status).toBe("accepted");
      expect((await call("POST", "/v1/readings", body)).json().results[0].status).toBe("duplicate");
      expect((await call("POST", "/v1/readings", body)).json().error.code).toBe("RATE_LIMITED");
    } finally {
      await limited.close();
    }
    const unlimited = await serverWith({ rateLimit: 0, readingsRateLimit: 0, requestTimeoutSeconds: 30 });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await unlimited.inject({
          method: "POST",
          url: "/v1/anchors",
          payload: {},
          headers: auth(),
        });
        expect(res.statusCode).toBe(200);
      }
    } finally {
      await unlimited.close();
    }
  });

  it("cuts off a client that does not finish sending its request, with 408 REQUEST_TIMEOUT", async () => {
    const slow = await serverWith({ rateLimit: 0, readingsRateLimit: 0, requestTimeoutSeconds: 1 });
    try {
      const url = new URL(await slow.listen({ host: "127.0.0.1", port: 0 }));
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), "127.0.0.1", () => {
          socket.write(
            `POST /v1/readings HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth().authorization}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
          );
        });
        let received = "";
        socket.on("data", (chunk) => {
          received += chunk.toString();
        });
        socket.on("close", () => resolve(received));
        socket.on("error", reject);
      });
      expect(answer).toMatch(/^HTTP\/1.1 408/);
      expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    } finally {
      await slow.close();
    }
  });
});

describe("handleError", () => {
  it("answers a database refusal of a request's value with 400 REQUEST_VALUE_INVALID and keeps 500 for faults", async () => {
    const app = Fastify();
    app.setErrorHandler(handleError);
    app.setNotFoundHandler(handleNotFound);
    app.get("/bytes", async () => {
      throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    });
    app.get("/overflow", async () => {
      throw Object.assign(new Error("bigint out of range"), { code: "22003" });
    });
    app.get("/down", async () => {
      throw Object.assign(new Error("terminating connection"), { code: "57P01" });
    });
    for (const url of ["/bytes", "/overflow"]) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe("REQUEST_VALUE_INVALID");
    }
    const down = await app.inject({ url: "/down" });
    expect(down.statusCode).toBe(500);
    expect(down.json().error.code).toBe("INTERNAL");
    await app.close();
  });
});

describe("resolveHttpLimits", () => {
  it("takes the limits from flags, then env vars, 0 turning one off, and refuses anything else with a code", () => {
    expect(resolveHttpLimits({}, {})).toEqual({
      rateLimit: 1200,
      readingsRateLimit: 12_000,
      requestTimeoutSeconds: 30,
    });
    expect(
      resolveHttpLimits(
        { rateLimit: "0" },
        { GRIDLEDGER_READINGS_RATE_LIMIT: "50", GRIDLEDGER_REQUEST_TIMEOUT: "5" },
      ),
    ).toEqual({ rateLimit: 0, readingsRateLimit: 50, requestTimeoutSeconds: 5 });
    expect(() => resolveHttpLimits({ rateLimit: "-1" }, {})).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID_RATE_LIMIT" }),
    );
    expect(() => resolveHttpLimits({}, { GRIDLEDGER_REQUEST_TIMEOUT: "1e300" })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID_REQUEST_TIMEOUT" }),
    );
  });
});
