import { getAddress } from "viem";
import { type DeviceReach, deviceCondition } from "../auth/access.js";
import { assertCleanText, escapeLike } from "../core/text.js";
import type { Queryable } from "../db/database.js";
import { decodeDeviceKind, decodeDeviceStatus, decodeEnergySource, decodeScheme } from "./deviceTypes.js";
import { decodeRoles } from "./roles.js";

/** An organisation of the consortium, as the API shows it. */
export type OrganisationView = {
  address: string;
  name: string;
  roles: string[];
  seat: boolean;
  active: boolean;
};

/** A region, as the API shows it. */
export type RegionView = {
  code: string;
  regionId: string;
  nameZh: string;
  nameEn: string;
  operator: string;
  intervalSeconds: number;
};

/** A registered device, as the API shows it. */
export type DeviceView = {
  deviceId: string;
  scheme: string;
  publicKey: string;
  owner: string;
  region: string | null;
  regionId: string;
  kind: string;
  source: string;
  capacityW: string;
  status: string;
  community: string | null;
  /** Who set the current suspension (the owner, or the region's operator); null unless suspended. */
  suspendedBy: string | null;
};

type OrganisationRow = { address: string; name: string; roles: number; seat: boolean; active: boolean };
type RegionRow = {
  region_id: string;
  code: string;
  name_zh: string;
  name_en: string;
  operator: string;
  interval_seconds: number;
};
type DeviceRow = {
  device_id: string;
  scheme: number;
  public_key: string;
  owner: string;
  region_id: string;
  code: string | null;
  kind: number;
  source: number;
  capacity_w: string;
  status: number;
  community: string | null;
  suspended_by: string | null;
};

const organisationView = (r: OrganisationRow): OrganisationView => ({
  address: getAddress(r.address),
  name: r.name,
  roles: decodeRoles(r.roles),
  seat: r.seat,
  active: r.active,
});

const regionView = (r: RegionRow): RegionView => ({
  code: r.code,
  regionId: r.region_id,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  operator: getAddress(r.operator),
  intervalSeconds: r.interval_seconds,
});

const deviceView = (r: DeviceRow): DeviceView => ({
  deviceId: r.device_id,
  scheme: decodeScheme(r.scheme),
  publicKey: r.public_key,
  owner: getAddress(r.owner),
  region: r.code,
  regionId: r.region_id,
  kind: decodeDeviceKind(r.kind),
  source: decodeEnergySource(r.source),
  capacityW: String(r.capacity_w),
  status: decodeDeviceStatus(r.status),
  community: r.community && getAddress(r.community),
  suspendedBy: r.suspended_by && getAddress(r.suspended_by),
});

/** Filters for listing devices. */
export type DeviceFilter = {
  regionId?: string | undefined;
  owner?: string | undefined;
  community?: string | undefined;
  /** On-chain status value (see deviceStatuses). */
  status?: number | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  /** Only the devices inside this reach (src/auth/access.ts); all when absent. */
  reach?: DeviceReach | undefined;
};

/** Reads of the registry mirror that the indexer keeps in the database (see registryIndexer.ts). */
export function createRegistryStore(db: Queryable) {
  const deviceSelect = `select d.*, r.code from devices d left join regions r on r.region_id = d.region_id`;
  return {
    async listOrganisations(options: { includeInactive?: boolean } = {}): Promise<OrganisationView[]> {
      const { rows } = await db.query<OrganisationRow>(
        `select address, name, roles, seat, active from organisations ${options.includeInactive ? "" : "where active"} order by admitted_block, address`,
      );
      return rows.map(organisationView);
    },

    async getOrganisation(address: string): Promise<OrganisationView | undefined> {
      assertCleanText(address, "address");
      const { rows } = await db.query<OrganisationRow>(
        "select address, name, roles, seat, active from organisations where address = $1",
        [address.toLowerCase()],
      );
      return rows[0] && organisationView(rows[0]);
    },

    /**
     * Regions whose code or Chinese or English name contains `search` (case-insensitive, `%` and `_`
     * match themselves); all without it. Refuses a search with control characters (`TEXT_INVALID`).
     */
    async listRegions(search?: string): Promise<RegionView[]> {
      const q = search === undefined ? undefined : assertCleanText(search, "search").trim();
      const { rows } = q
        ? await db.query<RegionRow>(
            `select * from regions where lower(code) like $1 escape '\\' or lower(name_en) like $1 escape '\\'
               or name_zh like $2 escape '\\' order by code`,
            [`%${escapeLike(q.toLowerCase())}%`, `%${escapeLike(q)}%`],
          )
        : await db.query<RegionRow>("select * from regions order by code");
      return rows.map(regionView);
    },

    /** A region by its code (any case) or its 0x regionId. */
    async getRegion(codeOrId: string): Promise<RegionView | undefined> {
      assertCleanText(codeOrId, "region");
      const { rows } = await db.query<RegionRow>("select * from regions where code = $1 or region_id = $2", [
        codeOrId.toUpperCase(),
        codeOrId.toLowerCase(),
      ]);
      return rows[0] && regionView(rows[0]);
    },

    async listDevices(filter: DeviceFilter = {}): Promise<{ devices: DeviceView[]; total: number }> {
      const where: string[] = [];
      const params: unknown[] = [];
      for (const [column, value] of [
        ["d.region_id", filter.regionId],
        ["d.owner", filter.owner],
        ["d.community", filter.community],
      ] as const) {
        if (value === undefined) continue;
        params.push(assertCleanText(value, column.slice(2)).toLowerCase());
        where.push(`${column} = $${params.length}`);
      }
      if (filter.status !== undefined) {
        params.push(filter.status);
        where.push(`d.status = $${params.length}`);
      }
      if (filter.reach && !filter.reach.all) {
        where.push(
          deviceCondition(filter.reach, (value) => {
            params.push(value);
            return `$${params.length}`;
          }),
        );
      }
      const clause = where.length ? `where ${where.join(" and ")}` : "";
      const count = await db.query<{ n: string }>(
        `select count(*)::text as n from devices d ${clause}`,
        params,
      );
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
      const { rows } = await db.query<DeviceRow>(
        `${deviceSelect} ${clause} order by d.registered_block, d.device_id limit ${limit} offset ${Math.max(filter.offset ?? 0, 0)}`,
        params,
      );
      return { devices: rows.map(deviceView), total: Number(count.rows[0]?.n ?? 0) };
    },

    /** Which of these device ids are registered already (one query, however many ids). */
    async registeredDeviceIds(deviceIds: string[]): Promise<Set<string>> {
      const { rows } = await db.query<{ device_id: string }>(
        "select device_id from devices where device_id = any($1::text[])",
        [deviceIds.map((id) => id.toLowerCase())],
      );
      return new Set(rows.map((r) => r.device_id));
    },

    async getDevice(deviceId: string): Promise<DeviceView | undefined> {
      const { rows } = await db.query<DeviceRow>(`${deviceSelect} where d.device_id = $1`, [
        deviceId.toLowerCase(),
      ]);
      return rows[0] && deviceView(rows[0]);
    },
  };
}

/** The registry reads of a node. */
export type RegistryStore = ReturnType<typeof createRegistryStore>;
