import { type Address, getAddress, keccak256, stringToHex } from "viem";
import type { paths } from "../api/openapi.js";
import { answer, type NodeApi } from "../cli/nodeApi.js";
import { BaseError, isBaseError } from "../core/errors.js";
import type { Scenario, SimDevice } from "./scenario.js";
import type { SimMeter, SimState } from "./simState.js";

/** One device of a `POST /v1/devices` body, as the OpenAPI document types it. */
type DeviceBody =
  paths["/v1/devices"]["post"]["requestBody"]["content"]["application/json"]["devices"][number];

/** Devices per `POST /v1/devices` request (the route takes up to 10,000; the chain batches further). */
const requestBatch = 500;

/**
 * The on-chain address of a simulated community: the last 20 bytes of keccak256 of its name (e.g.
 * `CN-GD/c01`), so every run registers a community's meters under the same address and the
 * community-balance detector finds a feeder's members by it.
 */
export function communityAddressOf(community: string): Address {
  return getAddress(`0x${keccak256(stringToHex(community)).slice(-40)}`);
}

/**
 * An account that owns some simulated devices (the demo's prosumer), in a community (the demo's
 * organisation): the first `count` community devices of the scenario are registered as its own.
 */
export type DemoOwner = { owner: Address; community: Address; count: number };

/**
 * Accounts that own named simulated devices (the demo market's PV owners and households), by device
 * name, each in the given community (the demo's organisation, which granted them the prosumer role).
 */
export type NamedOwners = ReadonlyMap<string, { owner: Address; community: Address }>;

/** Names of the devices a demo owner owns: the scenario's first `count` devices in a community. */
export function demoOwnedDevices(devices: readonly SimDevice[], owner: DemoOwner | undefined): Set<string> {
  if (!owner) return new Set();
  return new Set(
    devices
      .filter((d) => d.community !== null)
      .slice(0, owner.count)
      .map((d) => d.name),
  );
}

/**
 * The registration request of a simulated device. Its community's address is given when the
 * community is among `communities` (the ones the consortium has admitted; all by default); plants
 * belong to no community.
 */
export function deviceRequestOf(
  device: SimDevice,
  meter: SimMeter,
  communities?: ReadonlySet<string>,
  ownedBy?: Pick<DemoOwner, "owner" | "community">,
): DeviceBody {
  if (ownedBy) {
    return {
      ...deviceRequestOf(device, meter, new Set()),
      owner: ownedBy.owner,
      community: ownedBy.community,
    };
  }
  const community =
    device.community !== null && (communities === undefined || communities.has(device.community))
      ? communityAddressOf(device.community)
      : undefined;
  return {
    region: device.province.code,
    kind: device.kind,
    scheme: "ed25519",
    publicKey: Buffer.from(meter.key.publicKey).toString("hex"),
    source: device.source,
    capacityW: device.capacityW,
    ...(community === undefined ? {} : { community }),
  };
}

/**
 * Makes sure each community is a member organisation with the community role (the registry refuses
 * a device whose community is not): proposes admitting the missing ones, which executes at once on
 * a node whose organisation holds the only seat (the demo). Answers the communities admitted; the
 * others (their proposal awaits other seats' votes) are registered without a community.
 */
export async function admitSimCommunities(
  api: NodeApi,
  names: readonly string[],
  log: (message: string) => void = () => {},
): Promise<Set<string>> {
  const admitted = new Set<string>();
  for (const name of names) {
    const address = communityAddressOf(name);
    try {
      const organisation = answer(
        await api.client.GET("/v1/organisations/{address}", { params: { path: { address } } }),
      );
      if (organisation.active && organisation.roles.includes("community")) {
        admitted.add(name);
        continue;
      }
    } catch (error) {
      if (!isBaseError(error, "REGISTRY_ORGANISATION_NOT_FOUND")) throw error;
    }
    const outcome = answer(
      await api.client.POST("/v1/proposals", {
        body: {
          kind: "admit-member",
          address,
          name: `${name} energy community (simulated)`,
          roles: ["community"],
          seat: false,
          description: `simulator: community ${name}`,
        },
      }),
    );
    if (outcome.executed) admitted.add(name);
    else {
      log(
        `simulator: admitting community ${name} (${address}) awaits votes (proposal ${outcome.proposalId}); its meters are registered without a community`,
      );
    }
  }
  return admitted;
}

/**
 * Approves the scenario's devices that are pending in its regions (registered by a member other than
 * the region's operator). The node approves them when it operates the region (the demo); otherwise
 * they wait for their operator and the simulator says so. Answers how many it approved.
 */
