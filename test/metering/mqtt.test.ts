import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type DeviceKey,
  deviceKeyFromPem,
  deviceKeyToPem,
  generateDeviceKey,
} from "../../src/metering/deviceKey.js";
import type { IngestFn, IngestResult } from "../../src/metering/ingestTypes.js";
import { verifyAck } from "../../src/metering/mqttAck.js";
import { deviceCredentials } from "../../src/metering/mqttAuth.js";
import { startMqttBroker } from "../../src/metering/mqttBroker.js";
import { acksTopic, createMqttIngest, type MqttIngest } from "../../src/metering/mqttIngest.js";
import type { ReadingJson } from "../../src/metering/readingFormat.js";
import { mqttAckKeyPath, mqttNodeSecretPath } from "../../src/node/mqttCredentials.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";
import { collectAcks, newNodeClientId, startTestBroker, type TestBroker } from "../helpers/mqtt.js";

const mosquittoUrl = process.env.GRIDLEDGER_TEST_MQTT_URL || "mqtt://127.0.0.1:1883";
const mosquittoAvailable = await brokerAnswers(mosquittoUrl);
// Mosquitto runs on developer machines and in CI: there a missing broker fails the suite, not skips it.
const skipMosquitto = !mosquittoAvailable && !process.env.CI;

const newClientId = newNodeClientId;
const execFileAsync = promisify(execFile);
const hasShellMqttTools =
  spawnSync(
    "sh",
    ["-c", "command -v openssl && command -v xxd && command -v mosquitto_pub && command -v mosquitto_sub"],
    {
      stdio: "ignore",
    },
  ).status === 0;

/** A shell script of docs/reading-format.md, fenced as ```sh mqttscript=<name>. */
function documentScript(name: string): string {
  const doc = readFileSync(new URL("../../docs/reading-format.md", import.meta.url), "utf8");
  const match = new RegExp(`^\`\`\`sh mqttscript=${name}\n([\\s\\S]*?)^\`\`\`$`, "m").exec(doc);
  if (match === null) throw new Error(`docs/reading-format.md has no mqttscript ${name}`);
  return match[1]!;
}

function reading(deviceId: string, seq: number): ReadingJson {
  return {
    v: 1,
    deviceId,
    seq: String(seq),
    intervalStart: 1_700_000_000 + 900 * seq,
    duration: 900,
    commodity: "electricity",
    quality: "measured",
    importRegister: String(1000 + 250 * seq),
    exportRegister: "0",
    importDelta: "250",
    exportDelta: "0",
    signature: "ab".repeat(64),
  };
}

type IngestCall = { readings: unknown[]; topicDeviceId: string | undefined };

/**
 * Test double of the node's ingest: records each call and answers `accepted` with the reading's seq,
 * or runs `behaviour` instead (to throw, or to hold a call until the test releases it).
 */
function fakeIngest(behaviour?: (call: IngestCall) => Promise<IngestResult[]>) {
  const calls: IngestCall[] = [];
  const ingest: IngestFn = async (readings, options) => {
    const call = { readings, topicDeviceId: options.topicDeviceId };
    calls.push(call);
    if (behaviour !== undefined) return behaviour(call);
    return readings.map((r) => ({ status: "accepted", seq: (r as ReadingJson).seq }));
  };
  const callsFor = (deviceId: string) => calls.filter((call) => call.topicDeviceId === `0x${deviceId}`);
  return { ingest, calls, callsFor };
}

/**
 * A meter: a real mqtt.js client, logged in as the device when `key` is given (the embedded broker
 * requires it), that publishes readings and collects the node's acks, checked against `ackKey`.
 */
async function connectDevice(url: string, key: DeviceKey | undefined, ackKey: Uint8Array | undefined) {
  const login: IClientOptions = key
    ? deviceCredentials(key, Date.now() / 1000)
    : { clientId: `gridledger-test-${randomBytes(6).toString("hex")}` };
  const client = await connectAsync(url, { ...login, reconnectPeriod: 0 });
  const acks = collectAcks(client, ackKey);
  return {
    client,
    async listen(deviceId: string) {
      await client.subscribeAsync(acksTopic(deviceId), { qos: 1 });
    },
    async publish(deviceId: string, payload: unknown, raw = false) {
      const body = raw ? String(payload) : JSON.stringify(payload);
      await client.publishAsync(`gridledger/v1/readings/${deviceId}`, body, { qos: 1 });
    },
    /** Waits until `count` acks arrived for the device (10 s at most) and returns their results, in order. */
    async acks(deviceId: string, count = 1): Promise<{ results: IngestResult[] }[]> {
      const list = await acks.wait(deviceId.toLowerCase(), count);
      return list.map((ack) => ({ results: ack.results as IngestResult[] }));
    },
    raw: acks.raw,
  };
}

