import type { Queryable } from "../db/database.js";
import { type Action, reachOf } from "./permissions.js";
import type { Principal } from "./principal.js";

/**
 * Which devices a principal reaches for one action (src/auth/permissions.ts): `all` for a role whose
 * reach is `all` or `purpose` (admin, regulator with a stated purpose, auditor); otherwise the union
 * of its scoped bindings:
 * - prosumer: devices it owns (`owner` = its address), inside its community when the binding names one;
 * - community operator: devices whose `community` is its community;
 * - region operator, grid operator, collector: devices of its regions (by region code).
 * Anonymous and device principals reach no device through a read action. A scoped binding whose
 * scope is not of its role's kind reaches nothing (fail closed).
 */
export type DeviceReach =
  | { all: true }
  | {
      all: false;
      owned: { owner: string; community: string | null }[];
      communities: string[];
      regions: string[];
    };

/** A device as scoping needs it: owner and community addresses, region code. */
export type DeviceScopeFields = { owner: string; community: string | null; region: string | null };

const regionRoles = new Set(["region-operator", "grid-operator", "collector"]);

/** How far `principal` reaches over devices for `action` (see {@link DeviceReach}). */
export function deviceReach(principal: Principal, action: Action): DeviceReach {
  const reach: DeviceReach = { all: false, owned: [], communities: [], regions: [] };
  if (principal.kind !== "account" && principal.kind !== "api-key") return reach;
  for (const { role, scope } of principal.bindings) {
    const how = reachOf(action, role);
    if (how === undefined) continue;
    if (how === "all" || how === "purpose") return { all: true };
    if (role === "prosumer") {
      if (principal.account === undefined || scope.kind === "region") continue;
      reach.owned.push({
        owner: principal.account.toLowerCase(),
        community: scope.kind === "community" ? scope.community.toLowerCase() : null,
      });
    } else if (role === "community-operator" && scope.kind === "community") {
      reach.communities.push(scope.community.toLowerCase());
    } else if (regionRoles.has(role) && scope.kind === "region") {
      reach.regions.push(scope.region.toUpperCase());
    }
  }
  return reach;
}

/** True when the principal reaches no device at all for the action. */
export function reachesNothing(reach: DeviceReach): boolean {
  return !reach.all && !reach.owned.length && !reach.communities.length && !reach.regions.length;
}

/** Whether `device` is inside the principal's reach for `action` (single objects: outside → 404). */
export function canSeeDevice(principal: Principal, action: Action, device: DeviceScopeFields): boolean {
  return deviceInReach(deviceReach(principal, action), device);
}

/** Whether `device` is inside `reach`. */
export function deviceInReach(reach: DeviceReach, device: DeviceScopeFields): boolean {
  if (reach.all) return true;
  const owner = device.owner.toLowerCase();
  const community = device.community?.toLowerCase() ?? null;
  if (reach.owned.some((o) => o.owner === owner && (o.community === null || o.community === community))) {
    return true;
  }
  if (community !== null && reach.communities.includes(community)) return true;
  return device.region !== null && reach.regions.includes(device.region.toUpperCase());
}

/** Column names of the devices table (or a join) a condition is written over. */
export type DeviceColumns = { owner: string; community: string; regionId: string };

/**
 * A SQL condition over a devices row (`d.owner`, `d.community`, `d.region_id` by default) that is true
 * exactly for the devices inside `reach`; `param(value)` appends a parameter and returns its
 * placeholder (`$n`), so the condition joins any query's own parameters. `true` for all, `false` for
 * none.
 */
export function deviceCondition(
  reach: DeviceReach,
  param: (value: unknown) => string,
  columns: DeviceColumns = { owner: "d.owner", community: "d.community", regionId: "d.region_id" },
): string {
  if (reach.all) return "true";
  const parts: string[] = [];
  for (const { owner, community } of reach.owned) {
    parts.push(
      community === null
        ? `${columns.owner} = ${param(owner)}`
        : `(${columns.owner} = ${param(owner)} and ${columns.community} = ${param(community)})`,
    );
  }
  if (reach.communities.length) parts.push(`${columns.community} = any(${param(reach.communities)}::text[])`);
  if (reach.regions.length) parts.push(regionCondition(reach.regions, param, columns.regionId));
  return parts.length ? `(${parts.join(" or ")})` : "false";
}

function regionCondition(codes: string[], param: (value: unknown) => string, column: string): string {
  return `${column} in (select region_id from regions where code = any(${param(codes)}::text[]))`;
}

/**
 * `deviceFilter(principal, action)`: the condition of {@link deviceCondition} with its own parameters,
 * numbered from `firstParam` (default 1), for narrowing a list of devices.
 */
