import { text } from "../server/paramSchemas.js";
import { proposalKinds } from "./proposals.js";
import { roleNames } from "./roles.js";

// JSON schemas of the registry and governance endpoints: fastify validates requests against them and
// @fastify/swagger publishes them in /openapi.json.

export const str = { type: "string" } as const;
export const organisation = {
  type: "object",
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
  properties: {
    deviceId: str,
    scheme: str,
    publicKey: str,
    owner: str,
    region: { type: "string", nullable: true },
    regionId: str,
    kind: str,
    source: str,
    capacityW: str,
    status: str,
    community: { type: "string", nullable: true },
    suspendedBy: { type: "string", nullable: true },
  },
} as const;
export const proposal = {
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
    change: { type: "string", nullable: true },
  },
} as const;
export const outcome = {
  type: "object",
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
const boundedInt = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
/** An address in a body: checked by the registry (REGISTRY_INVALID_ADDRESS names the field); bounded here. */
const address = text(100);

export const regionRequest = {
  type: "object",
  required: ["code", "nameZh", "nameEn"],
  properties: {
    code: text(16),
    nameZh: text(nameLength),
    nameEn: text(nameLength),
    operator: address,
    intervalSeconds: { type: "integer", minimum: 1, maximum: 86_400 },
    description: text(descriptionLength),
  },
} as const;
export const deviceRequest = {
  type: "object",
  required: ["region", "kind", "publicKey"],
  properties: {
    region: { type: "string", maxLength: 16, description: "region code, e.g. CN-GD" },
    kind: {
      type: "string",
      enum: ["consumption", "generation", "bidirectional", "ev-charger", "storage", "feeder"],
    },
    scheme: { type: "string", enum: ["ed25519", "secp256k1"], default: "ed25519" },
    publicKey: { type: "string", maxLength: 400, description: "hex, or PEM SubjectPublicKeyInfo" },
    source: {
      type: "string",
      enum: ["none", "solar", "wind", "hydro", "coal", "gas", "nuclear", "biomass", "other"],
    },
    capacityW: {
      anyOf: [{ type: "string", pattern: "^[0-9]+$", maxLength: 40 }, boundedInt],
    },
    owner: address,
    community: address,
  },
} as const;
export const proposalRequest = {
  type: "object",
  required: ["kind"],
  properties: {
    kind: { type: "string", enum: Object.keys(proposalKinds) },
    description: text(descriptionLength),
    address,
    name: text(nameLength),
    roles: {
      anyOf: [text(400), { type: "array", maxItems: 20, items: { type: "string", enum: roleNames } }],
    },
    seat: { type: "boolean" },
    role: { type: "string", enum: roleNames },
    code: text(16),
    nameZh: text(nameLength),
    nameEn: text(nameLength),
    operator: address,
    intervalSeconds: { type: "integer", minimum: 1, maximum: 86_400 },
    value: { anyOf: [text(80), boundedInt] },
  },
} as const;