async function brokerAnswers(url: string): Promise<boolean> {
  try {
    const client = await connectAsync(url, { connectTimeout: 2_000, reconnectPeriod: 0 }, false);
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
const portOf = (server: Server) => (server.address() as { port: number }).port;
const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** Removes a persistent session from the broker, so test runs leave no queues behind on Mosquitto. */
async function forgetSession(url: string, login: IClientOptions): Promise<void> {
  const client = await connectAsync(url, { ...login, clean: true, reconnectPeriod: 0 });
  await client.endAsync();
}

const brokers = [
  { name: "the embedded broker (aedes)", skip: false, external: false },
  { name: "Mosquitto", skip: skipMosquitto, external: true },
];

for (const { name, skip, external } of brokers)
  describe.skipIf(skip)(`MQTT ingest through ${name}`, () => {
    let broker: TestBroker | undefined;
    let url: string;
    const devices: Awaited<ReturnType<typeof connectDevice>>[] = [];
    const ingests: { node: MqttIngest; clientId: string }[] = [];
    const errors: unknown[] = [];
    const ackKey = generateDeviceKey();

    beforeAll(async () => {
      if (external && !mosquittoAvailable) {
        throw new Error(
          `Mosquitto does not answer at ${mosquittoUrl}; start it or set GRIDLEDGER_TEST_MQTT_URL`,
        );
      }
      if (external) url = mosquittoUrl;
      else {
        broker = await startTestBroker();
        url = broker.url;
      }
    });

    afterEach(async () => {
      for (const { node, clientId } of ingests.splice(0)) {
        await node.close();
        await forgetSession(url, { clientId, ...(broker ? broker.nodeOptions(clientId) : {}) });
      }
      for (const device of devices.splice(0)) await device.client.endAsync();
      errors.length = 0;
    });

    afterAll(async () => {
      await broker?.close();
    });

    async function startNode(ingest: IngestFn, clientId = newClientId()) {
      const node = await createMqttIngest({
        url,
        ingest,
        ackKey,
        ...(broker ? broker.nodeOptions(clientId) : { clientId }),
        onError: (error) => errors.push(error),
      });
      ingests.push({ node, clientId });
      return node;
    }

    /** A device logged in as itself (registered in the embedded broker's directory), with its hex id. */
    async function newDevice() {
      const key = broker ? broker.device() : generateDeviceKey();
      const device = await connectDevice(url, key, ackKey.publicKey);
      devices.push(device);
      return { device, deviceId: key.deviceId.slice(2) };
    }

    it("ingests one reading for the topic's device and acks it on the acks topic", async () => {
      const fake = fakeIngest();
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId, reading(deviceId, 1));

      expect(await device.acks(deviceId)).toEqual([{ results: [{ status: "accepted", seq: "1" }] }]);
      expect(fake.callsFor(deviceId)).toEqual([
        { readings: [reading(deviceId, 1)], topicDeviceId: `0x${deviceId}` },
      ]);
    });

    it("accepts an upper-case deviceId in the topic and answers on the lower-case one", async () => {
      const fake = fakeIngest();
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId.toUpperCase(), reading(deviceId, 7));

      expect(await device.acks(deviceId)).toEqual([{ results: [{ status: "accepted", seq: "7" }] }]);
      expect(fake.callsFor(deviceId)).toHaveLength(1);
    });

    it("passes a JSON array on as one call and answers one result per reading, in order", async () => {
      const fake = fakeIngest();
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId, [reading(deviceId, 1), reading(deviceId, 2), reading(deviceId, 3)]);

      const [ack] = await device.acks(deviceId);
      expect(ack?.results.map((r) => r.seq)).toEqual(["1", "2", "3"]);
      expect(fake.callsFor(deviceId)[0]?.readings).toHaveLength(3);
    });

    it("answers an empty array with no results and without calling ingest", async () => {
      const fake = fakeIngest();
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId, []);

      expect(await device.acks(deviceId)).toEqual([{ results: [] }]);
      expect(fake.callsFor(deviceId)).toEqual([]);
    });

    it("rejects a payload that is not JSON as READING_MALFORMED and serves the next message", async () => {
      const fake = fakeIngest();
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId, "{not json", true);
      await device.publish(deviceId, reading(deviceId, 2));

      const [bad, good] = await device.acks(deviceId, 2);
      expect(bad?.results).toEqual([
        { status: "rejected", code: "READING_MALFORMED", message: expect.stringContaining("not JSON") },
      ]);
      expect(good).toEqual({ results: [{ status: "accepted", seq: "2" }] });
      expect(fake.callsFor(deviceId)).toHaveLength(1);
    });

    it("ignores a topic without a valid deviceId, reports it, and serves the next message", async () => {
      const fake = fakeIngest();
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      // The embedded broker refuses the publish itself (a device writes only its own topic) and closes
      // that connection; Mosquitto, open here, hands it to the node, which reports and ignores it.
      if (broker) {
        const stranger = await connectAsync(url, {
          ...deviceCredentials(broker.device(), Date.now() / 1000),
          reconnectPeriod: 0,
        });
        const closed = new Promise<void>((resolve) => stranger.once("close", () => resolve()));
        stranger.publish("gridledger/v1/readings/not-a-device", JSON.stringify(reading(deviceId, 1)));
        await closed;
        stranger.end(true);
      } else await device.publish("not-a-device", reading(deviceId, 1));
      await device.publish(deviceId, reading(deviceId, 2));

      expect(await device.acks(deviceId)).toEqual([{ results: [{ status: "accepted", seq: "2" }] }]);
      if (broker) {
        expect(broker.refusals).toContainEqual(
          expect.objectContaining({
            code: "MQTT_ACL_PUBLISH_DENIED",
            topic: "gridledger/v1/readings/not-a-device",
          }),
        );
      } else expect(errors).toContainEqual(expect.objectContaining({ code: "MQTT_TOPIC_MALFORMED" }));
      expect(fake.calls.some((call) => call.readings.some((r) => (r as ReadingJson).seq === "1"))).toBe(
        false,
      );
    });

    it("answers INGEST_UNAVAILABLE for every reading when ingest throws, never accepted", async () => {
      const fake = fakeIngest(async () => {
        throw new Error("database is down");
      });
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId, [reading(deviceId, 4), reading(deviceId, 5)]);

      const message = "node could not store the reading; send it again";
      expect(await device.acks(deviceId)).toEqual([
        {
          results: [
            { status: "rejected", code: "INGEST_UNAVAILABLE", message, seq: "4" },
            { status: "rejected", code: "INGEST_UNAVAILABLE", message, seq: "5" },
          ],
        },
      ]);
      expect(errors).toContainEqual(expect.objectContaining({ code: "INGEST_UNAVAILABLE" }));
    });

    it("ingests messages concurrently but acks one device's messages in order", async () => {
      let releaseFirst!: () => void;
      const firstHeld = new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      const fake = fakeIngest(async ({ readings }) => {
        if ((readings[0] as ReadingJson).seq === "1") await firstHeld;
        return readings.map((r) => ({ status: "accepted", seq: (r as ReadingJson).seq }));
      });
      await startNode(fake.ingest);
      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId, reading(deviceId, 1));
      await device.publish(deviceId, reading(deviceId, 2));

      // The second message reaches ingest while the first one is still held.
      await expect.poll(() => fake.callsFor(deviceId).length, { timeout: 10_000 }).toBe(2);
      releaseFirst();
      const acks = await device.acks(deviceId, 2);
      expect(acks.map((ack) => ack.results[0]?.seq)).toEqual(["1", "2"]);
    });

    it("delivers a reading published while the node was down once it reconnects (persistent session)", async () => {
      const clientId = newClientId();
      const first = fakeIngest();
      const node = await startNode(first.ingest, clientId);
      await node.close();

      const { device, deviceId } = await newDevice();
      await device.listen(deviceId);
      await device.publish(deviceId, reading(deviceId, 9));

      const second = fakeIngest();
      await startNode(second.ingest, clientId);
      expect(await device.acks(deviceId)).toEqual([{ results: [{ status: "accepted", seq: "9" }] }]);
      expect(second.callsFor(deviceId)).toHaveLength(1);
      expect(first.callsFor(deviceId)).toEqual([]);
    });
  });

