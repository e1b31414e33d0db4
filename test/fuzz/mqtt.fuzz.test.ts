import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { PassThrough } from "node:stream";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeviceKey, deviceKeyFromPem, generateDeviceKey } from "../../src/metering/deviceKey.js";
import type { IngestResult } from "../../src/metering/ingestTypes.js";
import { type MqttAck, verifyAck } from "../../src/metering/mqttAck.js";
import { deviceCredentials, deviceToken } from "../../src/metering/mqttAuth.js";
import { mqttAckKeyPath } from "../../src/node/mqttCredentials.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";
import { refusedWith } from "../helpers/mqtt.js";
import { connectPacket, publishHeader } from "../helpers/mqttPackets.js";
import { conflictIndex, payloadCorpus } from "./mqttCorpus.js";

// Hostile MQTT input against a whole node with its embedded broker: malformed and deeply nested
// JSON, NUL and control characters, lone surrogates and invalid UTF-8, wrong types, boundary numbers,
// oversized payloads, replayed and conflicting readings, wrong topics, forged acks, takeover attempts
// and logins of every wrong kind. The node must not crash, must name every refusal (a code in the
// signed ack, or a refused CONNACK/SUBACK with a named code in its log), and must still ingest a
// good reading afterwards.

const codePattern = /^[A-Z][A-Z0-9_]+$/;
const readingsTopic = (id: string) => `gridledger/v1/readings/${id}`;
const acksTopic = (id: string) => `gridledger/v1/acks/${id}`;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("hostile MQTT input against a node with its embedded broker", () => {
  let t: MeteringNode;
  const log = new PassThrough();
  const logged: { mqtt?: { code?: string } }[] = [];
  let ackKey: Uint8Array;
  let own: DeviceKey;
  let other: DeviceKey;
  let id: string;
  let device: MqttClient;
  const acks = new Map<string, MqttAck[]>();
  const unverified: string[] = [];
  const clients: MqttClient[] = [];
  let nodeClientId: string;
  let firstInterval = 0n;

  beforeAll(async () => {
    log.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() !== "") logged.push(JSON.parse(line));
      }
    });
    t = await startMeteringNode({ logger: { level: "info", stream: log } });
    ackKey = deviceKeyFromPem(readFileSync(mqttAckKeyPath(t.dataDir), "utf8")).publicKey;
    nodeClientId = `gridledger-node-${t.node.context.registry.operator.slice(2, 14).toLowerCase()}`;
    own = await t.device();
    other = await t.device();
    id = own.deviceId.slice(2);
    firstInterval = intervalAgo(10);
    device = await connectAsync(t.node.mqttUrl, {
      ...deviceCredentials(own, Date.now() / 1000),
      reconnectPeriod: 0,
    });
    device.on("message", (topic, payload) => {
      const ack = verifyAck(payload, ackKey, topic.split("/").pop());
      if (ack === undefined) unverified.push(payload.toString().slice(0, 200));
      else acks.set(ack.payloadSha256, [...(acks.get(ack.payloadSha256) ?? []), ack]);
    });
    await device.subscribeAsync(acksTopic(id), { qos: 1 });
  });

  afterAll(async () => {
    for (const client of [device, ...clients]) await client?.endAsync(true);
    await t?.stop();
  });

  async function ackOf(payload: Buffer, nth = 1): Promise<MqttAck> {
    const key = sha256(payload);
    const deadline = Date.now() + 20_000;
    while ((acks.get(key)?.length ?? 0) < nth) {
      if (Date.now() > deadline) throw new Error(`no ack for payload ${payload.toString().slice(0, 80)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return acks.get(key)![nth - 1]!;
  }

  const expectNamed = (results: IngestResult[]) => {
    for (const result of results) {
      expect(["accepted", "duplicate", "rejected"]).toContain(result.status);
      if (result.status === "rejected") expect(result.code).toMatch(codePattern);
    }
  };

  it("answers every hostile payload with a signed ack naming each refusal, never accepting one", async () => {
    const good = asJson(readingSeries(own, { start: firstInterval, count: 1 }))[0];
    const goodPayload = Buffer.from(JSON.stringify(good));
    await device.publishAsync(readingsTopic(id), goodPayload, { qos: 1 });
    expect((await ackOf(goodPayload)).results).toEqual([{ status: "accepted", seq: "1" }]);

    const corpus = payloadCorpus({ id, own, other, firstInterval });
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    const seen = new Map<string, number>();
    for (const payload of corpus) {
      await device.publishAsync(readingsTopic(id), payload, { qos: 1 });
      const key = sha256(payload);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const ack = await ackOf(payload, seen.get(key));
      expectNamed(ack.results);
      expect(ack.results.filter((r) => r.status === "accepted")).toEqual([]);
      // An ack is never much larger than what it answers.
      expect(JSON.stringify(ack).length).toBeLessThan(Math.max(1024, payload.length) + 700);
    }
    // The replay of the good reading is a duplicate; the conflicting one is named as such.
    await device.publishAsync(readingsTopic(id), goodPayload, { qos: 1 });
    expect((await ackOf(goodPayload, 2)).results).toEqual([{ status: "duplicate", seq: "1" }]);
    const conflict = corpus.at(conflictIndex(corpus))!;
    expect((await ackOf(conflict)).results[0]?.code).toBe("READING_SEQ_CONFLICT");
    const codes = new Set([...acks.values()].flat().flatMap((ack) => ack.results.map((r) => r.code)));
    for (const code of [
      "READING_MALFORMED",
      "READING_TOPIC_MISMATCH",
      "MQTT_PAYLOAD_TOO_LARGE",
      "MQTT_TOO_MANY_READINGS",
    ]) {
      expect(codes).toContain(code);
    }
    expect(unverified).toEqual([]);
  }, 240_000);

  it("refuses every wrong login with a CONNACK code and a named refusal in the node's log", async () => {
    const stranger = generateDeviceKey();
    const otherId = other.deviceId.slice(2);
    const now = Math.floor(Date.now() / 1000);
    const attempts: IClientOptions[] = [
      {},
      { username: id },
      { username: "", password: "" },
      { clientId: id, username: id, password: "not a token" },
      { clientId: id, username: id, password: `${now}.${"00".repeat(64)}` },
      { clientId: id, username: id, password: deviceToken({ ...stranger, deviceId: own.deviceId }, now) },
      { ...deviceCredentials(stranger, now) },
      { ...deviceCredentials(own, now - 3600) },
      { ...deviceCredentials(own, now + 3600) },
      { ...deviceCredentials(own, 0) },
      { ...deviceCredentials(own, now), clientId: otherId },
      { ...deviceCredentials(own, now), clientId: `${id}-${"x".repeat(40)}` },
      { ...deviceCredentials(own, now), username: `0x${id}` },
      { ...deviceCredentials(own, now), clientId: nodeClientId },
      { clientId: nodeClientId },
      { clientId: nodeClientId, username: "gridledger-node", password: "guess" },
      { clientId: nodeClientId, username: "gridledger-node", password: "" },
      {
        clientId: "gridledger-node-",
        username: "gridledger-node",
        password: randomBytes(32).toString("base64url"),
      },
      { clientId: "anything", username: "gridledger-node", password: "guess" },
      { clientId: "a".repeat(2000), username: "a".repeat(2000), password: "b".repeat(60_000) },
      { clientId: "\u0000", username: "\u0000", password: "\u0000" },
      { clientId: "\ud800", username: "\ud800", password: "\ud800" },
      { clientId: "../../etc/passwd", username: "../../etc/passwd", password: "x" },
      { clientId: "#", username: "+", password: "#" },
    ];
    for (const attempt of attempts) {
      const before = logged.length;
      const code = await refusedWith(
        connectAsync(t.node.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5_000, ...attempt }, false),
      );
      expect([2, 4, 5], JSON.stringify(attempt).slice(0, 120)).toContain(code);
      await expect
        .poll(() => logged.slice(before).find((line) => line.mqtt?.code)?.mqtt?.code)
        .toMatch(/^MQTT_AUTH_[A-Z_]+$/);
    }
  });

  it("grants a device nothing beyond its acks topic and closes it when it writes anywhere but its readings", async () => {
    const otherId = other.deviceId.slice(2);
    const filters = [
      "#",
      "+/+/+/+",
      "$SYS/#",
      "gridledger/#",
      "gridledger/v1/readings/+",
      readingsTopic(id),
      acksTopic(id),
      "gridledger/v1/acks/+",
      "gridledger/v1/acks/#",
      `${acksTopic(id)}/#`,
      "\u0000",
      "a/\ud800",
    ];
    const subscriber = await connectAsync(t.node.mqttUrl, {
      ...deviceCredentials(other, Date.now() / 1000),
      reconnectPeriod: 0,
    });
    clients.push(subscriber);
    for (const filter of filters) {
      const before = logged.length;
      const granted = await subscriber.subscribeAsync(filter, { qos: 1 }).then(
        (grants) => grants.map((g) => g.qos),
        (error: { packet?: { granted?: number[] } }) => error.packet?.granted,
      );
      expect(granted, filter).toEqual([128]);
      await expect
        .poll(() => logged.slice(before).find((l) => l.mqtt?.code)?.mqtt?.code)
        .toBe("MQTT_ACL_SUBSCRIBE_DENIED");
    }

    const forgedAck = JSON.stringify({ results: [{ status: "accepted", seq: "99" }] });
    const topics = [
      readingsTopic(id),
      acksTopic(id),
      acksTopic(otherId),
      "$SYS/broker",
      `${readingsTopic(otherId)}/x`,
      "gridledger/v1/readings/",
      "gridledger/v1/readings/not-hex",
      `gridledger/v1/acks/${id}/x`,
    ];
    let stamp = Math.floor(Date.now() / 1000) + 1;
    for (const topic of topics) {
      const before = logged.length;
      const client = await connectAsync(t.node.mqttUrl, {
        ...deviceCredentials(other, stamp++),
        reconnectPeriod: 0,
      });
      const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
      client.publish(topic, forgedAck);
      await closed;
      client.end(true);
      await expect
        .poll(() => logged.slice(before).find((l) => l.mqtt?.code)?.mqtt?.code)
        .toBe("MQTT_ACL_PUBLISH_DENIED");
    }
    // No forged ack ever reached the device: every ack it got verifies with the node's key.
    expect(unverified).toEqual([]);
  });

  it("closes connections sending a 20 MB packet or bytes that are not MQTT, and stays up", async () => {
    const port = Number(new URL(t.node.mqttUrl).port);
    const login = deviceCredentials(other, Math.floor(Date.now() / 1000) + 100);
    const topic = readingsTopic(login.username);
    const inputs = [
      Buffer.concat([
        connectPacket(login.clientId, login.username, login.password),
        publishHeader(topic, 20 * 1024 * 1024),
        Buffer.alloc(4096),
      ]),
      Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      Buffer.alloc(64, 0xff),
      Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]),
      Buffer.from([0x30, 0x02, 0x00, 0x00]),
    ];
    for (const input of inputs) {
      const socket = tcpConnect(port, "127.0.0.1");
      socket.on("error", () => {});
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.write(input);
      await closed;
    }
    expect(logged.some((line) => line.mqtt?.code === "MQTT_PAYLOAD_TOO_LARGE")).toBe(true);
  });

  it("still ingests a good reading from a device logging in afresh, and the node's session is its own", async () => {
    const fresh = await connectAsync(t.node.mqttUrl, {
      ...deviceCredentials(own, Math.floor(Date.now() / 1000) + 200),
      clientId: `${id}-again`,
      reconnectPeriod: 0,
    });
    clients.push(fresh);
    const received: MqttAck[] = [];
    fresh.on("message", (_topic, payload) => {
      const ack = verifyAck(payload, ackKey, id);
      if (ack) received.push(ack);
    });
    await fresh.subscribeAsync(acksTopic(id), { qos: 1 });
    const next = asJson(readingSeries(own, { start: firstInterval, count: 2 }))[1];
    await fresh.publishAsync(readingsTopic(id), JSON.stringify(next), { qos: 1 });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    expect(received[0]?.results).toEqual([{ status: "accepted", seq: "2" }]);
    const stored = await t.get(`/v1/readings/${id}/2`);
    expect(stored.status).toBe(200);
    expect((await t.get("/health")).body.status).toBe("ok");
  });
});
