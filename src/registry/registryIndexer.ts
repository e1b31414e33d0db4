import {
  type Address,
  type Chain,
  type ContractEventName,
  type PublicClient,
  parseAbiItem,
  type Transport,
} from "viem";
import { accountsHandler } from "../auth/accountsMirror.js";
import { consortiumAbi, registryAbi } from "../chain/artifacts/index.js";
import {
  createEventIndexer,
  eachLog,
  type IndexedLog,
  type IndexerHandler,
} from "../chain/indexer/eventIndexer.js";
import { sanitiseText } from "../core/text.js";
import type { Database, Queryable } from "../db/database.js";
import type { GridHooks, Incident } from "../hooks/gridHooks.js";
import { deviceStatuses } from "./deviceTypes.js";

/**
 * `DeviceRegistered` as Registries deployed before device approval emit it (no `status`: every device
 * was active at once), so a node on an older deployment still indexes its devices.
 */
const legacyDeviceRegistered = parseAbiItem(
  "event DeviceRegistered(bytes32 indexed deviceId, address indexed owner, bytes32 indexed regionId, uint8 scheme, uint8 kind, uint8 source, uint64 capacityW, address community, bytes publicKey)",
);
const indexedAbi = [...consortiumAbi, ...registryAbi, legacyDeviceRegistered];
const syncName = "registry";

type DecodedLog = IndexedLog<typeof indexedAbi>;
type LogOf<E extends ContractEventName<typeof indexedAbi>> = IndexedLog<typeof indexedAbi, E>;

/**
 * Mirrors the on-chain registry (organisations, regions, devices) into the database by following
 * the Consortium and Registry events from the deployment block on (ponder's sync/store split), and,
 * when given, the Accounts contract's role bindings and access-log anchors (src/auth/accountsMirror.ts).
 * Both are handlers of one event indexer (src/chain/indexer/), each with its own cursor in `sync_state`
 * ("registry", "accounts"), so a node that learns of an Accounts contract deployed after the registry
 * cursor passed it still replays its events from the deployment block, and a failure of one does not
 * hold back the other. `sync()` brings the mirror up to the chain's latest block (less `confirmations`)
 * and is safe to call concurrently.
 */
export function createRegistryIndexer(options: {
  db: Database;
  publicClient: PublicClient<Transport, Chain>;
  contracts: { Consortium: Address; Registry: Address; Accounts?: Address };
  fromBlock: bigint;
  /** Blocks held back from the head (0: instant finality, the default). */
  confirmations?: number;
  /** Where the `chain_text_sanitised` incidents go (analytics records them as alerts). */
  hooks: Pick<GridHooks, "incidents">;
}) {
  const { contracts } = options;
  const indexer = createEventIndexer({
    db: options.db,
    publicClient: options.publicClient,
    confirmations: options.confirmations,
  });
  indexer.register(registryHandler(contracts, options.fromBlock, options.hooks));
  indexer.register(accountsHandler(contracts.Accounts, options.fromBlock));
  return {
    /**
     * Indexes every block up to the chain's latest (less confirmations) as of this call; returns that
     * block number. Runs one at a time: a call made while a run is under way waits for the next run
     * (shared by all such calls), so a write's block is always indexed when the sync called after it returns.
     */
    sync: (): Promise<bigint> => indexer.sync(),
    /** The last block the registry mirror holds. */
    syncedBlock: (): Promise<bigint> => indexer.cursor(syncName),
    /** The event indexer, for other modules' handlers (registered before the next sync). */
    events: indexer,
  };
}

/**
 * The registry's handler: one function per Consortium and Registry event, in chain order. Text it had
 * to sanitise is published as `chain_text_sanitised` incidents on `hooks`, in the indexing transaction.
 */