// A whole node (ingest, signatures, database) behind each broker, with real signed readings. Kept in
// this file on purpose: it is the only one that uses the shared Mosquitto, and vitest runs one file's
// tests one after another, so no other node subscribed to gridledger/v1/readings/+ answers these devices.
for (const { name, skip, external } of brokers)
  describe.skipIf(skip)(`a node's readings over MQTT through ${name}`, () => {
    let t: MeteringNode | undefined;
    const devices: Awaited<ReturnType<typeof connectDevice>>[] = [];
    let nodeClientId: string | undefined;
    let ackKey: Uint8Array;
    /** A device registered on the node, connected as itself. */
    async function newDevice(key?: DeviceKey) {
      const own = key ?? (await t!.device());
      const device = await connectDevice(t!.node.mqttUrl, own, ackKey);
      devices.push(device);
      return { device, key: own, id: own.deviceId.slice(2) };
    }

    beforeAll(async () => {
      if (external && !mosquittoAvailable) {
        throw new Error(
          `Mosquitto does not answer at ${mosquittoUrl}; start it or set GRIDLEDGER_TEST_MQTT_URL`,
        );
      }
      t = await startMeteringNode(external ? { flags: { mqttUrl: mosquittoUrl } } : {});
      // The node's MQTT client id (startNode.ts): stable per operator, so its session outlives a restart.
      nodeClientId = `gridledger-node-${t.node.context.registry.operator.slice(2, 14).toLowerCase()}`;
      ackKey = deviceKeyFromPem(readFileSync(mqttAckKeyPath(t.dataDir), "utf8")).publicKey;
    });

    afterAll(async () => {
      try {
        for (const device of devices) await device.client.endAsync();
        await t?.stop();
      } finally {
        // The node's persistent session would go on queuing every device's readings on Mosquitto.
        if (external && nodeClientId !== undefined) {
          await forgetSession(mosquittoUrl, { clientId: nodeClientId });
        }
      }
    });

    it("tells devices where to publish: /health names the broker the node subscribes at", async () => {
      const { body } = await t!.get("/health");
      expect(body.mqttUrl).toBe(t!.node.mqttUrl);
      if (external) expect(body.mqttUrl).toBe(mosquittoUrl);
      else expect(body.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    });

    it("serves its ack public key at GET /v1/mqtt and keeps its MQTT secrets readable by itself only", async () => {
      const { status, body } = await t!.get("/v1/mqtt");
      expect(status).toBe(200);
      expect(body).toMatchObject({
        url: t!.node.mqttUrl,
        broker: external ? "external" : "embedded",
        ackPublicKey: Buffer.from(ackKey).toString("hex"),
        maxPayloadBytes: 262144,
        maxReadingsPerMessage: 500,
        tokenWindowSeconds: 300,
      });
      for (const path of [mqttAckKeyPath(t!.dataDir), mqttNodeSecretPath(t!.dataDir)]) {
        expect(statSync(path).mode & 0o777).toBe(0o600);
      }
    });

    it("acks a signed reading accepted on the device's acks topic, and the same reading again duplicate", async () => {
      const { device, key, id } = await newDevice();
      const [reading] = asJson(readingSeries(key, { start: intervalAgo(2), count: 1 }));
      await device.listen(id);

      await device.publish(id, reading);
      expect(await device.acks(id)).toEqual([{ results: [{ status: "accepted", seq: "1" }] }]);
      await device.publish(id, reading);
      expect((await device.acks(id, 2))[1]).toEqual({ results: [{ status: "duplicate", seq: "1" }] });

      const stored = await t!.get(`/v1/readings/${id}/1`);
      expect(stored.status).toBe(200);
      expect(stored.body.reading).toEqual(reading);
    });

    // The walkthrough logs in with signed tokens, which only the embedded broker checks (a Mosquitto set
    // up by `gridledger mqtt acl` uses fixed passwords): the test exists for the embedded broker only.
    if (!external)
      it.skipIf(!hasShellMqttTools && !process.env.CI)(
        "takes a reading from the document's walkthrough: mosquitto_pub/sub logging in with OpenSSL-made tokens",
        async () => {
          const key = await t!.device();
          const id = key.deviceId.slice(2);
          const [reading] = asJson(readingSeries(key, { start: intervalAgo(2), count: 1 }));
          const work = mkdtempSync(join(tmpdir(), "gridledger-walkthrough-"));
          try {
            writeFileSync(join(work, "meter.key"), deviceKeyToPem(key).privateKeyPem);
            const broker = new URL(t!.node.mqttUrl);
            // Asynchronously: the node answering the script runs in this process.
            const run = await execFileAsync("sh", ["-e", "-c", documentScript("walkthrough-7-mqtt")], {
              cwd: work,
              encoding: "utf8",
              timeout: 30_000,
              env: {
                ...process.env,
                BROKER: broker.hostname,
                PORT: broker.port,
                id,
                json: JSON.stringify(reading),
              },
            });
            const ack = verifyAck(run.stdout.trim(), ackKey, id);
            expect(ack?.results).toEqual([{ status: "accepted", seq: "1" }]);
          } finally {
            rmSync(work, { recursive: true, force: true });
          }
        },
      );

    it("refuses a reading of another device published on this device's topic", async () => {
      const { device, id } = await newDevice();
      const other = await t!.device();
      const [foreign] = asJson(readingSeries(other, { start: intervalAgo(2), count: 1 }));
      await device.listen(id);

      await device.publish(id, foreign);
      expect(await device.acks(id)).toEqual([
        {
          results: [
            expect.objectContaining({
              status: "rejected",
              code: "READING_TOPIC_MISMATCH",
              message: expect.stringContaining("differs from the topic's"),
            }),
          ],
        },
      ]);
      const stored = await t!.get(`/v1/readings/${other.deviceId.slice(2)}/1`);
      expect(stored.status).toBe(404);
      expect(stored.body.error.code).toBe("READING_NOT_FOUND");
    });
  });

describe("startMqttBroker", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await closeServer(server);
  });

  it("refuses a taken port the user chose with --mqtt-port", async () => {
    const taken = await listenOn(0);
    servers.push(taken);
    await expect(
      startMqttBroker({
        host: "127.0.0.1",
        port: { port: portOf(taken), explicit: true, flag: "--mqtt-port" },
        access: { device: async () => undefined, nodePassword: "secret" },
      }),
    ).rejects.toMatchObject({
      code: "CONFIG_PORT_IN_USE",
      details: { flag: "--mqtt-port", port: portOf(taken) },
    });
  });

  it("falls back to a free port when the default one is taken, and serves there", async () => {
    const taken = await listenOn(0);
    servers.push(taken);
    const broker = await startMqttBroker({
      host: "127.0.0.1",
      port: { port: portOf(taken), explicit: false, flag: "--mqtt-port" },
      access: { device: async () => undefined, nodePassword: "secret" },
    });
    try {
      expect(broker.port).not.toBe(portOf(taken));
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
      const client = await connectAsync(broker.url, {
        reconnectPeriod: 0,
        clientId: newClientId(),
        username: "gridledger-node",
        password: "secret",
      });
      await client.endAsync();
    } finally {
      await broker.close();
    }
  });

  it("closes while a device and a node are still connected", async () => {
    const broker = await startTestBroker();
    const key = broker.device();
    const device: MqttClient = await connectAsync(broker.url, {
      ...deviceCredentials(key, Date.now() / 1000),
      reconnectPeriod: 0,
    });
    const node = await createMqttIngest({
      url: broker.url,
      ...broker.nodeOptions(),
      ingest: fakeIngest().ingest,
      ackKey: generateDeviceKey(),
    });
    await broker.close();
    await node.close();
    device.end(true);
    await expect(
      connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 2_000 }, false),
    ).rejects.toThrow();
  });
});

describe("createMqttIngest", () => {
  it("fails with MQTT_CONNECT_FAILED naming the URL without its password when no broker listens", async () => {
    const free = await listenOn(0);
    const port = portOf(free);
    await closeServer(free);

    const error = await createMqttIngest({
      url: `mqtt://meter:s3cret@127.0.0.1:${port}`,
      clientId: newClientId(),
      ingest: fakeIngest().ingest,
      ackKey: generateDeviceKey(),
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({
      code: "MQTT_CONNECT_FAILED",
      details: { url: `mqtt://meter:***@127.0.0.1:${port}` },
    });
    expect((error as Error).message).toContain(`mqtt://meter:***@127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain("s3cret");
  });

  it("refuses a URL that is not mqtt:// or mqtts://", async () => {
    await expect(
      createMqttIngest({
        url: "http://127.0.0.1:1883",
        clientId: newClientId(),
        ingest: fakeIngest().ingest,
        ackKey: generateDeviceKey(),
      }),
    ).rejects.toMatchObject({ code: "MQTT_URL_INVALID" });
  });
});
