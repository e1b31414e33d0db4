import { connect, type MqttClient } from "mqtt";
import { BaseError, isBaseError } from "../core/errors.js";
import type { DeviceKey } from "./deviceKey.js";
import type { IngestFn, IngestResult } from "./ingestTypes.js";
import { encodeAck } from "./mqttAck.js";
import { acksTopicPrefix, readingsTopicPrefix } from "./mqttAuth.js";

/** Topic filter the node subscribes to; a meter publishes to `gridledger/v1/readings/<deviceId>`. */
export const readingsTopicFilter = `${readingsTopicPrefix}+`;

/** Topic on which the node acknowledges a device's readings; `deviceId` is 64 lowercase hex digits. */
export function acksTopic(deviceId: string): string {
  return `${acksTopicPrefix}${deviceId}`;
}

/** Default largest MQTT payload the node reads as readings (256 KiB); larger ones are refused. */
export const defaultMaxPayloadBytes = 256 * 1024;
/** Default most readings in one MQTT message; more are refused as a whole. */
export const defaultMaxReadingsPerMessage = 500;

const readingsTopic = /^gridledger\/v1\/readings\/([0-9a-fA-F]{64})$/;
const connectTimeoutMs = 10_000;
const reconnectPeriodMs = 2_000;
/** Messages being ingested at once; beyond it the client stops reading from the broker (backpressure). */
const maxInFlight = 4_096;
/** How long `close()` lets messages being ingested finish and their acks leave. */
const drainTimeoutMs = 5_000;

/** A running MQTT transport; `close()` lets readings in progress finish (a few seconds at most). */
export type MqttIngest = { close(): Promise<void> };

/**
 * Connects to an MQTT broker and feeds the readings meters publish to
 * `gridledger/v1/readings/<deviceId>` into `ingest`, answering each message on
 * `gridledger/v1/acks/<deviceId>` with an ack signed by `ackKey` (QoS 1; see `encodeAck`). The
 * session is persistent (`clean: false` with a stable `clientId`), so an external broker queues
 * readings while the node is down; the client reconnects by itself. Messages are ingested
 * concurrently; acks of one device leave in the order its messages came.
 *
 * Limits: a payload over `maxPayloadBytes` is answered `MQTT_PAYLOAD_TOO_LARGE` without being parsed,
 * a message of more than `maxReadings` readings `MQTT_TOO_MANY_READINGS`, both as one rejected result.
 *
 * Delivery: the broker's PUBACK is sent when a message is taken in, not when it is stored, so a reading
 * in progress when the node dies is not redelivered by the broker; the ack is the device's receipt —
 * a device sends again what was not acked as accepted or duplicate. When `ingest` throws, every reading
 * is answered `rejected` with code `INGEST_UNAVAILABLE`.
 *
 * Credentials: `username`/`password` when given, else those in the URL. Throws `MQTT_URL_INVALID`
 * for a URL that is not `mqtt(s)://` or `ws(s)://`, and `MQTT_CONNECT_FAILED` (URL shown without its
 * password) when the first connection fails or takes more than 10 s.
 */
