import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { Hex } from "viem";
import { canSeeDevice, deviceReach } from "../auth/access.js";
import { BaseError } from "../core/errors.js";
import type { ServerContext } from "../server/createServer.js";
import { bodyLimits } from "../server/jsonBody.js";
import {
  address,
  deviceIdParam,
  deviceIdParams,
  keysOf,
  oneOf,
  pageLimit,
  pageOffset,
  text,
} from "../server/paramSchemas.js";
import { checkDeviceText, parseDeviceRequest } from "./deviceInput.js";
import { deviceStatuses, encodeDeviceStatus } from "./deviceTypes.js";
import { normaliseRegionCode } from "./regionCode.js";
import {
  device,
  deviceRequest,
  organisation,
  outcome,
  region,
  regionRequest,
  regionUpdateRequest,
  str,
} from "./registrySchemas.js";

function notFound(what: string, key: string): BaseError {
  return new BaseError(`REGISTRY_${what.toUpperCase()}_NOT_FOUND`, `no ${what} "${key}" is registered`, {
    details: { [what]: key },
  });
}

/** Regions, organisations and devices. */
export function registerRegistryRoutes(app: FastifyInstance, context: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { store, indexer, registry } = context;
  // Every route here reads the registry index: bring it up to the chain's latest block first. A write's
  // own block is indexed by the sync in front of the next request.
  app.addHook("preHandler", async () => {
    await indexer.sync();
  });

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

  api.get(
    "/v1/regions",
    {
      config: { permission: "registry.read" },
      schema: {
        summary: "Regions; `search` matches code, Chinese or English name (partial, case-insensitive)",
        tags: ["registry"],
        querystring: Type.Object({ search: Type.Optional(text(100)) }),
        response: {
          200: {
            type: "object",
            required: ["regions"],
            properties: { regions: { type: "array", items: region } },
          },
        },
      },
    },
    async (request) => {
      return { regions: await store.listRegions(request.query.search) };
    },
  );

  api.get(
    "/v1/regions/:region",
    {
      config: { permission: "registry.read" },
      schema: {
        summary: "A region by code or regionId",
        tags: ["registry"],
        params: Type.Object({ region: text(66) }),
        response: { 200: region },
      },
    },
    async (request) => {
      const key = request.params.region;
      return (await store.getRegion(key)) ?? Promise.reject(notFound("region", key));
    },
  );

  api.post(
    "/v1/regions",
    {
      config: { permission: "governance.write" },
      schema: {
        summary:
          "Propose approving a region and its operator (takes effect at once when the vote is the quorum)",
        tags: ["registry"],
        body: regionRequest,
        response: { 200: outcome },
      },
    },
    async (request) => {
      const { description, ...region } = request.body;
      return registry.propose(
        { kind: "approve-region", ...region },
        description ?? `approve region ${region.code}`,
      );
    },
  );

  api.patch(
    "/v1/regions/:region",
    {
      config: { permission: "governance.write" },
      schema: {
        summary:
          "Propose changing a region's names or operator (never its interval); shown in proposals as a change from → to",
        tags: ["registry"],
        params: Type.Object({ region: Type.String() }),
        body: regionUpdateRequest,
        response: { 200: outcome },
      },
    },
    async (request) => {
      const code = request.params.region;
      const { body } = request;
      return registry.propose(
        { kind: "update-region", code, nameZh: body.nameZh, nameEn: body.nameEn, operator: body.operator },
        body.description ?? `update region ${code}`,
      );
    },
  );

  api.get(
    "/v1/organisations",
    {
      config: { permission: "registry.read" },
      schema: {
        summary: "Member organisations",
        tags: ["registry"],
        querystring: Type.Object({
          all: Type.Optional(Type.Boolean({ description: "include removed members" })),
        }),
        response: {
          200: {
            type: "object",
            required: ["organisations"],
            properties: { organisations: { type: "array", items: organisation } },
          },
        },
      },
    },
    async (request) => {
      return {
        organisations: await store.listOrganisations({
          includeInactive: request.query.all,
        }),
      };
    },
  );

  api.get(
    "/v1/organisations/:address",
    {
      config: { permission: "registry.read" },
      schema: {
        summary: "An organisation by address",
        tags: ["registry"],
        params: Type.Object({ address }),
        response: { 200: organisation },
      },
    },
    async (request) => {
      const key = request.params.address;
      return (await store.getOrganisation(key)) ?? Promise.reject(notFound("organisation", key));
    },
  );

  api.get(
    "/v1/devices",
    {
      config: { permission: "devices.read" },
      schema: {
        summary: "Registered devices, filtered by region, owner or community",
        tags: ["registry"],
        querystring: Type.Partial(
          Type.Object({
            region: text(66),
            owner: address,
            community: address,
            status: oneOf(keysOf(deviceStatuses)),
            limit: pageLimit(100),
            offset: pageOffset,
          }),
        ),
        response: {
          200: {
            type: "object",
            required: ["total", "devices"],
            properties: { total: { type: "integer" }, devices: { type: "array", items: device } },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const regionId = q.region === undefined ? undefined : (await regionIdLookup([q.region]))(q.region);
      const status = q.status === undefined ? undefined : deviceStatuses[q.status];
      // Narrowed to the devices the principal reaches (its own, its community's, its regions').
      const reach = deviceReach(request.principal, "devices.read");
      return store.listDevices({ ...q, regionId, status, reach });
    },
  );

  api.get(
    "/v1/devices/:deviceId",
    {
      config: { permission: "devices.read" },
      schema: {
        summary: "A device by deviceId",
        tags: ["registry"],
        params: deviceIdParams,
        response: { 200: device },
      },
    },
    async (request) => {
      const key = request.params.deviceId;
      const found = await store.getDevice(deviceIdParam(key));
      // Outside the principal's reach: answered as an unknown device, so nothing leaks.
      if (!found || !canSeeDevice(request.principal, "devices.read", found)) throw notFound("device", key);
      return found;
    },
  );

  api.post(
    "/v1/devices",
    {
      config: { permission: "devices.write" },
      bodyLimit: bodyLimits.devices,
      schema: {
        summary: "Register devices (batched on chain); answers their deviceIds in order",
        tags: ["registry"],
        body: Type.Object({ devices: Type.Array(deviceRequest, { minItems: 1, maxItems: 10_000 }) }),
        response: {
          200: {
            type: "object",
            required: ["deviceIds", "txHashes"],
            properties: { deviceIds: { type: "array", items: str }, txHashes: { type: "array", items: str } },
          },
        },
      },
    },
    async (request) => {
      const requests = request.body.devices;
      for (const [index, d] of requests.entries()) {
        try {
          checkDeviceText(d);
        } catch (error) {
          if (error instanceof BaseError && requests.length > 1) {
            throw new BaseError(error.code, `device ${index}: ${error.message}`, {
              details: { index, ...error.details },
            });
          }
          throw error;
        }
      }
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
      const known = await store.registeredDeviceIds(parsed.map((p) => p.deviceId));
      for (const [index, { deviceId }] of parsed.entries()) {
        if (known.has(deviceId)) {
          throw new BaseError("REGISTRY_DEVICE_EXISTS", `device ${deviceId} is already registered`, {
            details: { index, deviceId },
          });
        }
        known.add(deviceId);
      }
      const { txHashes } = await registry.registerDevices(parsed.map((p) => p.input));
      return { deviceIds: parsed.map((p) => p.deviceId), txHashes };
    },
  );

  api.post(
    "/v1/devices/approvals",
    {
      config: { permission: "devices.write" },
      schema: {
        summary:
          "Approve pending devices of regions this node operates (they become active); all or none, in one transaction",
        tags: ["registry"],
        body: Type.Object({ deviceIds: Type.Array(Type.String(), { minItems: 1, maxItems: 1000 }) }),
        response: {
          200: {
            type: "object",
            required: ["deviceIds", "txHash"],
            properties: { deviceIds: { type: "array", items: str }, txHash: str },
          },
        },
      },
    },
    async (request) => {
      const ids = request.body.deviceIds.map(deviceIdParam);
      const result = await registry.approveDevices(ids);
      return { deviceIds: ids, ...result };
    },
  );

  api.patch(
    "/v1/devices/:deviceId",
    {
      config: { permission: "devices.write" },
      schema: {
        summary: "Change a device's status (active, suspended, retired — retired is final)",
        tags: ["registry"],
        params: deviceIdParams,
        body: Type.Object({ status: oneOf(["active", "suspended", "retired"]) }),
        response: {
          200: {
            type: "object",
            required: ["deviceId", "txHash"],
            properties: { deviceId: str, txHash: str },
          },
        },
      },
    },
    async (request) => {
      const id = deviceIdParam(request.params.deviceId);
      const result = await registry.setDeviceStatus(id, encodeDeviceStatus(request.body.status));
      return { deviceId: id, ...result };
    },
  );
}
