import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signReading } from "../../src/metering/deviceKey.js";
import { type Reading, readingToJson } from "../../src/metering/readingFormat.js";
import {
  asJson,
  intervalAgo,
  type Json,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

describe("reading ingest over HTTP", () => {
  let t: MeteringNode;
  const send = async (readings: unknown[]) => {
    const { status, body } = await t.post("/v1/readings", { readings });
    expect(status).toBe(200);
    return body.results as { status: string; code?: string; message?: string }[];
  };

  beforeAll(async () => {
    t = await startMeteringNode();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("accepts signed readings once stored and answers duplicate when they are sent again", async () => {
    const key = await t.device();
    const readings = asJson(readingSeries(key, { start: intervalAgo(8), count: 4 }));
    expect((await send(readings)).map((r) => r.status)).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "accepted",
    ]);
    expect((await send(readings)).map((r) => r.status)).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
    ]);
    const { rows } = await t.node.context.db.query<{ n: number }>(
      "select count(*)::int as n from readings where device_id = $1",
      [key.deviceId],
    );
    expect(rows[0]!.n).toBe(4);
  });

  it("accepts secp256k1 devices' readings (ECDSA over SHA-256, low-S)", async () => {
    const key = await t.device({ scheme: "secp256k1" });
    const results = await send(asJson(readingSeries(key, { start: intervalAgo(8), count: 2 })));
    expect(results.map((r) => r.status)).toEqual(["accepted", "accepted"]);
  });

  it("refuses each bad reading with its own code and keeps the good ones of the same request", async () => {
    const key = await t.device();
    const other = await t.device();
    const pv = await t.device({ kind: "generation", source: "solar" });
    const [good, next] = readingSeries(key, { start: intervalAgo(10), count: 2 });
    const json = readingToJson(good!);
    const forged = { ...readingToJson(next!), importDelta: "999", importRegister: "1000749" };
    const unknown = readingToJson(
      signReading({ ...key, deviceId: `0x${"ab".repeat(32)}` }, { ...good!, seq: 1n }),
    );
    const [base] = readingSeries(other, { start: intervalAgo(10), count: 1 });
    const unaligned = readingToJson(
      signReading(other, { ...base!, seq: 2n, intervalStart: base!.intervalStart + 901n }),
    );
    const future = readingToJson(signReading(other, { ...base!, seq: 3n, intervalStart: intervalAgo(-4) }));
    const gasFromPv = readingToJson(
      readingSeries(pv, { start: intervalAgo(10), count: 1, commodity: 2 })[0]!,
    );
    const results = await send([
      json,
      { ...json, seq: undefined },
      { ...json, v: 2 },
      unknown,
      forged,
      unaligned,
      future,
      gasFromPv,
      "not an object",
    ]);
    expect(results.map((r) => r.code ?? r.status)).toEqual([
      "accepted",
      "READING_MALFORMED",
      "READING_UNSUPPORTED_VERSION",
      "READING_UNKNOWN_DEVICE",
      "READING_BAD_SIGNATURE",
      "READING_INTERVAL_UNALIGNED",
      "READING_IN_FUTURE",
      "READING_COMMODITY_NOT_ALLOWED",
      "READING_MALFORMED",
    ]);
    expect(results[1]!.message).toMatch(/seq/);
    for (const result of results.slice(1)) expect(result.status).toBe("rejected");
  });

  it("refuses a correctly signed reading with a value out of its valid range, and stores none of them", async () => {
    const key = await t.device();
    const [base] = readingSeries(key, { start: intervalAgo(12), count: 1 });
    // Times beyond 2^53 go as decimal strings, as a device (or an attacker) may send them.
    const signed = (fields: Partial<Reading>) => {
      const json = readingToJson(signReading(key, { ...base!, ...fields }));
      return { ...json, intervalStart: String(fields.intervalStart ?? json.intervalStart) };
    };
    const results = await send([
      signed({ seq: 1n, intervalStart: -9_000_000_000_000_000_000n }),
      signed({ seq: 2n, intervalStart: 946_684_800n - 900n }),
      signed({ seq: 3n, intervalStart: 946_684_800n - 3_600n * 7n, duration: 25_200 }),
      signed({ seq: 4n, intervalStart: intervalAgo(12, 3_600 * 7), duration: 3_600 * 7 }),
      signed({ seq: 5n, importRegister: 10n ** 15n + 1n, importDelta: 250n }),
      signed({ seq: 6n, importRegister: 10n ** 15n, importDelta: 10n ** 13n + 1n }),
      signed({ seq: 7n, exportRegister: 2n ** 64n - 1n, exportDelta: 2n ** 63n }),
      signed({ seq: 8n, intervalStart: 2n ** 62n - (2n ** 62n % 900n) }),
    ]);
    expect(results.map((r) => r.code)).toEqual([
      "READING_TIME_OUT_OF_RANGE",
      "READING_TIME_OUT_OF_RANGE",
      "READING_TIME_OUT_OF_RANGE",
      "READING_DURATION_INVALID",
      "READING_REGISTER_OUT_OF_RANGE",
      "READING_DELTA_OUT_OF_RANGE",
      "READING_REGISTER_OUT_OF_RANGE",
      "READING_IN_FUTURE",
    ]);
    for (const result of results) expect(result.status).toBe("rejected");
    const { rows } = await t.node.context.db.query<{ n: number }>(
      "select count(*)::int as n from readings where device_id = $1",
      [key.deviceId],
    );
    expect(rows[0]!.n).toBe(0);
    // The largest values in range are accepted.
    const [edge] = readingSeries(key, {
      start: intervalAgo(12),
      count: 1,
      importDelta: 10n ** 13n,
      registersBefore: [10n ** 15n - 10n ** 13n, 0n],
    });
    expect((await send([readingToJson(edge!)]))[0]!.status).toBe("accepted");
  });

  it("refuses a reading whose register goes backwards or whose delta does not match the registers", async () => {
    const key = await t.device();
    const [first, second, third] = readingSeries(key, { start: intervalAgo(12), count: 3 });
    expect((await send(asJson([first!])))[0]!.status).toBe("accepted");
    const backwards = signReading(key, {
      ...second!,
      importRegister: first!.importRegister - 1n,
      importDelta: 0n,
    });
    const wrongDelta = signReading(key, { ...second!, importDelta: second!.importDelta + 1n });
    const results = await send(asJson([backwards, wrongDelta]));
    expect(results.map((r) => r.code)).toEqual(["READING_REGISTER_BACKWARDS", "READING_DELTA_MISMATCH"]);
    expect(results[0]!.message).toMatch(/below the previous reading/);
    expect((await send(asJson([second!, third!]))).map((r) => r.status)).toEqual(["accepted", "accepted"]);
  });

  it("checks late readings against both stored neighbours, also when several arrive together", async () => {
    const key = await t.device();
    const series = readingSeries(key, { start: intervalAgo(12), count: 5 });
    await send(asJson([series[0]!, series[3]!]));
    // seq 3 claims more than seq 4 (already stored) holds: its register would go backwards after it.
    const tooHigh = signReading(key, {
      ...series[2]!,
      importRegister: series[3]!.importRegister + 1n,
      importDelta: series[3]!.importRegister + 1n - series[1]!.importRegister,
    });
    const results = await send(asJson([series[1]!, tooHigh]));
    expect(results.map((r) => r.code ?? r.status)).toEqual(["accepted", "READING_REGISTER_BACKWARDS"]);
    // The stored seq 4 still follows seq 2 and the gap is still seq 3 alone.
    expect((await send(asJson([series[2]!, series[4]!]))).map((r) => r.code ?? r.status)).toEqual([
      "accepted",
      "accepted",
    ]);
  });

  it("refuses a reading of a suspended device", async () => {
    const key = await t.device();
    await t.node.context.registry.setDeviceStatus(key.deviceId, 2);
    await t.node.context.indexer.sync();
    // The device directory caches for a few seconds; the refusal must come once it is refreshed.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const [reading] = readingSeries(key, { start: intervalAgo(8), count: 1 });
    expect((await send(asJson([reading!])))[0]).toMatchObject({
      status: "rejected",
      code: "READING_DEVICE_INACTIVE",
    });
  });

  it("refuses a reading of a device in a region another node operates", async () => {
    const { registry } = t.node.context;
    const otherOperator = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    await registry.propose({
      kind: "admit-member",
      address: otherOperator,
      name: "Zhejiang grid",
      roles: "region-operator",
    });
    await registry.propose({
      kind: "approve-region",
      code: "CN-ZJ",
      nameZh: "浙江省",
      nameEn: "Zhejiang",
      operator: otherOperator,
    });
    const key = await t.device({ region: "CN-ZJ" });
    const [reading] = readingSeries(key, { start: intervalAgo(8), count: 1 });
    const [result] = await send(asJson([reading!]));
    expect(result).toMatchObject({ status: "rejected", code: "READING_WRONG_REGION" });
    expect(result!.message).toMatch(/CN-ZJ/);
  });

  it("refuses a different reading with a seq already used and records an alert", async () => {
    const key = await t.device();
    const [reading] = readingSeries(key, { start: intervalAgo(8), count: 1 });
    expect((await send(asJson([reading!])))[0]!.status).toBe("accepted");
    const altered = signReading(key, { ...reading!, quality: 2 });
    const [result] = await send(asJson([altered]));
    expect(result).toMatchObject({ status: "rejected", code: "READING_SEQ_CONFLICT" });
    const { rows } = await t.node.context.db.query<{ kind: string; severity: string }>(
      "select kind, severity from alerts where device_id = $1",
      [key.deviceId],
    );
    expect(rows).toEqual([{ kind: "reading_conflict", severity: "critical" }]);
  });

  it("accepts a reading after a sequence gap, says so, and records the gap", async () => {
    const key = await t.device();
    const series = readingSeries(key, { start: intervalAgo(12), count: 5 });
    const results = await send(asJson([series[0]!, series[3]!]));
    expect(results[0]).toMatchObject({ status: "accepted" });
    expect(results[1]).toMatchObject({ status: "accepted", code: "READING_SEQUENCE_GAP" });
    expect(results[1]!.message).toMatch(/2–3/);
    // The missing ones may still arrive late, and must fit between their neighbours.
    expect((await send(asJson([series[1]!, series[2]!]))).map((r) => r.status)).toEqual([
      "accepted",
      "accepted",
    ]);
    const { rows } = await t.node.context.db.query<{ evidence: { from: string; to: string } }>(
      "select evidence from alerts where device_id = $1 and kind = 'sequence_gap'",
      [key.deviceId],
    );
    expect(rows.map((r) => r.evidence)).toEqual([{ from: "2", to: "3" }]);
  });

  it("refuses more than 5,000 readings in one request without storing any", async () => {
    const key = await t.device();
    const reading = readingToJson(readingSeries(key, { start: intervalAgo(8), count: 1 })[0]!);
    const { status, body } = await t.post("/v1/readings", { readings: Array(5_001).fill(reading) });
    expect(status).toBe(413);
    expect(body.error.code).toBe("READING_TOO_MANY");
    const { rows } = await t.node.context.db.query("select 1 from readings where device_id = $1", [
      key.deviceId,
    ]);
    expect(rows).toEqual([]);
  });

  it("refuses readings from a sender with neither a collector's key nor the device's token, storing none", async () => {
    const key = await t.device();
    const response = await fetch(`${t.node.apiUrl}/v1/readings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ readings: asJson(readingSeries(key, { start: intervalAgo(8), count: 1 })) }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Json).error.code).toBe("AUTH_REQUIRED");
    const { rows } = await t.node.context.db.query("select 1 from readings where device_id = $1", [
      key.deviceId.toLowerCase(),
    ]);
    expect(rows).toEqual([]);
  });

  it("answers a topic mismatch when a reading names another device than its MQTT topic", async () => {
    const key = await t.device();
    const other = await t.device();
    const readings = asJson(readingSeries(key, { start: intervalAgo(8), count: 1 }));
    const [result] = await t.node.metering.ingest.submit(readings, { topicDeviceId: other.deviceId });
    expect(result).toMatchObject({ status: "rejected", code: "READING_TOPIC_MISMATCH" });
  });
});