export async function createMqttIngest(options: {
  url: string;
  clientId: string;
  ingest: IngestFn;
  /** The node's Ed25519 ack key. */
  ackKey: DeviceKey;
  username?: string;
  password?: string;
  maxPayloadBytes?: number;
  maxReadings?: number;
  onError?: (error: unknown) => void;
}): Promise<MqttIngest> {
  const { clientId, ingest, ackKey } = options;
  const maxPayloadBytes = options.maxPayloadBytes ?? defaultMaxPayloadBytes;
  const maxReadings = options.maxReadings ?? defaultMaxReadingsPerMessage;
  const onError = options.onError ?? (() => {});
  const parsedUrl = parseBrokerUrl(options.url);
  const { url, shown } = parsedUrl;
  const username = options.username ?? parsedUrl.username;
  const password = options.password ?? parsedUrl.password;
  const client = connect(url, {
    clientId,
    clean: false,
    protocolVersion: 4,
    connectTimeout: connectTimeoutMs,
    reconnectPeriod: reconnectPeriodMs,
    ...(username === undefined ? {} : { username, password }),
  });

  let connected = false;
  let lastReported: string | undefined;
  // Reported once per outage: while the broker is down, mqtt.js fails every reconnect attempt.
  client.on("error", (error: Error & { code?: unknown }) => {
    const key = String(error.code ?? error.message);
    if (!connected || key === lastReported) return;
    lastReported = key;
    onError(
      new BaseError("MQTT_CONNECTION_LOST", `MQTT broker ${shown}: ${error.message}`, { cause: error }),
    );
  });
  client.on("connect", () => {
    lastReported = undefined;
  });

  const pending = new Set<Promise<void>>();
  const tails = new Map<string, Promise<void>>();
  let release: (() => void) | undefined;
  // mqtt.js reads the next packet only after handleMessage calls back (and sends the PUBACK then).
  client.handleMessage = (_packet, callback) => {
    if (pending.size < maxInFlight) callback();
    else release = () => callback();
  };

  client.on("message", (topic: string, payload: Buffer) => {
    const match = readingsTopic.exec(topic);
    if (match === null) {
      onError(
        new BaseError("MQTT_TOPIC_MALFORMED", `ignored a message on ${topic.slice(0, 120)}`, {
          details: { topic },
        }),
      );
      return;
    }
    const work = handle(match[1]!.toLowerCase(), payload)
      .catch(onError)
      .finally(() => {
        pending.delete(work);
        const next = release;
        release = undefined;
        next?.();
      });
    pending.add(work);
  });

  // Handlers are in place before connecting: a persistent session delivers queued readings right after
  // CONNACK, and mqtt.js acknowledges a message nobody listens to.
  const limit = timer(connectTimeoutMs);
  try {
    const subscribed = firstConnect(client).then(async () => {
      const granted = await client.subscribeAsync(readingsTopicFilter, { qos: 1 });
      if (granted.some((grant) => grant.qos > 2)) {
        throw new Error(`the broker refused the subscription to ${readingsTopicFilter}`);
      }
    });
    const late = limit.elapsed.then(() => {
      throw new Error(`no answer within ${connectTimeoutMs / 1000} s`);
    });
    await Promise.race([subscribed, late]);
  } catch (cause) {
    client.end(true);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new BaseError("MQTT_CONNECT_FAILED", `could not connect to MQTT broker ${shown}: ${reason}`, {
      details: { url: shown },
      cause,
    });
  } finally {
    limit.clear();
  }
  connected = true;

  function handle(deviceId: string, payload: Buffer): Promise<void> {
    const results = resultsFor(deviceId, payload);
    const previous = tails.get(deviceId);
    // The ack is queued once the previous message of this device has queued its own, so acks of one
    // device leave in order while ingest calls run concurrently. A message's work ends when its ack is
    // queued, not when the broker confirms it: that confirmation is read from the same socket that
    // stops being read while `maxInFlight` messages are in progress.
    const tail = Promise.all([results, previous]).then(([list]) => {
      const at = Math.floor(Date.now() / 1000);
      const body = encodeAck({ deviceId, payload, results: list, at, key: ackKey });
      client.publishAsync(acksTopic(deviceId), body, { qos: 1 }).catch(onError);
    });
    tails.set(deviceId, tail);
    return tail.finally(() => {
      if (tails.get(deviceId) === tail) tails.delete(deviceId);
    });
  }

  async function resultsFor(deviceId: string, payload: Buffer): Promise<IngestResult[]> {
    if (payload.length > maxPayloadBytes) {
      const message = `the payload has ${payload.length} bytes; at most ${maxPayloadBytes} are read`;
      return [{ status: "rejected", code: "MQTT_PAYLOAD_TOO_LARGE", message }];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString("utf8"));
    } catch {
      const message = "the payload is not JSON; send a reading object or an array of readings";
      return [{ status: "rejected", code: "READING_MALFORMED", message }];
    }
    const readings: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    if (readings.length === 0) return [];
    if (readings.length > maxReadings) {
      const message = `the message holds ${readings.length} readings; send at most ${maxReadings} per message`;
      return [{ status: "rejected", code: "MQTT_TOO_MANY_READINGS", message }];
    }
    try {
      return await ingest(readings, { topicDeviceId: `0x${deviceId}` });
    } catch (error) {
      // A refusal of the message as a whole (e.g. READING_TOO_MANY) is final; anything else is the
      // node failing to store, and the device should send again.
      const refusal = isBaseError(error) && error.code !== "INGEST_UNAVAILABLE" ? error : undefined;
      if (!refusal) {
        onError(
          new BaseError("INGEST_UNAVAILABLE", `readings of device ${deviceId} could not be stored`, {
            details: { deviceId, count: readings.length },
            cause: error,
          }),
        );
      }
      return readings.map((reading) => ({
        status: "rejected",
        code: refusal?.code ?? "INGEST_UNAVAILABLE",
        message: refusal?.message ?? "node could not store the reading; send it again",
        ...seqOf(reading),
      }));
    }
  }

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        const drain = timer(drainTimeoutMs);
        await Promise.race([Promise.allSettled([...pending]), drain.elapsed]);
        drain.clear();
        // Forced: a graceful end waits for in-flight packets, forever if the broker is gone. Never
        // unsubscribe: the persistent session keeps queuing readings while the node is down.
        await new Promise<void>((resolve) => client.end(true, () => resolve()));
      })();
      return closing;
    },
  };
}

function firstConnect(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const closed = () => fail(new Error("the connection closed before the broker answered"));
    const connected = () => {
      cleanup();
      resolve();
    };
    function cleanup() {
      client.off("error", fail);
      client.off("close", closed);
      client.off("connect", connected);
    }
    client.on("error", fail);
    client.on("close", closed);
    client.on("connect", connected);
  });
}

/** Splits credentials off the URL (mqtt.js splits `user:pass` at the last colon) and redacts the password. */
function parseBrokerUrl(text: string): { url: string; shown: string; username?: string; password?: string } {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    parsed = new URL("invalid:");
  }
  if (!["mqtt:", "mqtts:", "ws:", "wss:"].includes(parsed.protocol) || parsed.hostname === "") {
    throw new BaseError(
      "MQTT_URL_INVALID",
      "an MQTT broker URL looks like mqtt://host:1883 or mqtts://user:pass@host:8883",
      {
        details: { url: text.replace(/:[^:@/]*@/, ":***@") },
      },
    );
  }
  const username = parsed.username === "" ? undefined : decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  const url = parsed.toString();
  if (username !== undefined) parsed.username = encodeURIComponent(username);
  if (password !== "") parsed.password = "***";
  return { url, shown: parsed.toString(), username, password };
}

function timer(ms: number): { elapsed: Promise<void>; clear(): void } {
  let handle: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    handle = setTimeout(resolve, ms);
  });
  return { elapsed, clear: () => clearTimeout(handle) };
}

function seqOf(reading: unknown): { seq?: string } {
  const seq = (reading as { seq?: unknown } | null)?.seq;
  return typeof seq === "string" || typeof seq === "number" ? { seq: String(seq) } : {};
}
