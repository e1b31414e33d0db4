import { Type } from "typebox";
import { keysOf, nullable, oneOf, text } from "../server/paramSchemas.js";
import { sent } from "../server/responseSchemas.js";
import { proposalKinds } from "./proposals.js";
import { roleNames } from "./roles.js";

// JSON schemas of the registry and governance endpoints: fastify validates requests against them and
// @fastify/swagger publishes them in /openapi.json.

export const str = { type: "string" } as const;
export const organisation = {
  type: "object",
  required: ["address", "name", "roles", "seat", "active"],
  properties: {
    address: str,
    name: str,
    roles: { type: "array", items: str },
    seat: { type: "boolean" },
    active: { type: "boolean" },
  },
} as const;
export const region = {
  type: "object",
  required: ["code", "regionId", "nameZh", "nameEn", "operator", "intervalSeconds"],
  properties: {
    code: str,
    regionId: str,
    nameZh: str,
    nameEn: str,
    operator: str,
    intervalSeconds: { type: "integer" },
  },
} as const;
export const device = {
  type: "object",
  required: [
    "deviceId",
    "scheme",
    "publicKey",
    "owner",
    "region",
    "regionId",
    "kind",
    "source",
    "capacityW",
    "status",
    "community",
    "suspendedBy",
  ],
  properties: {
    deviceId: str,
    scheme: str,
    publicKey: str,
    owner: str,
    region: nullable({ type: "string" }),
    regionId: str,
    kind: str,
    source: str,
    capacityW: str,
    status: str,
    community: nullable({ type: "string" }),
    suspendedBy: nullable({ type: "string" }),
  },
} as const;
export const proposal = sent({
  type: "object",
  properties: {
    id: str,
    kind: str,
    proposer: str,
    createdAt: { type: "integer" },
    deadline: { type: "integer" },
    forVotes: { type: "integer" },
    againstVotes: { type: "integer" },
    state: str,
    description: str,
    change: nullable({ type: "string" }),
    calls: {
      type: "array",
      items: {
        type: "object",
        properties: {
          contract: str,
          target: str,
          function: str,
          args: { type: "array", items: {} },
          value: str,
        },
      },
    },
  },
} as const);
export const outcome = {
  type: "object",
  required: ["proposalId", "executed", "txHash", "blockNumber"],
  properties: {
    proposalId: str,
    executed: { type: "boolean" },
    txHash: str,
    blockNumber: { type: "integer" },
  },
} as const;
/** Longest region name, organisation name and proposal description the API takes (characters). */
const nameLength = 200;
const descriptionLength = 2000;
/** An interval or parameter given as a number: an integer that fits the contracts' types. */
const boundedInt = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** An address in a body: checked by the registry (REGISTRY_INVALID_ADDRESS names the field); bounded here. */
const address = text(100);

const intervalSeconds = Type.Integer({ minimum: 1, maximum: 86_400 });

/** Body of `POST /v1/regions`: a region to approve (a proposal). */
export const regionRequest = Type.Object({
  code: text(16),
  nameZh: text(nameLength),
  nameEn: text(nameLength),
  operator: Type.Optional(address),
  intervalSeconds: Type.Optional(intervalSeconds),
  description: Type.Optional(text(descriptionLength)),
});
/** Body of `PUT /v1/regions/:region`: new names or operator of a region (a proposal). */
export const regionUpdateRequest = Type.Partial(
  Type.Object({
    nameZh: Type.String(),
    nameEn: Type.String(),
    operator: Type.String(),
    description: Type.String(),
  }),
);
/** One device of `POST /v1/devices`. */
export const deviceRequest = Type.Object({
  region: Type.String({ maxLength: 16, description: "region code, e.g. CN-GD" }),
  kind: oneOf(["consumption", "generation", "bidirectional", "ev-charger", "storage", "feeder"]),
  scheme: Type.Optional(oneOf(["ed25519", "secp256k1"], { default: "ed25519" })),
  publicKey: Type.String({ maxLength: 400, description: "hex, or PEM SubjectPublicKeyInfo" }),
  source: Type.Optional(
    oneOf(["none", "solar", "wind", "hydro", "coal", "gas", "nuclear", "biomass", "other"]),
  ),
  capacityW: Type.Optional(Type.Union([Type.String({ pattern: "^[0-9]+$", maxLength: 40 }), boundedInt])),
  owner: Type.Optional(address),
  community: Type.Optional(address),
});
/**
 * Body of `POST /v1/proposals`: the fields of every proposal kind, each optional but `kind`; the
 * registry checks that the kind's own fields are there (`REGISTRY_MISSING_FIELD` names the first missing).
 */
export const proposalRequest = Type.Object({
  kind: oneOf(keysOf(proposalKinds)),
  description: Type.Optional(text(descriptionLength)),
  address: Type.Optional(address),
  name: Type.Optional(text(nameLength)),
  roles: Type.Optional(Type.Union([text(400), Type.Array(oneOf(roleNames), { maxItems: 20 })])),
  seat: Type.Optional(Type.Boolean()),
  role: Type.Optional(oneOf(roleNames)),
  code: Type.Optional(text(16)),
  nameZh: Type.Optional(text(nameLength)),
  nameEn: Type.Optional(text(nameLength)),
  operator: Type.Optional(address),
  intervalSeconds: Type.Optional(intervalSeconds),
  value: Type.Optional(Type.Union([text(80), boundedInt])),
  service: Type.Optional(text(100)),
  contract: Type.Optional(text(64)),
  function: Type.Optional(text(128)),
  authorityRole: Type.Optional(text(80)),
  account: Type.Optional(address),
  target: Type.Optional(text(100)),
  signature: Type.Optional(text(400)),
  args: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 32 })),
});
