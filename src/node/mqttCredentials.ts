import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { readIfExists } from "../core/files.js";
import {
  type DeviceKey,
  deviceKeyFromPem,
  deviceKeyToPem,
  generateDeviceKey,
} from "../metering/deviceKey.js";
import { writeFileDurably } from "./nodeState.js";

/** What the node needs for MQTT: its own password on the embedded broker and the key it signs acks with. */
export type MqttNodeCredentials = {
  /** Password of the node's MQTT client (username `gridledger-node`) on the embedded broker. */
  nodePassword: string;
  /** Ed25519 key the node signs its acks with; its public key is in `GET /v1/mqtt`. */
  ackKey: DeviceKey;
};

/** `<dataDir>/keys/mqtt-node.secret`: the node's MQTT password. */
export const mqttNodeSecretPath = (dataDir: string) => join(dataDir, "keys", "mqtt-node.secret");
/** `<dataDir>/keys/mqtt-ack.key`: the ack key, PKCS #8 PEM. */
export const mqttAckKeyPath = (dataDir: string) => join(dataDir, "keys", "mqtt-ack.key");

/**
 * Reads the node's MQTT secret and ack key from `<dataDir>/keys/`, creating them (mode 0600, in a
 * 0700 directory) on first start. The ack key stays the same across restarts, so devices can pin it.
 */
export async function loadOrCreateMqttCredentials(dataDir: string): Promise<MqttNodeCredentials> {
  await mkdir(join(dataDir, "keys"), { recursive: true, mode: 0o700 });
  let nodePassword = (await readIfExists(mqttNodeSecretPath(dataDir)))?.trim();
  if (!nodePassword) {
    nodePassword = randomBytes(32).toString("base64url");
    await writeFileDurably(mqttNodeSecretPath(dataDir), `${nodePassword}\n`, 0o600);
  }
  const pem = await readIfExists(mqttAckKeyPath(dataDir));
  let ackKey: DeviceKey;
  if (pem === undefined) {
    ackKey = generateDeviceKey("ed25519");
    await writeFileDurably(mqttAckKeyPath(dataDir), deviceKeyToPem(ackKey).privateKeyPem, 0o600);
  } else ackKey = deviceKeyFromPem(pem);
  return { nodePassword, ackKey };
}
