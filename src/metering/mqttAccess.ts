import { timingSafeEqual } from "node:crypto";
import type { AedesOptions, AuthenticateError, Client } from "aedes";
import { deviceStatuses } from "../registry/deviceTypes.js";
import {
  deviceIdOfUsername,
  deviceTokenMessage,
  type MqttPrincipal,
  mayPublish,
  maySubscribe,
  nodeClientIdPrefix,
  nodeUsername,
  parseDeviceToken,
  tokenWindowSeconds,
} from "./mqttAuth.js";
import type { DeviceRecord } from "./readingChecks.js";
import { verifySignature } from "./verifyWorker.js";

/**
 * A refusal by the embedded broker, with its stable code: a CONNECT refused (`MQTT_AUTH_*`), a
 * subscription granted nothing (`MQTT_ACL_SUBSCRIBE_DENIED`), a publish dropped with its connection
 * (`MQTT_ACL_PUBLISH_DENIED`), or a packet larger than allowed (`MQTT_PAYLOAD_TOO_LARGE`).
 */
export type MqttRefusal = {
  code: string;
  message: string;
  clientId?: string;
  topic?: string;
  /** The CONNACK return code sent (MQTT 3.1.1 §3.2.2.3): 2 identifier rejected, 4 bad username or password, 5 not authorized. */
  returnCode?: number;
};

/** Who may connect to the embedded broker, and how it learns about devices. */
export type BrokerAccess = {
  /** The registered device of an id (`0x` + 64 hex), from the metering device directory. */
  device(deviceId: `0x${string}`): Promise<DeviceRecord | undefined>;
  /** Password of the node's own client (username `gridledger-node`). */
  nodePassword: string;
  /** Clock, milliseconds (tests). */
  now?: () => number;
};

/** A device's client id: its id, or its id and a suffix (a second connection, e.g. a subscriber tool). */
const deviceClientIdPattern = /^[0-9a-fA-F]{64}(-[A-Za-z0-9_-]{1,23})?$/;

type Hooks = Required<Pick<AedesOptions, "authenticate" | "authorizePublish" | "authorizeSubscribe">>;

/**
 * The aedes hooks enforcing GridLedger's MQTT rules (docs/reading-format.md §5.1):
 * - a device connects with username = its id in hex, client id = the same (optionally followed by
 *   `-<suffix>`, for a second connection) and a signed login token as
 *   password, valid ±`tokenWindowSeconds` around the node's clock and later than the last one the
 *   broker accepted for it; unknown, suspended and retired devices are refused;
 * - the node connects as `gridledger-node` with its secret, with a client id starting
 *   `gridledger-node-`, which nobody else may use;
 * - a device publishes only to its readings topic and subscribes only to its acks topic; the node
 *   publishes acks and subscribes to readings; nothing else is allowed, and nothing is retained.
 */
