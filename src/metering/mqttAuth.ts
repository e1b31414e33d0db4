import { type DeviceKey, signMessage } from "./deviceKey.js";

/** First four bytes of the message a device signs to log in to the node's broker: `GLM1`. */
export const deviceTokenMagic = "GLM1";

/** A login token is valid this many seconds before and after the node's clock. */
export const tokenWindowSeconds = 300;

/** MQTT client ids starting with this are the node's own; only the node's credentials may use them. */
export const nodeClientIdPrefix = "gridledger-node-";

/** The username of the node's own MQTT client (its password is the secret in the data directory). */
export const nodeUsername = "gridledger-node";

/** Topic prefix a device publishes readings under: `gridledger/v1/readings/<deviceId>`. */
export const readingsTopicPrefix = "gridledger/v1/readings/";

/** Topic prefix of the node's acks: `gridledger/v1/acks/<deviceId>`. */
export const acksTopicPrefix = "gridledger/v1/acks/";

const hex64 = /^[0-9a-f]{64}$/;

/**
 * The 44 bytes a device signs to log in: `GLM1` ‖ deviceId (32 bytes) ‖ timestamp (uint64 big-endian,
 * Unix seconds). `deviceId` is 64 hex digits, with or without `0x`.
 */
export function deviceTokenMessage(deviceId: string, timestamp: number | bigint): Uint8Array {
  const message = new Uint8Array(44);
  message.set(Buffer.from(deviceTokenMagic, "ascii"), 0);
  message.set(Buffer.from(deviceId.replace(/^0x/i, ""), "hex"), 4);
  new DataView(message.buffer).setBigUint64(36, BigInt(timestamp));
  return message;
}

/**
 * The MQTT password of a device: `<timestamp>.<signature hex>`, the signature being the device's
 * signature (as for a reading: pure Ed25519, or low-S secp256k1 over SHA-256) of
 * {@link deviceTokenMessage}. `timestamp` is Unix seconds.
 */
export function deviceToken(key: DeviceKey, timestamp: number): string {
  const signature = signMessage(key, deviceTokenMessage(key.deviceId, timestamp));
  return `${timestamp}.${Buffer.from(signature).toString("hex")}`;
}

/** What a device passes when it connects: client id and username are its id in hex, the password a token. */
export type DeviceCredentials = { clientId: string; username: string; password: string };

/** The credentials of a device for a connection made at `nowSeconds`. */
export function deviceCredentials(key: DeviceKey, nowSeconds: number): DeviceCredentials {
  const id = key.deviceId.slice(2).toLowerCase();
  return { clientId: id, username: id, password: deviceToken(key, Math.floor(nowSeconds)) };
}

/** A token read from a password; undefined when it is not `<decimal seconds>.<128 hex>`. */
export function parseDeviceToken(password: string): { timestamp: number; signature: Uint8Array } | undefined {
  const match = /^([0-9]{1,12})\.([0-9a-fA-F]{128})$/.exec(password);
  if (match === null) return undefined;
  return { timestamp: Number(match[1]), signature: new Uint8Array(Buffer.from(match[2]!, "hex")) };
}

/** The device id (lowercase hex, no `0x`) in a username, or undefined when it is not 64 hex digits. */
export function deviceIdOfUsername(username: string): string | undefined {
  const id = username.toLowerCase();
  return hex64.test(id) ? id : undefined;
}

/** Who a connected client is: the node itself, or one device (lowercase hex id). */
export type MqttPrincipal = { kind: "node" } | { kind: "device"; deviceId: string };

/** True when `principal` may publish to `topic`: the node its acks, a device only its own readings. */
export function mayPublish(principal: MqttPrincipal, topic: string): boolean {
  if (principal.kind === "node") {
    return topic.startsWith(acksTopicPrefix) && hex64.test(topic.slice(acksTopicPrefix.length));
  }
  return topic.toLowerCase() === `${readingsTopicPrefix}${principal.deviceId}`;
}

/**
 * True when `principal` may subscribe to the topic filter: the node to readings (`+` or one device),
 * a device only to its own acks topic.
 */
export function maySubscribe(principal: MqttPrincipal, filter: string): boolean {
  if (principal.kind === "node") {
    const rest = filter.startsWith(readingsTopicPrefix) ? filter.slice(readingsTopicPrefix.length) : "";
    return rest === "+" || hex64.test(rest.toLowerCase());
  }
  return filter === `${acksTopicPrefix}${principal.deviceId}`;
}
