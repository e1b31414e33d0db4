import type { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import type { PortSetting } from "../core/config.js";
import { listenWithFallback } from "../core/ports.js";
import { type BrokerAccess, createAccessHooks, type MqttRefusal } from "./mqttAccess.js";

/** An MQTT broker embedded in the node, for meters when no external broker (Mosquitto) is configured. */
export type MqttBroker = { url: string; port: number; close(): Promise<void> };

/** Default largest MQTT packet the embedded broker reads (1 MiB): 4× the default payload limit. */
export const defaultMaxPacketBytes = 1024 * 1024;

/**
 * Starts an embedded MQTT 3.1.1 broker (aedes) on `host`, enforcing `access` (see
 * `createAccessHooks`): authenticated devices and node only, each on its own topics. A packet whose
 * announced length exceeds `maxPacketBytes` closes its connection before its body is read
 * (`MQTT_PAYLOAD_TOO_LARGE`). Every refusal is reported to `onRefusal` with its code. A taken default
 * port falls back to a free one; a taken port the user chose is `CONFIG_PORT_IN_USE` naming its
 * flag. The broker keeps sessions in memory only: readings queued for an offline subscriber are lost
 * when the node stops.
 */
export async function startMqttBroker(options: {
  host: string;
  port: PortSetting;
  access: BrokerAccess;
  maxPacketBytes?: number;
  onError?: (error: unknown) => void;
  onRefusal?: (refusal: MqttRefusal) => void;
}): Promise<MqttBroker> {
  const onRefusal = options.onRefusal ?? (() => {});
  const broker = await Aedes.createBroker({
    ...createAccessHooks(options.access, onRefusal),
    // Device ids are 64 hex digits (aedes checks this only for MQTT 3.1 clients).
    maxClientsIdLength: 128,
  });
  // aedes emits "error" (absent from its typings) on internal failures; unheard, Node would throw it.
  (broker as EventEmitter).on("error", (error: unknown) => options.onError?.(error));
  const sockets = new Set<Socket>();
  const maxPacketBytes = options.maxPacketBytes ?? defaultMaxPacketBytes;
  const accept = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const client = broker.handle(socket);
    limitPacketLength(
      client as unknown as { id: string | null; _parser: PacketParser },
      maxPacketBytes,
      onRefusal,
    );
  };
  let server: Server;
  try {
    server = await listenWithFallback(options.port, (port) => listen(options.host, port, accept));
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

/** The part of mqtt-packet's parser that aedes gives every client (`client._parser`). */
type PacketParser = {
  packet: { length: number; cmd?: string };
  on(event: "packet", listener: (packet: { cmd?: string; clientId?: string }) => void): void;
  _parseLength(): boolean;
  _emitError(error: Error): void;
};

/**
 * Makes a client's parser refuse a packet as soon as its fixed header announces more than `max`
 * bytes: mqtt-packet would otherwise buffer the whole packet (a 20 MB publish, 20 MB of memory)
 * before aedes sees it. aedes exposes no option for this; its parser is reached through the
 * client's `_parser`, which mqtt-packet 9 and aedes 1.x both have.
 */
function limitPacketLength(
  client: { id: string | null; _parser: PacketParser },
  max: number,
  onRefusal: (refusal: MqttRefusal) => void,
): void {
  const parser = client._parser;
  // Another aedes or mqtt-packet version: no limit rather than no broker (a test checks the limit).
  if (typeof parser?._parseLength !== "function" || typeof parser._emitError !== "function") return;
  const parseLength = parser._parseLength.bind(parser);
  // The CONNECT is parsed before aedes sets the client's id (it authenticates asynchronously).
  let clientId: string | undefined;
  parser.on("packet", (packet) => {
    if (packet.cmd === "connect" && typeof packet.clientId === "string")
      clientId = packet.clientId.slice(0, 120);
  });
  parser._parseLength = () => {
    if (!parseLength()) return false;
    if (parser.packet.length <= max) return true;
    const message = `an MQTT ${parser.packet.cmd ?? "packet"} of ${parser.packet.length} bytes is larger than the ${max} bytes allowed`;
    onRefusal({ code: "MQTT_PAYLOAD_TOO_LARGE", message, ...(clientId ? { clientId } : {}) });
    parser._emitError(Object.assign(new Error(message), { code: "MQTT_PAYLOAD_TOO_LARGE" }));
    return false;
  };
}

function listen(host: string, port: number, accept: (socket: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(accept);
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
