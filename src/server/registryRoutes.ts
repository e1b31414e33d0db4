import type { FastifyInstance } from "fastify";
import type { Hex } from "viem";
import { BaseError } from "../core/errors.js";
import { type DeviceRequest, parseDeviceRequest } from "../registry/deviceInput.js";
import { encodeDeviceStatus } from "../registry/deviceTypes.js";
import { type ProposalInput, proposalKinds } from "../registry/proposals.js";
import { normaliseRegionCode } from "../registry/regionCode.js";
import { roleNames } from "../registry/roles.js";
import type { ServerContext } from "./createServer.js";

const str = { type: "string" } as const;
const organisation = {
  type: "object",
  properties: {
    address: str,
    name: str,
    roles: { type: "array", items: str },
    seat: { type: "boolean" },
    active: { type: "boolean" },
  },
} as const;
const region = {
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
const device = {
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
  },
} as const;
const proposal = {
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
  },
} as const;
const outcome = {
  type: "object",
  properties: {
    proposalId: str,
    executed: { type: "boolean" },
    txHash: str,
    blockNumber: { type: "integer" },
  },
} as const;
const deviceRequest = {
  type: "object",
  required: ["region", "kind", "publicKey"],
  properties: {
    region: { type: "string", description: "region code, e.g. CN-GD" },
    kind: {
      type: "string",
      enum: ["consumption", "generation", "bidirectional", "ev-charger", "storage", "feeder"],
    },
    scheme: { type: "string", enum: ["ed25519", "secp256k1"], default: "ed25519" },
    publicKey: { type: "string", description: "hex, or PEM SubjectPublicKeyInfo" },
    source: {
      type: "string",
      enum: ["none", "solar", "wind", "hydro", "coal", "gas", "nuclear", "biomass", "other"],
    },
    capacityW: {
      anyOf: [
        { type: "string", pattern: "^[0-9]+$" },
        { type: "integer", minimum: 0 },
      ],
    },
    owner: str,
    community: str,
  },
} as const;
const proposalRequest = {
  type: "object",
  required: ["kind"],
  properties: {
    kind: { type: "string", enum: Object.keys(proposalKinds) },
    description: str,
    address: str,
    name: str,
    roles: { anyOf: [str, { type: "array", items: { type: "string", enum: roleNames } }] },
    seat: { type: "boolean" },
    role: { type: "string", enum: roleNames },
    code: str,
    nameZh: str,
    nameEn: str,
    operator: str,
    intervalSeconds: { type: "integer" },
    value: { anyOf: [str, { type: "integer" }] },
  },
} as const;

function notFound(what: string, key: string): BaseError {
  return new BaseError(`REGISTRY_${what.toUpperCase()}_NOT_FOUND`, `no ${what} "${key}" is registered`, {
    details: { [what]: key },
  });
}

function proposalId(text: string): bigint {
  if (!/^[0-9]{1,30}$/.test(text)) {
    throw new BaseError("REQUEST_INVALID", `proposal id must be a whole number, got "${text}"`);
  }
  return BigInt(text);
}