export function createAccessHooks(access: BrokerAccess, onRefusal: (refusal: MqttRefusal) => void): Hooks {
  const now = access.now ?? Date.now;
  const principals = new WeakMap<Client, MqttPrincipal>();
  const lastTimestamp = new Map<string, number>();
  const nodeSecret = Buffer.from(access.nodePassword, "utf8");

  function refuse(clientId: string, code: string, message: string, returnCode: 2 | 4 | 5) {
    onRefusal({ code, message, clientId: clientId.slice(0, 120), returnCode });
    return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
  }

  async function authenticate(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<MqttPrincipal | AuthenticateError> {
    const nodeClient = clientId.startsWith(nodeClientIdPrefix);
    if (username === undefined || password === undefined) {
      return refuse(clientId, "MQTT_AUTH_MISSING", "connect with a username and a password", 5);
    }
    if (nodeClient || username === nodeUsername) {
      if (username !== nodeUsername) {
        return refuse(clientId, "MQTT_AUTH_NODE_CLIENT_ID", "client ids gridledger-node-… are the node's", 5);
      }
      if (password.length !== nodeSecret.length || !timingSafeEqual(password, nodeSecret)) {
        return refuse(clientId, "MQTT_AUTH_BAD_PASSWORD", "wrong password for gridledger-node", 4);
      }
      if (!nodeClient) {
        return refuse(
          clientId,
          "MQTT_AUTH_CLIENT_ID_MISMATCH",
          "the node's client id starts gridledger-node-",
          2,
        );
      }
      return { kind: "node" };
    }
    const deviceId = deviceIdOfUsername(username);
    if (deviceId === undefined) {
      return refuse(clientId, "MQTT_AUTH_MALFORMED", "the username is the device id (64 hex digits)", 4);
    }
    if (!deviceClientIdPattern.test(clientId) || clientId.slice(0, 64).toLowerCase() !== deviceId) {
      return refuse(
        clientId,
        "MQTT_AUTH_CLIENT_ID_MISMATCH",
        "the client id is the device id, optionally followed by -<up to 23 letters, digits, _ or ->",
        2,
      );
    }
    const token = parseDeviceToken(password.toString("utf8"));
    if (token === undefined) {
      return refuse(clientId, "MQTT_AUTH_MALFORMED", "the password is <timestamp>.<signature hex>", 4);
    }
    const nowSeconds = Math.floor(now() / 1000);
    if (Math.abs(nowSeconds - token.timestamp) > tokenWindowSeconds) {
      return refuse(
        clientId,
        "MQTT_AUTH_TOKEN_EXPIRED",
        `the token's timestamp is more than ${tokenWindowSeconds} s from the node's clock (${nowSeconds})`,
        4,
      );
    }
    if (token.timestamp <= (lastTimestamp.get(deviceId) ?? -1)) {
      return refuse(clientId, "MQTT_AUTH_TOKEN_REPLAYED", "sign a token with a later timestamp", 4);
    }
    const record = await access.device(`0x${deviceId}`);
    if (record === undefined) {
      return refuse(clientId, "MQTT_AUTH_UNKNOWN_DEVICE", `device ${deviceId} is not registered`, 5);
    }
    if (record.status !== deviceStatuses.active) {
      return refuse(clientId, "MQTT_AUTH_DEVICE_INACTIVE", `device ${deviceId} is suspended or retired`, 5);
    }
    const message = deviceTokenMessage(deviceId, token.timestamp);
    if (!verifySignature(record.scheme, record.publicKey, token.signature, message)) {
      return refuse(clientId, "MQTT_AUTH_BAD_SIGNATURE", "the token's signature does not verify", 4);
    }
    // Checked again: another connection with the same token may have passed while the lookup ran.
    if (token.timestamp <= (lastTimestamp.get(deviceId) ?? -1)) {
      return refuse(clientId, "MQTT_AUTH_TOKEN_REPLAYED", "sign a token with a later timestamp", 4);
    }
    lastTimestamp.set(deviceId, token.timestamp);
    return { kind: "device", deviceId };
  }

  return {
    authenticate(client, username, password, done) {
      authenticate(client.id ?? "", username ?? undefined, password ?? undefined).then(
        (outcome) => {
          if (outcome instanceof Error) return done(outcome, false);
          principals.set(client, outcome);
          done(null, true);
        },
        (error: unknown) => {
          // The device lookup failed (database down): the device may try again later.
          onRefusal({
            code: "MQTT_AUTH_UNAVAILABLE",
            message: String(error),
            clientId: client.id,
            returnCode: 3,
          });
          done(Object.assign(new Error("server unavailable"), { returnCode: 3 }) as AuthenticateError, false);
        },
      );
    },
    authorizePublish(client, packet, callback) {
      // Wills of clients gone before a restart come without a client; the broker keeps none.
      if (client === null) return callback(new Error("no client"));
      const principal = principals.get(client);
      if (principal === undefined || !mayPublish(principal, packet.topic)) {
        const message = `client ${client.id} may not publish to ${packet.topic.slice(0, 200)}`;
        onRefusal({
          code: "MQTT_ACL_PUBLISH_DENIED",
          message,
          clientId: client.id,
          topic: packet.topic.slice(0, 200),
        });
        return callback(new Error(message));
      }
      packet.retain = false;
      callback(null);
    },
    authorizeSubscribe(client, subscription, callback) {
      const principal = principals.get(client);
      if (principal === undefined || !maySubscribe(principal, subscription.topic)) {
        const topic = subscription.topic.slice(0, 200);
        onRefusal({
          code: "MQTT_ACL_SUBSCRIBE_DENIED",
          message: `client ${client.id} may not subscribe to ${topic}`,
          clientId: client.id,
          topic,
        });
        return callback(null, null);
      }
      callback(null, subscription);
    },
  };
}