export function deviceFilter(
  principal: Principal,
  action: Action,
  options: { firstParam?: number; columns?: DeviceColumns } = {},
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const first = options.firstParam ?? 1;
  const sql = deviceCondition(
    deviceReach(principal, action),
    (value) => {
      params.push(value);
      return `$${first + params.length - 1}`;
    },
    options.columns,
  );
  return { sql, params };
}

/**
 * A SQL condition over an alerts row `a` inside `reach`: alerts about a device in reach, and alerts
 * about a whole region (no device) for the region-scoped roles of that region.
 */
export function alertCondition(reach: DeviceReach, param: (value: unknown) => string): string {
  if (reach.all) return "true";
  const devices = deviceCondition(reach, param);
  const parts = [
    `(a.device_id is not null and a.device_id in (select d.device_id from devices d where ${devices}))`,
  ];
  if (reach.regions.length)
    parts.push(`(a.device_id is null and ${regionCondition(reach.regions, param, "a.region_id")})`);
  return `(${parts.join(" or ")})`;
}

/** Loads a device's scoping fields (owner, community, region code); undefined when it is unknown. */
export async function deviceScopeFields(
  db: Queryable,
  deviceId: string,
): Promise<DeviceScopeFields | undefined> {
  const { rows } = await db.query<{ owner: string; community: string | null; code: string | null }>(
    `select d.owner, d.community, r.code from devices d left join regions r on r.region_id = d.region_id
      where d.device_id = $1`,
    [deviceId.toLowerCase()],
  );
  const row = rows[0];
  return row && { owner: row.owner, community: row.community, region: row.code };
}

/**
 * Whether the principal may see the device `deviceId` for `action`; an unknown device is not visible.
 * Handlers answer an invisible device exactly as a missing one (same code, 404), so nothing leaks.
 */
export async function deviceVisible(
  db: Queryable,
  principal: Principal,
  action: Action,
  deviceId: string,
): Promise<boolean> {
  const reach = deviceReach(principal, action);
  if (reach.all) return true;
  if (reachesNothing(reach)) return false;
  const device = await deviceScopeFields(db, deviceId);
  return device !== undefined && deviceInReach(reach, device);
}

/**
 * Whether the principal may see the profile of `subject` (an owner's address) for `action`
 * (profiles.read / profiles.write): all-reach roles any; a prosumer its own address; a region
 * operator the owners of devices in its regions; a community operator the owners of its members'
 * devices (only where the table gives it the action).
 */
export async function profileVisible(
  db: Queryable,
  principal: Principal,
  action: Action,
  subject: string,
): Promise<boolean> {
  const reach = deviceReach(principal, action);
  if (reach.all) return true;
  const who = subject.toLowerCase();
  if (reach.owned.some((o) => o.owner === who)) return true;
  if (!reach.communities.length && !reach.regions.length) return false;
  const params: unknown[] = [who];
  const condition = deviceCondition({ ...reach, owned: [] }, (value) => {
    params.push(value);
    return `$${params.length}`;
  });
  const { rows } = await db.query(
    `select 1 from devices d where d.owner = $1 and ${condition} limit 1`,
    params,
  );
  return rows.length > 0;
}

/**
 * Whether an alert is inside the principal's reach for `action`: an alert about a device when the
 * device is; an alert about a whole region (no device) for the region-scoped roles of that region.
 */
export async function alertVisible(
  db: Queryable,
  principal: Principal,
  action: Action,
  alert: { deviceId: string | null; region: string | null },
): Promise<boolean> {
  const reach = deviceReach(principal, action);
  if (reach.all) return true;
  if (alert.deviceId !== null) return deviceVisible(db, principal, action, alert.deviceId);
  return alert.region !== null && reach.regions.includes(alert.region.toUpperCase());
}

/**
 * The region codes `principal` reaches for a region-level action (audit, batches): undefined when it
 * reaches every region, else the regions of its region-scoped bindings (possibly none).
 */
export function regionsInReach(principal: Principal, action: Action): string[] | undefined {
  const reach = deviceReach(principal, action);
  return reach.all ? undefined : reach.regions;
}

/**
 * The regions a region-level request covers: those asked for (all when none), narrowed to the
 * principal's reach. An empty list means none; undefined means every region.
 */
export function regionsAsked(
  principal: Principal,
  action: Action,
  asked: readonly string[] | undefined,
): string[] | undefined {
  const reach = regionsInReach(principal, action);
  if (reach === undefined) return asked?.length ? [...asked] : undefined;
  if (!asked?.length) return reach;
  return asked.filter((code) => reach.includes(code.toUpperCase()));
}
