import type { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import { connect, type MqttClient } from "mqtt";
import type { PortSetting } from "../core/config.js";
import { BaseError, isBaseError } from "../core/errors.js";
import { listenWithFallback } from "../core/ports.js";
import type { IngestFn, IngestResult } from "./ingestTypes.js";

/** Topic filter the node subscribes to; a meter publishes to `gridledger/v1/readings/<deviceId>`. */
export const readingsTopicFilter = "gridledger/v1/readings/+";

/** Topic on which the node acknowledges a device's readings; `deviceId` is 64 lowercase hex digits. */
export function acksTopic(deviceId: string): string {
  return `gridledger/v1/acks/${deviceId}`;
}

/** The body of an ack: one result per reading of the message, in order. */
export type MqttAck = { results: IngestResult[] };

const readingsTopic = /^gridledger\/v1\/readings\/([0-9a-fA-F]{64})$/;
const connectTimeoutMs = 10_000;
const reconnectPeriodMs = 2_000;
/** Messages being ingested at once; beyond it the client stops reading from the broker (backpressure). */
const maxInFlight = 4_096;
/** How long `close()` lets messages being ingested finish and their acks leave. */
const drainTimeoutMs = 5_000;

/** An MQTT broker embedded in the node, for meters when no external broker (Mosquitto) is configured. */
export type MqttBroker = { url: string; port: number; close(): Promise<void> };

/**
 * Starts an embedded MQTT 3.1.1 broker (aedes) on `host`. A taken default port falls back to a free
 * one; a taken port the user chose is `CONFIG_PORT_IN_USE` naming its flag. The broker keeps sessions
 * in memory only: readings queued for an offline subscriber are lost when the node stops.
 */
export async function startMqttBroker(options: {
  host: string;
  port: PortSetting;
  onError?: (error: unknown) => void;
}): Promise<MqttBroker> {
  const broker = await Aedes.createBroker();
  // aedes emits "error" (absent from its typings) on internal failures; unheard, Node would throw it.
  (broker as EventEmitter).on("error", (error: unknown) => options.onError?.(error));
  const sockets = new Set<Socket>();
  let server: Server;
  try {
    server = await listenWithFallback(options.port, (port) => listen(options.host, port, broker, sockets));
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  server.on("error", (error) => options.onError?.(error));
  const port = (server.address() as { port: number }).port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        // server.close() waits for every connection to end; a client that ignores the broker's
        // close would hold it open.
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return closing;
    },
  };
}

function listen(host: string, port: number, broker: Aedes, sockets: Set<Socket>): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      broker.handle(socket);
    });
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** A running MQTT transport; `close()` lets readings in progress finish (a few seconds at most). */
export type MqttIngest = { close(): Promise<void> };

/**
 * Connects to an MQTT broker and feeds the readings meters publish to
 * `gridledger/v1/readings/<deviceId>` into `ingest`, answering each message on
 * `gridledger/v1/acks/<deviceId>` with {@link MqttAck} (QoS 1). The session is persistent
 * (`clean: false` with a stable `clientId`), so an external broker queues readings while the node is
 * down; the client reconnects by itself. Messages are ingested concurrently; acks of one device leave
 * in the order its messages came.
 *
 * Delivery: the broker's PUBACK is sent when a message is taken in, not when it is stored, so a reading
 * in progress when the node dies is not redelivered by the broker; the ack is the device's receipt —
 * a device sends again what was not acked as accepted or duplicate. When `ingest` throws, every reading
 * is answered `rejected` with code `INGEST_UNAVAILABLE`.
 *
 * Throws `MQTT_URL_INVALID` for a URL that is not `mqtt(s)://` or `ws(s)://`, and `MQTT_CONNECT_FAILED`
 * (URL shown without its password) when the first connection fails or takes more than 10 s.
 */
export async function createMqttIngest(options: {
  url: string;
  clientId: string;
  ingest: IngestFn;
  onError?: (error: unknown) => void;
}): Promise<MqttIngest> {
  const { clientId, ingest } = options;
  const onError = options.onError ?? (() => {});
  const { url, shown, username, password } = parseBrokerUrl(options.url);
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
      const body: MqttAck = { results: list };
      client.publishAsync(acksTopic(deviceId), JSON.stringify(body), { qos: 1 }).catch(onError);
    });
    tails.set(deviceId, tail);
    return tail.finally(() => {
      if (tails.get(deviceId) === tail) tails.delete(deviceId);
    });
  }

  async function resultsFor(deviceId: string, payload: Buffer): Promise<IngestResult[]> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString("utf8"));
    } catch {
      const message = "the payload is not JSON; send a reading object or an array of readings";
      return [{ status: "rejected", code: "READING_MALFORMED", message }];
    }
    const readings: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    if (readings.length === 0) return [];
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