export function registryHandler(
  contracts: { Consortium: Address; Registry: Address },
  fromBlock: bigint,
  hooks: Pick<GridHooks, "incidents">,
): IndexerHandler<typeof indexedAbi> {
  const names: ContractNames = new Map([
    [lower(contracts.Consortium), "Consortium"],
    [lower(contracts.Registry), "Registry"],
  ]);
  const incidents: Incident[] = [];
  const clean = textCleaner(names, incidents);
  const organisation = (tx: Queryable, logs: LogOf<"MemberAdmitted">[]) =>
    eachLog(logs, (log) =>
      tx.query(
        `insert into organisations (address, name, roles, seat, active, admitted_block) values ($1, $2, $3, $4, true, $5)
         on conflict (address) do update set name = excluded.name, roles = excluded.roles, seat = excluded.seat,
           active = true, admitted_block = excluded.admitted_block`,
        [
          lower(log.args.org),
          clean(log, "name", log.args.name),
          Number(log.args.roles),
          log.args.seat,
          block(log),
        ],
      ),
    );
  const role = (grant: boolean) => (tx: Queryable, logs: LogOf<"RoleGranted" | "RoleRevoked">[]) =>
    eachLog(logs, (log) =>
      tx.query(
        `update organisations set roles = ${grant ? "roles | $2" : "roles & ~$2::integer"} where address = $1`,
        [lower(log.args.org), Number(log.args.role)],
      ),
    );
  return {
    name: syncName,
    abi: indexedAbi,
    address: [contracts.Consortium, contracts.Registry],
    fromBlock,
    on: {
      MemberAdmitted: organisation,
      MemberRemoved: (tx, logs) =>
        eachLog(logs, (log) =>
          tx.query("update organisations set active = false, seat = false where address = $1", [
            lower(log.args.org),
          ]),
        ),
      RoleGranted: role(true),
      RoleRevoked: role(false),
      RegionApproved: (tx, logs) =>
        eachLog(logs, (log) => {
          const a = log.args;
          const regionId = lower(a.regionId);
          return tx.query(
            `insert into regions (region_id, code, name_zh, name_en, operator, interval_seconds, approved_block)
             values ($1, $2, $3, $4, $5, $6, $7)
             on conflict (region_id) do update set name_zh = excluded.name_zh, name_en = excluded.name_en,
               operator = excluded.operator, interval_seconds = excluded.interval_seconds`,
            [
              regionId,
              clean(log, "code", a.code, regionId),
              clean(log, "nameZh", a.nameZh, regionId),
              clean(log, "nameEn", a.nameEn, regionId),
              lower(a.operator),
              a.intervalSeconds,
              block(log),
            ],
          );
        }),
      RegionUpdated: (tx, logs) =>
        eachLog(logs, (log) => {
          const regionId = lower(log.args.regionId);
          return tx.query(
            "update regions set name_zh = $2, name_en = $3, operator = $4 where region_id = $1",
            [
              regionId,
              clean(log, "nameZh", log.args.nameZh, regionId),
              clean(log, "nameEn", log.args.nameEn, regionId),
              lower(log.args.operator),
            ],
          );
        }),
      DeviceRegistered: (tx, logs) => insertDevices(tx, logs),
      DeviceStatusChanged: (tx, logs) =>
        eachLog(logs, (log) => {
          const status = Number(log.args.status);
          return tx.query("update devices set status = $2, suspended_by = $3 where device_id = $1", [
            lower(log.args.deviceId),
            status,
            status === deviceStatuses.suspended ? lower(log.args.by) : null,
          ]);
        }),
    },
    async after(tx) {
      if (incidents.length > 0) await hooks.incidents.run(tx, incidents.splice(0));
    },
  };
}

const block = (log: { blockNumber: bigint }) => log.blockNumber.toString();

/** The registry indexer of a node. */
export type RegistryIndexer = ReturnType<typeof createRegistryIndexer>;

const lower = (value: string) => value.toLowerCase();

/** Names of the indexed contracts by address, for alerts that name where a value came from. */
type ContractNames = Map<string, string>;

/**
 * Text of a chain event made storable: any member can write any string on chain (NUL, other control
 * characters, even invalid UTF-8, which viem decodes to U+FFFD). What PostgreSQL cannot hold or what
 * would print misleadingly is replaced by U+FFFD and a `chain_text_sanitised` alert names the contract,
 * event, field and block, so one odd name never stops the node.
 */
function textCleaner(names: ContractNames, incidents: Incident[]) {
  return (log: DecodedLog, field: string, value: unknown, regionId?: string): string => {
    const raw = String(value ?? "");
    const { text, changed } = sanitiseText(raw);
    if (changed || raw.includes("\ufffd")) {
      const contract = names.get(lower(log.address)) ?? log.address;
      const block = log.blockNumber.toString();
      incidents.push({
        kind: "chain_text_sanitised",
        severity: "warning",
        regionId,
        message:
          `The ${field} of ${log.eventName} (${contract}, block ${block}) held text the node cannot store as ` +
          `it is (a control character, NUL or invalid UTF-8); it is stored as "${text}" with U+FFFD in place of each.`,
        evidence: {
          contract,
          event: log.eventName,
          field,
          blockNumber: block,
          txHash: log.transactionHash,
          logIndex: log.logIndex,
          stored: text,
        },
        dedupeKey: `chain_text_sanitised:${log.transactionHash}:${log.logIndex}:${field}`,
      });
    }
    return text;
  };
}

/** Set-based insert of a run of DeviceRegistered events (a batch registration emits hundreds). */
async function insertDevices(tx: Queryable, logs: LogOf<"DeviceRegistered">[]): Promise<void> {
  const cols = {
    id: [] as string[],
    scheme: [] as number[],
    key: [] as string[],
    owner: [] as string[],
    region: [] as string[],
    kind: [] as number[],
    source: [] as number[],
    capacity: [] as string[],
    community: [] as (string | null)[],
    block: [] as string[],
    status: [] as number[],
  };
  for (const log of logs) {
    const a = log.args as Record<string, unknown>;
    const community = lower(a.community as string);
    cols.id.push(lower(a.deviceId as string));
    cols.scheme.push(Number(a.scheme));
    cols.key.push(lower(a.publicKey as string));
    cols.owner.push(lower(a.owner as string));
    cols.region.push(lower(a.regionId as string));
    cols.kind.push(Number(a.kind));
    cols.source.push(Number(a.source));
    cols.capacity.push(String(a.capacityW));
    cols.community.push(/^0x0{40}$/.test(community) ? null : community);
    cols.block.push(log.blockNumber.toString());
    cols.status.push(a.status === undefined ? deviceStatuses.active : Number(a.status));
  }
  await tx.query(
    `insert into devices (device_id, scheme, public_key, owner, region_id, kind, source, capacity_w, status, community, registered_block)
     select id, scheme, key, owner, region, kind, source, capacity, status, community, block
     from unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::smallint[],
                 $8::bigint[], $9::text[], $10::bigint[], $11::smallint[])
       as t(id, scheme, key, owner, region, kind, source, capacity, community, block, status)
     on conflict (device_id) do nothing`,
    [
      cols.id,
      cols.scheme,
      cols.key,
      cols.owner,
      cols.region,
      cols.kind,
      cols.source,
      cols.capacity,
      cols.community,
      cols.block,
      cols.status,
    ],
  );
}
