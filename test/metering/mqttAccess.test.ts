import { connect as tcpConnect } from "node:net";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateDeviceKey } from "../../src/metering/deviceKey.js";
import type { IngestFn, IngestResult } from "../../src/metering/ingestTypes.js";
import { verifyAck } from "../../src/metering/mqttAck.js";
import { deviceCredentials, deviceToken } from "../../src/metering/mqttAuth.js";
import { createMqttIngest, type MqttIngest } from "../../src/metering/mqttIngest.js";
import { deviceStatuses } from "../../src/registry/deviceTypes.js";
import {
  collectAcks,
  connectDeviceClient,
  refusedWith,
  startTestBroker,
  type TestBroker,
} from "../helpers/mqtt.js";
import { connectPacket, publishHeader } from "../helpers/mqttPackets.js";

const ackKey = generateDeviceKey();
const now = () => Math.floor(Date.now() / 1000);
const readingsTopic = (id: string) => `gridledger/v1/readings/${id}`;
const acksTopic = (id: string) => `gridledger/v1/acks/${id}`;
/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3. */
const rc = { identifierRejected: 2, badUsernameOrPassword: 4, notAuthorized: 5 } as const;

/** Node-side ingest double: every reading accepted with its seq, or `behaviour`'s answer. */
function fakeIngest(behaviour?: (readings: unknown[]) => IngestResult[]) {
  const calls: unknown[][] = [];
  const ingest: IngestFn = async (readings) => {
    calls.push(readings);
    return behaviour
      ? behaviour(readings)
      : readings.map((r) => ({ status: "accepted" as const, seq: String((r as { seq?: unknown }).seq) }));
  };
  return { ingest, calls };
}

describe("the embedded broker's door: who may connect", () => {
  let broker: TestBroker;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true);
  });
  afterAll(async () => {
    await broker.close();
  });
  const lastRefusal = () => broker.refusals.at(-1);

  it("refuses an anonymous client, so nobody subscribes to # without credentials", async () => {
    expect(await refusedWith(connectAsync(broker.url, { reconnectPeriod: 0 }, false))).toBe(rc.notAuthorized);
    expect(lastRefusal()?.code).toBe("MQTT_AUTH_MISSING");
  });

  it("lets a registered device in with its own token, Ed25519 or secp256k1", async () => {
    for (const scheme of ["ed25519", "secp256k1"] as const) {
      const client = await connectDeviceClient(broker.url, broker.device({ scheme }));
      clients.push(client);
      expect(client.connected).toBe(true);
    }
  });

  it("refuses a device that is not registered (not authorized)", async () => {
    const stranger = generateDeviceKey();
    expect(await refusedWith(connectDeviceClient(broker.url, stranger))).toBe(rc.notAuthorized);
    expect(lastRefusal()?.code).toBe("MQTT_AUTH_UNKNOWN_DEVICE");
  });

  it("refuses a suspended or retired device", async () => {
    for (const status of [deviceStatuses.suspended, deviceStatuses.retired]) {
      const key = broker.device({ status });
      expect(await refusedWith(connectDeviceClient(broker.url, key))).toBe(rc.notAuthorized);
      expect(lastRefusal()?.code).toBe("MQTT_AUTH_DEVICE_INACTIVE");
    }
  });

  it("refuses a token signed by another key than the device's registered one", async () => {
    const victim = broker.device();
    const forger = generateDeviceKey();
    const id = victim.deviceId.slice(2);
    const password = deviceToken({ ...forger, deviceId: victim.deviceId }, now());
    const connecting = connectAsync(
      broker.url,
      { clientId: id, username: id, password, reconnectPeriod: 0 },
      false,
    );
    expect(await refusedWith(connecting)).toBe(rc.badUsernameOrPassword);
    expect(lastRefusal()?.code).toBe("MQTT_AUTH_BAD_SIGNATURE");
  });

  it("refuses a token more than 300 s old or ahead of the node's clock", async () => {
    const key = broker.device();
    for (const nowSeconds of [now() - 301, now() + 301]) {
      expect(await refusedWith(connectDeviceClient(broker.url, key, { nowSeconds }))).toBe(
        rc.badUsernameOrPassword,
      );
      expect(lastRefusal()?.code).toBe("MQTT_AUTH_TOKEN_EXPIRED");
    }
    const fresh = await connectDeviceClient(broker.url, key, { nowSeconds: now() - 200 });
    clients.push(fresh);
    expect(fresh.connected).toBe(true);
  });

  it("refuses a token used before (a replayed password), and takes a later one", async () => {
    const key = broker.device();
    const stamp = now() - 10;
    clients.push(await connectDeviceClient(broker.url, key, { nowSeconds: stamp }));
    expect(await refusedWith(connectDeviceClient(broker.url, key, { nowSeconds: stamp }))).toBe(
      rc.badUsernameOrPassword,
    );
    expect(lastRefusal()?.code).toBe("MQTT_AUTH_TOKEN_REPLAYED");
    clients.push(await connectDeviceClient(broker.url, key, { nowSeconds: stamp + 1 }));
  });

  it("refuses a client id other than the device id, and a password that is not a token", async () => {
    const key = broker.device();
    const login = deviceCredentials(key, now());
    const otherId = connectAsync(broker.url, { ...login, clientId: "meter-1", reconnectPeriod: 0 }, false);
    expect(await refusedWith(otherId)).toBe(rc.identifierRejected);
    expect(lastRefusal()?.code).toBe("MQTT_AUTH_CLIENT_ID_MISMATCH");
    const notToken = connectAsync(broker.url, { ...login, password: "hunter2", reconnectPeriod: 0 }, false);
    expect(await refusedWith(notToken)).toBe(rc.badUsernameOrPassword);
    expect(lastRefusal()?.code).toBe("MQTT_AUTH_MALFORMED");
  });

  it("keeps the node's client ids for the node: a device or a wrong password cannot take its session", async () => {
    const fake = fakeIngest();
    const nodeLogin = broker.nodeOptions();
    const node = await createMqttIngest({ url: broker.url, ...nodeLogin, ingest: fake.ingest, ackKey });
    try {
      const key = broker.device();
      const asDevice = connectAsync(
        broker.url,
        { ...deviceCredentials(key, now()), clientId: nodeLogin.clientId, reconnectPeriod: 0 },
        false,
      );
      expect(await refusedWith(asDevice)).toBe(rc.notAuthorized);
      expect(lastRefusal()?.code).toBe("MQTT_AUTH_NODE_CLIENT_ID");
      const guessed = connectAsync(
        broker.url,
        { ...nodeLogin, password: "guess", reconnectPeriod: 0 },
        false,
      );
      expect(await refusedWith(guessed)).toBe(rc.badUsernameOrPassword);
      expect(lastRefusal()?.code).toBe("MQTT_AUTH_BAD_PASSWORD");

      // The node still holds its session: a device's reading reaches it and is acked.
      const id = key.deviceId.slice(2);
      const device = await connectDeviceClient(broker.url, key);
      clients.push(device);
      const acks = collectAcks(device, ackKey.publicKey);
      await device.subscribeAsync(acksTopic(id), { qos: 1 });
      await device.publishAsync(readingsTopic(id), JSON.stringify({ seq: "1" }), { qos: 1 });
      expect((await acks.wait(id))[0]?.results).toEqual([{ status: "accepted", seq: "1" }]);
      expect(fake.calls).toHaveLength(1);
    } finally {
      await node.close();
    }
  });
});

