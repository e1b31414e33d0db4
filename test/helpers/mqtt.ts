import { randomBytes } from "node:crypto";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { type DeviceKey, generateDeviceKey } from "../../src/metering/deviceKey.js";
import type { MqttRefusal } from "../../src/metering/mqttAccess.js";
import { type MqttAck, verifyAck } from "../../src/metering/mqttAck.js";
import { acksTopicPrefix, deviceCredentials, nodeUsername } from "../../src/metering/mqttAuth.js";
import { type MqttBroker, startMqttBroker } from "../../src/metering/mqttBroker.js";
import type { DeviceRecord } from "../../src/metering/readingChecks.js";
import { deviceStatuses, signatureSchemes } from "../../src/registry/deviceTypes.js";

/** An embedded broker whose device directory is a map the test fills, recording every refusal. */
export type TestBroker = {
  broker: MqttBroker;
  url: string;
  nodePassword: string;
  refusals: MqttRefusal[];
  /** Registers a new device key in the broker's directory (active unless said otherwise). */
  device(options?: { status?: number; scheme?: "ed25519" | "secp256k1" }): DeviceKey;
  /** Changes a registered device's status. */
  setStatus(key: DeviceKey, status: number): void;
  /** Options of the node's client: its username and secret, a client id gridledger-node-…. */
  nodeOptions(clientId?: string): { clientId: string; username: string; password: string };
  close(): Promise<void>;
};

/** A client id the node's credentials may use. */
export const newNodeClientId = () => `gridledger-node-test-${randomBytes(6).toString("hex")}`;

/** Starts an embedded broker on a free port with a test device directory. */
export async function startTestBroker(options: { maxPacketBytes?: number } = {}): Promise<TestBroker> {
  const devices = new Map<string, DeviceRecord>();
  const refusals: MqttRefusal[] = [];
  const nodePassword = randomBytes(24).toString("base64url");
  const broker = await startMqttBroker({
    host: "127.0.0.1",
    port: { port: 0, explicit: false, flag: "--mqtt-port" },
    access: { device: async (id) => devices.get(id), nodePassword },
    ...options,
    onRefusal: (refusal) => refusals.push(refusal),
  });
  return {
    broker,
    url: broker.url,
    nodePassword,
    refusals,
    device(deviceOptions = {}) {
      const key = generateDeviceKey(deviceOptions.scheme ?? "ed25519");
      devices.set(key.deviceId, {
        deviceId: key.deviceId,
        scheme: signatureSchemes[key.scheme],
        publicKey: key.publicKey,
        regionId: `0x${"00".repeat(32)}`,
        regionCode: "CN-GD",
        regionOperator: "0x",
        kind: 1,
        source: 0,
        status: deviceOptions.status ?? deviceStatuses.active,
      });
      return key;
    },
    setStatus(key, status) {
      const record = devices.get(key.deviceId);
      if (record) record.status = status;
    },
    nodeOptions(clientId = newNodeClientId()) {
      return { clientId, username: nodeUsername, password: nodePassword };
    },
    close: () => broker.close(),
  };
}

/** Connects a device as itself (a fresh token at `nowSeconds`, default now). */
export function connectDeviceClient(
  url: string,
  key: DeviceKey,
  options: IClientOptions & { nowSeconds?: number } = {},
): Promise<MqttClient> {
  const { nowSeconds, ...rest } = options;
  return connectAsync(
    url,
    { ...deviceCredentials(key, nowSeconds ?? Date.now() / 1000), reconnectPeriod: 0, ...rest },
    false,
  );
}

/** The CONNACK return code a refused connection got (mqtt.js puts it in the error's `code`). */
export async function refusedWith(connecting: Promise<MqttClient>): Promise<number | undefined> {
  try {
    const client = await connecting;
    await client.endAsync(true);
    return undefined;
  } catch (error) {
    return (error as { code?: number }).code;
  }
}

/** Collects the acks a device receives, checked against the node's ack key. */
export function collectAcks(client: MqttClient, ackPublicKey: Uint8Array | undefined) {
  const received = new Map<string, (MqttAck | { results: unknown[] })[]>();
  const raw: { topic: string; payload: Buffer }[] = [];
  client.on("message", (topic, payload) => {
    if (!topic.startsWith(acksTopicPrefix)) return;
    raw.push({ topic, payload });
    const deviceId = topic.slice(acksTopicPrefix.length);
    const ack = ackPublicKey ? verifyAck(payload, ackPublicKey, deviceId) : JSON.parse(payload.toString());
    if (ack === undefined) return;
    received.set(deviceId, [...(received.get(deviceId) ?? []), ack]);
  });
  return {
    raw,
    /** Waits until `count` verified acks arrived for the device (10 s at most). */
    async wait(deviceId: string, count = 1) {
      const deadline = Date.now() + 10_000;
      while ((received.get(deviceId)?.length ?? 0) < count) {
        if (Date.now() > deadline) throw new Error(`no ${count} acks for ${deviceId} within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received.get(deviceId)!;
    },
    count: (deviceId: string) => received.get(deviceId)?.length ?? 0,
  };
}