/** Regions, organisations, devices and governance proposals. */
export function registerRegistryRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, indexer, registry } = context;

  /** Resolves a region code to its id from the index, refusing unknown regions by name. */
  async function regionIdLookup(codes: string[]): Promise<(code: string) => Hex> {
    const ids = new Map<string, Hex>();
    for (const code of new Set(codes.map(normaliseRegionCode))) {
      const found = await store.getRegion(code);
      if (found) ids.set(code, found.regionId as Hex);
    }
    return (code) => {
      const id = ids.get(normaliseRegionCode(code));
      if (!id) {
        throw new BaseError(
          "REGISTRY_UNKNOWN_REGION",
          `region "${code}" is not registered; see "gridledger region list"`,
          {
            details: { region: code },
          },
        );
      }
      return id;
    };
  }

  app.get(
    "/v1/regions",
    {
      schema: {
        summary: "Regions; `search` matches code, Chinese or English name (partial, case-insensitive)",
        tags: ["registry"],
        querystring: { type: "object", properties: { search: str } },
        response: { 200: { type: "object", properties: { regions: { type: "array", items: region } } } },
      },
    },
    async (request) => {
      await indexer.sync();
      return { regions: await store.listRegions((request.query as { search?: string }).search) };
    },
  );

  app.get(
    "/v1/regions/:region",
    { schema: { summary: "A region by code or regionId", tags: ["registry"], response: { 200: region } } },
    async (request) => {
      await indexer.sync();
      const key = (request.params as { region: string }).region;
      return (await store.getRegion(key)) ?? Promise.reject(notFound("region", key));
    },
  );

  app.post(
    "/v1/regions",
    {
      schema: {
        summary:
          "Propose approving a region and its operator (takes effect at once when the vote is the quorum)",
        tags: ["registry"],
        body: {
          type: "object",
          required: ["code", "nameZh", "nameEn"],
          properties: {
            code: str,
            nameZh: str,
            nameEn: str,
            operator: str,
            intervalSeconds: { type: "integer" },
            description: str,
          },
        },
        response: { 200: outcome },
      },
    },
    async (request) => {
      const body = request.body as Omit<ProposalInput & { kind: "approve-region" }, "kind"> & {
        description?: string;
      };
      const result = await registry.propose(
        { kind: "approve-region", ...body },
        body.description ?? `approve region ${body.code}`,
      );
      await indexer.sync();
      return result;
    },
  );

  app.get(
    "/v1/organisations",
    {
      schema: {
        summary: "Member organisations",
        tags: ["registry"],
        querystring: {
          type: "object",
          properties: { all: { type: "boolean", description: "include removed members" } },
        },
        response: {
          200: { type: "object", properties: { organisations: { type: "array", items: organisation } } },
        },
      },
    },
    async (request) => {
      await indexer.sync();
      return {
        organisations: await store.listOrganisations({
          includeInactive: (request.query as { all?: boolean }).all,
        }),
      };
    },
  );

  app.get(
    "/v1/organisations/:address",
    {
      schema: { summary: "An organisation by address", tags: ["registry"], response: { 200: organisation } },
    },
    async (request) => {
      await indexer.sync();
      const key = (request.params as { address: string }).address;
      return (await store.getOrganisation(key)) ?? Promise.reject(notFound("organisation", key));
    },
  );

  app.get(
    "/v1/devices",
    {
      schema: {
        summary: "Registered devices, filtered by region, owner or community",
        tags: ["registry"],
        querystring: {
          type: "object",
          properties: {
            region: str,
            owner: str,
            community: str,
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            offset: { type: "integer", minimum: 0, default: 0 },
          },
        },
        response: {
          200: {
            type: "object",
            properties: { total: { type: "integer" }, devices: { type: "array", items: device } },
          },
        },
      },
    },
    async (request) => {
      await indexer.sync();
      const q = request.query as {
        region?: string;
        owner?: string;
        community?: string;
        limit?: number;
        offset?: number;
      };
      const regionId = q.region === undefined ? undefined : (await regionIdLookup([q.region]))(q.region);
      return store.listDevices({ ...q, regionId });
    },
  );

  app.get(
    "/v1/devices/:deviceId",
    { schema: { summary: "A device by deviceId", tags: ["registry"], response: { 200: device } } },
    async (request) => {
      await indexer.sync();
      const key = (request.params as { deviceId: string }).deviceId;
      return (
        (await store.getDevice(key.startsWith("0x") ? key : `0x${key}`)) ??
        Promise.reject(notFound("device", key))
      );
    },
  );

  app.post(
    "/v1/devices",
    {
      schema: {
        summary: "Register devices (batched on chain); answers their deviceIds in order",
        tags: ["registry"],
        body: {
          type: "object",
          required: ["devices"],
          properties: { devices: { type: "array", minItems: 1, maxItems: 10_000, items: deviceRequest } },
        },
        response: {
          200: {
            type: "object",
            properties: { deviceIds: { type: "array", items: str }, txHashes: { type: "array", items: str } },
          },
        },
      },
    },
    async (request) => {
      const requests = (request.body as { devices: DeviceRequest[] }).devices;
      await indexer.sync();
      const regionIdOf = await regionIdLookup(requests.map((d) => d.region));
      const parsed = requests.map((d, index) => {
        try {
          return parseDeviceRequest(d, { operator: registry.operator, regionIdOf });
        } catch (error) {
          if (error instanceof BaseError && requests.length > 1) {
            throw new BaseError(error.code, `device ${index}: ${error.message}`, {
              details: { index, ...error.details },
            });
          }
          throw error;
        }
      });
      const seen = new Set<string>();
      for (const [index, { deviceId }] of parsed.entries()) {
        if (seen.has(deviceId) || (await store.getDevice(deviceId))) {
          throw new BaseError("REGISTRY_DEVICE_EXISTS", `device ${deviceId} is already registered`, {
            details: { index, deviceId },
          });
        }
        seen.add(deviceId);
      }
      const { txHashes } = await registry.registerDevices(parsed.map((p) => p.input));
      await indexer.sync();
      return { deviceIds: parsed.map((p) => p.deviceId), txHashes };
    },
  );

  app.patch(
    "/v1/devices/:deviceId",
    {
      schema: {
        summary: "Change a device's status (active, suspended, retired — retired is final)",
        tags: ["registry"],
        body: {
          type: "object",
          required: ["status"],
          properties: { status: { type: "string", enum: ["active", "suspended", "retired"] } },
        },
      },
    },
    async (request) => {
      const raw = (request.params as { deviceId: string }).deviceId;
      const id = (raw.startsWith("0x") ? raw : `0x${raw}`).toLowerCase() as Hex;
      if (!/^0x[0-9a-f]{64}$/.test(id))
        throw new BaseError("REQUEST_INVALID", `deviceId must be 32 bytes of hex, got "${raw}"`);
      const result = await registry.setDeviceStatus(
        id,
        encodeDeviceStatus((request.body as { status: string }).status),
      );
      await indexer.sync();
      return { deviceId: id, ...result };
    },
  );

  app.get(
    "/v1/governance",
    {
      schema: {
        summary: "Seats, quorum and voting period",
        tags: ["governance"],
      },
    },
    async () => registry.governance(),
  );

  app.get(
    "/v1/proposals",
    {
      schema: {
        summary: "Governance proposals, newest first, with live vote counts and state",
        tags: ["governance"],
        response: { 200: { type: "object", properties: { proposals: { type: "array", items: proposal } } } },
      },
    },
    async () => ({ proposals: await registry.listProposals() }),
  );

  app.get(
    "/v1/proposals/:id",
    { schema: { summary: "One proposal", tags: ["governance"], response: { 200: proposal } } },
    async (request) => registry.readProposal(proposalId((request.params as { id: string }).id)),
  );

  app.post(
    "/v1/proposals",
    {
      schema: {
        summary:
          "Propose a change; the proposer's vote counts for it, and it executes once more than the quorum of seats agree",
        tags: ["governance"],
        body: proposalRequest,
        response: { 200: outcome },
      },
    },
    async (request) => {
      const body = request.body as ProposalInput & { description?: string };
      const result = await registry.propose(body, body.description ?? body.kind);
      await indexer.sync();
      return result;
    },
  );

  app.post(
    "/v1/proposals/:id/votes",
    {
      schema: {
        summary: "Vote on a proposal as this node's organisation",
        tags: ["governance"],
        body: { type: "object", required: ["support"], properties: { support: { type: "boolean" } } },
        response: { 200: outcome },
      },
    },
    async (request) => {
      const result = await registry.vote(
        proposalId((request.params as { id: string }).id),
        (request.body as { support: boolean }).support,
      );
      await indexer.sync();
      return result;
    },
  );

  app.post(
    "/v1/proposals/:id/execute",
    {
      schema: {
        summary: "Execute a proposal that has reached the quorum",
        tags: ["governance"],
        response: { 200: outcome },
      },
    },
    async (request) => {
      const result = await registry.execute(proposalId((request.params as { id: string }).id));
      await indexer.sync();
      return result;
    },
  );
}
