import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signReading } from "../../src/metering/deviceKey.js";
import { readingToJson } from "../../src/metering/readingFormat.js";
import {
  intervalAgo,
  type Json,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";
import { boundaryNumbers, type HttpCase, httpCorpus, routesOf } from "./corpus.js";

/** What every refusal looks like: `{ error: { code, message } }`, a named code, never INTERNAL. */
function expectNamedRefusal(name: string, status: number, text: string) {
  expect(status, `${name}: ${text.slice(0, 300)}`).toBeLessThan(500);
  if (status < 400) return;
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${name}: answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  expect(body?.error?.code, `${name}: ${text.slice(0, 300)}`).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
  expect(body.error.code, name).not.toBe("INTERNAL");
  expect(typeof body.error.message, name).toBe("string");
}

/** Sends raw bytes to the API and reads until the server closes or a whole answer has arrived. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = "";
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(bytes.slice(0, 60))}`));
    });
    socket.on("data", (chunk) => {
      received += chunk.toString();
      if (/\r\n\r\n/.test(received) && /content-length: (\d+)/i.test(received)) {
        const length = Number(/content-length: (\d+)/i.exec(received)?.[1]);
        if (Buffer.byteLength(received.split("\r\n\r\n").slice(1).join("\r\n\r\n")) >= length) socket.end();
      }
    });
    socket.on("close", () => resolve(received));
    socket.on("error", (error) => (received ? resolve(received) : reject(error)));
  });
}

describe("fuzzing the HTTP API with hostile input", () => {
  let t: MeteringNode & { restart(): Promise<void> };
  let sent = 0;
  const send = async (c: HttpCase) => {
    sent++;
    const res = await t.node.app.inject({
      method: c.method as "GET",
      url: c.url,
      payload: c.body,
      headers: {
        authorization: `Bearer ${t.node.context.apiToken}`,
        ...(c.body === undefined ? {} : { "content-type": c.contentType ?? "application/json" }),
      },
    });
    return { status: res.statusCode, text: res.body };
  };

  beforeAll(async () => {
    // Writes are not rate-limited here: the corpus sends more than a client would in a minute.
    t = await startMeteringNode({ flags: { rateLimit: "0" } });
    await t.device({ region: "CN-GD" });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("answers every generated and hand-made hostile request to every route with a named 4xx or a 2xx, never 5xx", async () => {
    const openapi = (await t.get("/openapi.json")).body;
    const routes = routesOf(openapi);
    expect(routes.length).toBeGreaterThan(25);
    const cases = httpCorpus(routes);
    expect(cases.length).toBeGreaterThan(1_000);
    const failures: string[] = [];
    for (const c of cases) {
      const { status, text } = await send(c);
      try {
        expectNamedRefusal(c.name, status, text);
      } catch (error) {
        failures.push((error as Error).message.slice(0, 400));
      }
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it("refuses hostile readings one by one: replays, conflicts, forged signatures and boundary numbers", async () => {
    const key = await t.device({ region: "CN-GD" });
    const [first, second] = readingSeries(key, { start: intervalAgo(3), count: 2 });
    const good = readingToJson(first!);
    const conflicting = readingToJson(
      signReading(key, {
        ...first!,
        importDelta: first!.importDelta + 1n,
        importRegister: first!.importRegister + 1n,
      }),
    );
    const forged = { ...readingToJson(second!), signature: "00".repeat(64) };
    const batches: unknown[][] = [
      [good],
      [good, good],
      [conflicting],
      [forged],
      [{ ...good, v: 2 }],
      [{ ...good, deviceId: "zz" }],
      [{ ...good, signature: "ab".repeat(100_000) }],
      [null, 1, "reading", [], {}],
      ...boundaryNumbers.flatMap((n) =>
        ["seq", "intervalStart", "duration", "importRegister", "importDelta", "commodity", "quality"].map(
          (field) => [
            { ...good, [field]: Number.isNaN(Number(n)) ? n : Number(n) },
            { ...good, [field]: n },
          ],
        ),
      ),
    ];
    for (const readings of batches) {
      const { status, text } = await send({
        name: "readings",
        method: "POST",
        url: "/v1/readings",
        body: JSON.stringify({ readings }),
      });
      expectNamedRefusal(`readings ${text.slice(0, 80)}`, status, text);
      const { results } = JSON.parse(text) as { results: { status: string; code?: string }[] };
      expect(results).toHaveLength(readings.length);
      for (const result of results) {
        expect(["accepted", "duplicate", "rejected"]).toContain(result.status);
        if (result.status === "rejected") expect(result.code).toMatch(/^READING_[A-Z_]+$/);
      }
    }
    const replay = await t.post("/v1/readings", { readings: [good] });
    expect(replay.body.results[0].status).toBe("duplicate");
    const conflict = await t.post("/v1/readings", { readings: [conflicting] });
    expect(conflict.body.results[0]).toMatchObject({ status: "rejected", code: "READING_SEQ_CONFLICT" });
    const tooMany = await send({
      name: "5,001 readings",
      method: "POST",
      url: "/v1/readings",
      body: JSON.stringify({ readings: Array.from({ length: 5_001 }, () => good) }),
    });
    expect(tooMany.status).toBe(413);
    expectNamedRefusal("5,001 readings", tooMany.status, tooMany.text);
  }, 120_000);

  it("answers malformed HTTP on the wire with a named refusal and closes the connection", async () => {
    const url = t.node.apiUrl;
    const cases = [
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
      "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "POST /v1/readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET /v1/regions?search=%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "GET /v1/regions/\u0000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "GET /%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ];
    for (const bytes of cases) {
      sent++;
      const answer = await rawExchange(url, bytes);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const name = JSON.stringify(bytes.slice(0, 50));
      expect(status, `${name}: ${answer.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expectNamedRefusal(name, status, answer.split("\r\n\r\n").slice(1).join("\r\n\r\n"));
    }
  }, 60_000);

  it("is healthy afterwards: /health ok, the registry answers, a good reading is accepted and anchored", async () => {
    expect(sent).toBeGreaterThan(1_000);
    expect(await t.get("/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect((await t.get("/v1/regions")).body.regions.map((r: Json) => r.code)).toContain("CN-GD");
    expect((await t.get("/v1/devices?region=CN-GD")).status).toBe(200);
    const key = await t.device({ region: "CN-GD" });
    const [reading] = readingSeries(key, { start: intervalAgo(2), count: 1 });
    const json = readingToJson(reading!);
    const stored = await t.post("/v1/readings", { readings: [json] });
    expect(stored.body.results[0].status).toBe("accepted");
    const round = await t.post("/v1/anchors", {});
    expect(round.status).toBe(200);
    expect(round.body.anchored).toBeGreaterThan(0);
    const proof = await t.get(`/v1/readings/${json.deviceId}/${json.seq}/proof`);
    expect(proof.status).toBe(200);
    expect(proof.body.anchor.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  }, 120_000);
});
