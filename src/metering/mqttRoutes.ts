import { createPublicKey } from "node:crypto";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { nullable } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { ackMagic } from "./mqttAck.js";
import { acksTopicPrefix, readingsTopicPrefix, tokenWindowSeconds } from "./mqttAuth.js";

/** What `GET /v1/mqtt` tells devices about the node's MQTT side. */
export type MqttInfo = {
  url: () => string | undefined;
  /** Raw Ed25519 public key (32 bytes) the node's acks are signed with. */
  ackPublicKey: Uint8Array;
  /** True when the node runs its own broker (device tokens); false for an external broker. */
  embedded: boolean;
  maxPayloadBytes: number;
  maxReadingsPerMessage: number;
};

const ed25519SpkiPrefix = Buffer.from("302a300506032b6570032100", "hex");

/** `GET /v1/mqtt`: broker URL, topics, the ack public key and the limits (docs/reading-format.md §5.1). */
export function registerMqttRoutes(app: FastifyInstance, info: MqttInfo): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const spki = Buffer.concat([ed25519SpkiPrefix, info.ackPublicKey]);
  const ackPublicKeyPem = createPublicKey({ key: spki, format: "der", type: "spki" })
    .export({ format: "pem", type: "spki" })
    .toString();
  api.get(
    "/v1/mqtt",
    {
      config: { permission: "status.read" },
      schema: {
        summary: "How devices talk to the node over MQTT: broker, topics, ack signing key and limits",
        tags: ["metering"],
        response: {
          200: sent({
            type: "object",
            properties: {
              url: nullable({ type: "string" }),
              broker: { type: "string" },
              readingsTopic: { type: "string" },
              acksTopic: { type: "string" },
              ackPublicKey: { type: "string" },
              ackPublicKeyPem: { type: "string" },
              ackSignature: { type: "string" },
              tokenWindowSeconds: { type: "integer" },
              maxPayloadBytes: { type: "integer" },
              maxReadingsPerMessage: { type: "integer" },
            },
          }),
        },
      },
    },
    async () => ({
      url: info.url() || null,
      broker: info.embedded ? "embedded" : "external",
      readingsTopic: `${readingsTopicPrefix}<deviceId>`,
      acksTopic: `${acksTopicPrefix}<deviceId>`,
      ackPublicKey: Buffer.from(info.ackPublicKey).toString("hex"),
      ackPublicKeyPem,
      ackSignature: `ed25519 over "${ackMagic}" ‖ the ack without its signature member`,
      tokenWindowSeconds,
      maxPayloadBytes: info.maxPayloadBytes,
      maxReadingsPerMessage: info.maxReadingsPerMessage,
    }),
  );
}
