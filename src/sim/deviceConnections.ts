import { connectAsync, type MqttClient } from "mqtt";
import { BaseError } from "../core/errors.js";
import type { DeviceKey } from "../metering/deviceKey.js";
import { verifyAck } from "../metering/mqttAck.js";
import { acksTopicPrefix, deviceCredentials, readingsTopicPrefix } from "../metering/mqttAuth.js";
import type { AckResult } from "./ackTracker.js";

/** Connections opened at once while a fleet connects. */
const connectConcurrency = 16;

/** One MQTT connection per simulated device, each logged in with the device's own signed token. */
export type DeviceConnections = {
  /** Publishes a message (JSON text) on the device's readings topic (hex id without 0x). */
  publish(device: string, body: string): void;
  /** Acks whose signature did not verify with the node's ack key (ignored). */
  forgedAcks(): number;
  end(): Promise<void>;
};

/**
 * Connects every device to the broker at `url` as itself (client id and username = device id, password
 * = a fresh login token on every (re)connection), subscribes each to its acks topic, and hands the
 * results of acks signed by `ackPublicKey` to `onResults`; an ack whose signature fails is dropped.
 * Throws `SIM_MQTT_UNREACHABLE` when a device cannot connect (refused or no broker).
 */
export async function connectDevices(options: {
  url: string;
  keys: readonly DeviceKey[];
  ackPublicKey: Uint8Array;
  onResults: (device: string, results: AckResult[]) => void;
  log: (message: string) => void;
}): Promise<DeviceConnections> {
  const { url, log } = options;
  const clients = new Map<string, MqttClient>();
  let forged = 0;
  let offline = 0;
  const lastStamp = new Map<string, number>();
  // The broker refuses a token no later than the last one it accepted for the device.
  const credentials = (key: DeviceKey) => {
    const id = key.deviceId.slice(2);
    const stamp = Math.max(Math.floor(Date.now() / 1000), (lastStamp.get(id) ?? 0) + 1);
    lastStamp.set(id, stamp);
    return deviceCredentials(key, stamp);
  };

  async function connectOne(key: DeviceKey): Promise<void> {
    const id = key.deviceId.slice(2);
    let client: MqttClient | undefined;
    try {
      // A token is accepted once: a restarted simulator may log in again within the second of its
      // last login, and is refused (4, bad username or password) until it signs a later timestamp.
      for (let attempt = 1; client === undefined; attempt++) {
        client = await connectAsync(
          url,
          { ...credentials(key), clean: true, connectTimeout: 10_000, reconnectPeriod: 1000 },
          false,
        ).catch((error: { code?: unknown }) => {
          if (error.code === 4 && attempt < 3) return undefined;
          throw error;
        });
      }
    } catch (cause) {
      throw new BaseError(
        "SIM_MQTT_UNREACHABLE",
        `device ${id} could not connect to the MQTT broker at ${url}: ${(cause as Error).message}`,
        { details: { mqttUrl: url, deviceId: id }, cause },
      );
    }
    clients.set(id, client);
    let down = false;
    client.on("reconnect", () => {
      client.options.password = credentials(key).password;
    });
    client.on("offline", () => {
      if (!down && offline++ === 0) log(`simulator: MQTT broker ${url} went away; reconnecting`);
      down = true;
    });
    client.on("connect", () => {
      if (down && --offline === 0) log("simulator: MQTT reconnected");
      down = false;
    });
    client.on("error", () => {});
    client.on("message", (topic, payload) => {
      if (topic !== `${acksTopicPrefix}${id}`) return;
      const ack = verifyAck(payload, options.ackPublicKey, id);
      if (ack === undefined) {
        if (forged++ === 0) log(`simulator: dropped an ack for ${id} whose signature does not verify`);
        return;
      }
      options.onResults(id, ack.results);
    });
    const [granted] = await client.subscribeAsync(`${acksTopicPrefix}${id}`, { qos: 1 });
    if (granted === undefined || granted.qos > 2) {
      throw new BaseError("SIM_MQTT_UNREACHABLE", `the broker refused device ${id} its acks topic`, {
        details: { mqttUrl: url, deviceId: id },
      });
    }
  }

  const end = async () => {
    await Promise.all([...clients.values()].map((client) => client.endAsync(true).catch(() => {})));
  };
  try {
    for (let i = 0; i < options.keys.length; i += connectConcurrency) {
      await Promise.all(options.keys.slice(i, i + connectConcurrency).map(connectOne));
    }
  } catch (error) {
    await end();
    throw error;
  }

  let publishErrors = 0;
  return {
    publish(device, body) {
      const client = clients.get(device);
      client?.publish(`${readingsTopicPrefix}${device}`, body, { qos: 1 }, (error) => {
        if (error && publishErrors++ === 0) log(`simulator: publishing failed: ${error.message}`);
      });
    },
    forgedAcks: () => forged,
    end,
  };
}