describe("the embedded broker's ACLs and the node's signed acks", () => {
  let broker: TestBroker;
  let node: MqttIngest;
  let fake: ReturnType<typeof fakeIngest>;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    broker = await startTestBroker({ maxPacketBytes: 64 * 1024 });
    fake = fakeIngest((readings) =>
      readings.map(() => ({
        status: "rejected" as const,
        code: "READING_MALFORMED",
        message: "a long explanation of why this reading cannot be read, repeated for every reading",
      })),
    );
    node = await createMqttIngest({
      url: broker.url,
      ...broker.nodeOptions(),
      ingest: fake.ingest,
      ackKey,
      maxPayloadBytes: 16 * 1024,
      maxReadings: 500,
    });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true);
  });
  afterAll(async () => {
    await node.close();
    await broker.close();
  });

  async function device() {
    const key = broker.device();
    const client = await connectDeviceClient(broker.url, key);
    clients.push(client);
    const id = key.deviceId.slice(2);
    const acks = collectAcks(client, ackKey.publicKey);
    await client.subscribeAsync(acksTopic(id), { qos: 1 });
    return { client, id, acks };
  }
  const closedBy = (client: MqttClient) =>
    new Promise<void>((resolve) => client.once("close", () => resolve()));

  it("grants a device no subscription to #, to readings, or to another device's acks", async () => {
    const { client } = await device();
    const other = await device();
    // mqtt.js rejects a SUBACK that grants nothing; the packet says what was granted.
    const refused = await client
      .subscribeAsync(["#", "gridledger/v1/readings/+", acksTopic(other.id), "gridledger/v1/acks/+"], {
        qos: 1,
      })
      .then(
        () => undefined,
        (error: { packet?: { granted?: number[] } }) => error.packet?.granted,
      );
    expect(refused).toEqual([128, 128, 128, 128]);
    expect(broker.refusals.at(-1)).toMatchObject({ code: "MQTT_ACL_SUBSCRIBE_DENIED" });
  });

  it("drops a device's publish on another device's readings topic and closes its connection", async () => {
    const attacker = await device();
    const victim = await device();
    const before = fake.calls.length;
    const closed = closedBy(attacker.client);
    attacker.client.publish(readingsTopic(victim.id), JSON.stringify({ seq: "9" }));
    await closed;
    expect(broker.refusals.at(-1)).toMatchObject({
      code: "MQTT_ACL_PUBLISH_DENIED",
      topic: readingsTopic(victim.id),
    });
    expect(fake.calls.length).toBe(before);
  });

  it("never lets a device publish an ack: a forged 'accepted' does not reach the victim", async () => {
    const attacker = await device();
    const victim = await device();
    const seen: string[] = [];
    victim.client.on("message", (_topic, payload) => seen.push(payload.toString()));
    const closed = closedBy(attacker.client);
    attacker.client.publish(
      acksTopic(victim.id),
      JSON.stringify({ results: [{ status: "accepted", seq: "1" }] }),
    );
    await closed;
    expect(broker.refusals.at(-1)).toMatchObject({ code: "MQTT_ACL_PUBLISH_DENIED" });
    // The victim's own message gets the only ack it sees, and that one verifies.
    await victim.client.publishAsync(readingsTopic(victim.id), "{}", { qos: 1 });
    await victim.acks.wait(victim.id);
    expect(seen).toHaveLength(1);
    expect(verifyAck(seen[0]!, ackKey.publicKey, victim.id)).toBeDefined();
  });

  it("signs acks for the device and the exact payload; a changed byte no longer verifies", async () => {
    const { client, id, acks } = await device();
    const payload = JSON.stringify({ seq: "3" });
    await client.publishAsync(readingsTopic(id), payload, { qos: 1 });
    const [ack] = await acks.wait(id);
    expect(ack).toMatchObject({
      v: 1,
      deviceId: id,
      results: [expect.objectContaining({ code: "READING_MALFORMED" })],
    });
    const raw = acks.raw.at(-1)!.payload.toString();
    const { createHash } = await import("node:crypto");
    expect(JSON.parse(raw).payloadSha256).toBe(createHash("sha256").update(payload).digest("hex"));
    expect(verifyAck(raw, ackKey.publicKey, id)).toBeDefined();
    expect(
      verifyAck(raw.replace("READING_MALFORMED", "READING_MALFORMEX"), ackKey.publicKey, id),
    ).toBeUndefined();
    expect(verifyAck(raw, ackKey.publicKey, "00".repeat(32))).toBeUndefined();
    expect(verifyAck(raw, generateDeviceKey().publicKey, id)).toBeUndefined();
  });

  it("answers a payload over the limit MQTT_PAYLOAD_TOO_LARGE without reading it", async () => {
    const { client, id, acks } = await device();
    await client.publishAsync(readingsTopic(id), "x".repeat(20 * 1024), { qos: 1 });
    const [ack] = await acks.wait(id);
    expect(ack?.results).toEqual([
      expect.objectContaining({ status: "rejected", code: "MQTT_PAYLOAD_TOO_LARGE" }),
    ]);
  });

  it("refuses a message of 501 readings as a whole with MQTT_TOO_MANY_READINGS", async () => {
    const { client, id, acks } = await device();
    const before = fake.calls.length;
    await client.publishAsync(readingsTopic(id), JSON.stringify(Array(501).fill({})), { qos: 1 });
    const [ack] = await acks.wait(id);
    expect(ack?.results).toEqual([
      expect.objectContaining({ status: "rejected", code: "MQTT_TOO_MANY_READINGS" }),
    ]);
    expect(fake.calls.length).toBe(before);
  });

  it("keeps an ack about the size of the message it answers: 500 refusals summarised", async () => {
    const { client, id, acks } = await device();
    const payload = JSON.stringify(Array(500).fill(0));
    await client.publishAsync(readingsTopic(id), payload, { qos: 1 });
    const [ack] = await acks.wait(id);
    const raw = acks.raw.at(-1)!.payload;
    expect(raw.length).toBeLessThan(Math.max(1024, payload.length) + 600);
    const omitted = (ack as { omitted?: { count: number; byCode: Record<string, number> } }).omitted;
    expect(ack!.results.length + (omitted?.count ?? 0)).toBe(500);
    expect(omitted?.byCode).toEqual({ READING_MALFORMED: omitted?.count });
  });

  it("closes a connection announcing a 20 MB publish before the body arrives", async () => {
    const key = broker.device();
    const id = key.deviceId.slice(2);
    const login = deviceCredentials(key, now());
    const socket = tcpConnect(broker.broker.port, "127.0.0.1");
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
    socket.write(connectPacket(login.clientId, login.username, login.password));
    // A PUBLISH whose header announces 20 MB, followed by only 1 KB of it.
    socket.write(Buffer.concat([publishHeader(readingsTopic(id), 20 * 1024 * 1024), Buffer.alloc(1024)]));
    await closed;
    expect(broker.refusals.at(-1)).toMatchObject({ code: "MQTT_PAYLOAD_TOO_LARGE", clientId: id });
  });
});