export async function approveSimDevices(
  api: NodeApi,
  regionCodes: readonly string[],
  deviceIds: ReadonlySet<string>,
  log: (message: string) => void = () => {},
): Promise<number> {
  let approved = 0;
  for (const code of regionCodes) {
    const pending: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = answer(
        await api.client.GET("/v1/devices", {
          params: { query: { region: code, status: "pending", limit: 1000, offset } },
        }),
      );
      pending.push(...page.devices.map((d) => d.deviceId).filter((id) => deviceIds.has(id)));
      if (offset + page.devices.length >= page.total || page.devices.length === 0) break;
    }
    for (let i = 0; i < pending.length; i += 1000) {
      try {
        await api.client.POST("/v1/devices/approvals", { body: { deviceIds: pending.slice(i, i + 1000) } });
        approved += Math.min(1000, pending.length - i);
      } catch (error) {
        if (!isBaseError(error, "REGISTRY_NOT_REGION_OPERATOR")) throw error;
        log(
          `simulator: ${pending.length - i} devices of ${code} await the approval of the region's operator`,
        );
        break;
      }
    }
  }
  return approved;
}

async function isRegistered(api: NodeApi, meter: SimMeter): Promise<boolean> {
  try {
    await api.client.GET("/v1/devices/{deviceId}", { params: { path: { deviceId: meter.key.deviceId } } });
    return true;
  } catch (error) {
    if (isBaseError(error, "REGISTRY_DEVICE_NOT_FOUND") || isBaseError(error, "HTTP_404")) return false;
    throw error;
  }
}

/**
 * Registers on the node every scenario device not registered yet, in batches. A meter is marked
 * `submitted` (and the state saved) before its request and `registered` after it, so after a crash
 * only the submitted ones are looked up with `GET /v1/devices/<id>`. Their communities are admitted
 * first (see {@link admitSimCommunities}). A device of `namedOwners` (else of `demoOwner`) is registered
 * as that account's, in its community. Refuses with `SIM_REGION_MISSING` when a province is not a
 * region of the node. Answers how many it registered.
 */
export async function registerSimDevices(
  api: NodeApi,
  scenario: Scenario,
  state: SimState,
  save: () => Promise<void>,
  signal?: AbortSignal,
  log?: (message: string) => void,
  demoOwner?: DemoOwner,
  namedOwners?: NamedOwners,
): Promise<number> {
  const owned = demoOwnedDevices(scenario.devices, demoOwner);
  const ownerOf = (name: string) => namedOwners?.get(name) ?? (owned.has(name) ? demoOwner : undefined);
  const request = (d: { device: SimDevice; meter: SimMeter }, communities: ReadonlySet<string>) =>
    deviceRequestOf(d.device, d.meter, communities, ownerOf(d.device.name));
  const codes = [...new Set(scenario.devices.map((d) => d.province.code))];
  for (const code of codes) {
    try {
      await api.client.GET("/v1/regions/{region}", { params: { path: { region: code } } });
    } catch (error) {
      if (!isBaseError(error, "REGISTRY_REGION_NOT_FOUND")) throw error;
      throw new BaseError(
        "SIM_REGION_MISSING",
        `region ${code} is not registered on the node; start the node with --demo, or add it with "gridledger region add"`,
        { details: { region: code }, cause: error },
      );
    }
  }

  const todo: { device: SimDevice; meter: SimMeter }[] = [];
  for (const device of scenario.devices) {
    const meter = state.meters.get(device.name);
    if (!meter || meter.registration === "registered") continue;
    if (meter.registration === "submitted" && (await isRegistered(api, meter))) {
      meter.registration = "registered";
      continue;
    }
    todo.push({ device, meter });
  }
  const communityNames = [
    ...new Set(todo.flatMap(({ device }) => (device.community ? [device.community] : []))),
  ];
  const communities =
    todo.length > 0 ? await admitSimCommunities(api, communityNames, log) : new Set<string>();
  for (let i = 0; i < todo.length; i += requestBatch) {
    signal?.throwIfAborted();
    const batch = todo.slice(i, i + requestBatch);
    for (const { meter } of batch) meter.registration = "submitted";
    await save();
    try {
      await api.client.POST("/v1/devices", { body: { devices: batch.map((d) => request(d, communities)) } });
      for (const { meter } of batch) meter.registration = "registered";
    } catch (error) {
      if (!isBaseError(error, "REGISTRY_DEVICE_EXISTS")) throw error;
      // Some were registered after all (a request that timed out but went through): sort out which.
      const missing: typeof batch = [];
      for (const entry of batch) {
        if (await isRegistered(api, entry.meter)) entry.meter.registration = "registered";
        else missing.push(entry);
      }
      if (missing.length > 0) {
        await api.client.POST("/v1/devices", {
          body: { devices: missing.map((d) => request(d, communities)) },
        });
        for (const { meter } of missing) meter.registration = "registered";
      }
    }
    await save();
  }
  if (todo.length > 0) {
    const ids = new Set(todo.map(({ meter }) => meter.key.deviceId.toLowerCase()));
    await approveSimDevices(api, codes, ids, log);
  }
  const last = todo.at(-1);
  // The device routes bring the node's registry index up to the chain first: once the last device
  // shows, the node knows all of them and will not refuse their readings as unknown.
  if (last) await isRegistered(api, last.meter);
  return todo.length;
}
