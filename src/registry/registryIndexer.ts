import { type Address, type Chain, type Log, type PublicClient, parseAbiItem, type Transport } from "viem";
import { type AlertInput, insertAlerts } from "../analytics/alertStore.js";
import { type AccountsLog, accountsEvents, applyAccountsLogs } from "../auth/accountsMirror.js";
import { consortiumAbi, registryAbi } from "../chain/artifacts/index.js";
import { sanitiseText } from "../core/text.js";
import type { Database, Queryable } from "../db/database.js";
import { deviceStatuses } from "./deviceTypes.js";

/** Blocks asked for in one `eth_getLogs` call; public endpoints commonly cap a range near this. */
const blockRange = 2_000n;
/**
 * `DeviceRegistered` as Registries deployed before device approval emit it (no `status`: every device
 * was active at once), so a node on an older deployment still indexes its devices.
 */
const legacyDeviceRegistered = parseAbiItem(
  "event DeviceRegistered(bytes32 indexed deviceId, address indexed owner, bytes32 indexed regionId, uint8 scheme, uint8 kind, uint8 source, uint64 capacityW, address community, bytes publicKey)",
);
const indexedAbi = [...consortiumAbi, ...registryAbi, legacyDeviceRegistered];
const syncName = "registry";

type DecodedLog = Log<bigint, number, false, undefined, true, typeof indexedAbi>;

/**
 * Mirrors the on-chain registry (organisations, regions, devices) into the database by following
 * the Consortium and Registry events from the deployment block on (ponder's sync/store split), and,
 * when given, the Accounts contract's role bindings and access-log anchors (src/auth/accountsMirror.ts).
 * Accounts has its own cursor (`sync_state` "accounts"), so a node that learns of an Accounts contract
 * deployed after the registry cursor passed it still replays its events from the deployment block.
 * `sync()` brings the mirror up to the chain's latest block and is safe to call concurrently.
 * Reorgs are not handled: the embedded chain and QBFT networks have instant finality.
 */
export function createRegistryIndexer(options: {
  db: Database;
  publicClient: PublicClient<Transport, Chain>;
  contracts: { Consortium: Address; Registry: Address; Accounts?: Address };
  fromBlock: bigint;
}) {
  const { db, publicClient, contracts } = options;
  const names: ContractNames = new Map([
    [lower(contracts.Consortium), "Consortium"],
    [lower(contracts.Registry), "Registry"],
  ]);
  let running: Promise<bigint> | undefined;
  let queued: Promise<bigint> | undefined;

  async function cursorOf(name: string): Promise<bigint> {
    const { rows } = await db.query<{ block_number: string }>(
      "select block_number::text from sync_state where name = $1",
      [name],
    );
    return rows[0] ? BigInt(rows[0].block_number) : options.fromBlock - 1n;
  }

  const syncedBlock = () => cursorOf(syncName);

  /** Follows one cursor up to `latest`, a range of blocks per transaction. */
  async function follow(
    name: string,
    latest: bigint,
    fetch: (from: bigint, to: bigint) => Promise<unknown[]>,
    apply: (tx: Queryable, logs: unknown[]) => Promise<void>,
  ): Promise<void> {
    let from = (await cursorOf(name)) + 1n;
    while (from <= latest) {
      const to = from + blockRange - 1n < latest ? from + blockRange - 1n : latest;
      const logs = await fetch(from, to);
      await db.transaction(async (tx) => {
        await apply(tx, logs);
        await tx.query(
          `insert into sync_state (name, block_number) values ($1, $2)
           on conflict (name) do update set block_number = excluded.block_number`,
          [name, to.toString()],
        );
      });
      from = to + 1n;
    }
  }

  async function syncOnce(): Promise<bigint> {
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    await follow(
      syncName,
      latest,
      (fromBlock, toBlock) =>
        publicClient.getLogs({
          address: [contracts.Consortium, contracts.Registry],
          events: indexedAbi.filter((item) => item.type === "event"),
          fromBlock,
          toBlock,
          strict: true,
        }),
      (tx, logs) => applyLogs(tx, logs as DecodedLog[], names),
    );
    const accounts = contracts.Accounts;
    if (accounts) {
      await follow(
        "accounts",
        latest,
        (fromBlock, toBlock) =>
          publicClient.getLogs({
            address: accounts,
            events: accountsEvents,
            fromBlock,
            toBlock,
            strict: true,
          }),
        (tx, logs) => applyAccountsLogs(tx, logs as AccountsLog[]),
      );
    }
    return latest;
  }

  function start(): Promise<bigint> {
    running = syncOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    /**
     * Indexes every block up to the chain's latest as of this call; returns that block number. Runs one
     * at a time: a call made while a run is under way waits for the next run (shared by all such calls),
     * so a write's block is always indexed when the sync called after it returns.
     */
    sync(): Promise<bigint> {
      if (queued) return queued;
      if (!running) return start();
      queued = running
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return start();
        });
      return queued;
    },
    syncedBlock,
  };
}

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
function textCleaner(names: ContractNames, alerts: AlertInput[]) {
  return (log: DecodedLog, field: string, value: unknown, regionId?: string): string => {
    const raw = String(value ?? "");
    const { text, changed } = sanitiseText(raw);
    if (changed || raw.includes("\ufffd")) {
      const contract = names.get(lower(log.address)) ?? log.address;
      const block = log.blockNumber.toString();
      alerts.push({
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

async function applyLogs(tx: Queryable, logs: DecodedLog[], names: ContractNames): Promise<void> {
  const alerts: AlertInput[] = [];
  const clean = textCleaner(names, alerts);
  const devices: DecodedLog[] = [];
  const flushDevices = async () => {
    if (devices.length > 0) await insertDevices(tx, devices.splice(0));
  };
  for (const log of logs) {
    if (log.eventName === "DeviceRegistered") {
      devices.push(log);
      continue;
    }
    await flushDevices();
    const block = log.blockNumber.toString();
    const a = log.args as Record<string, unknown>;
    switch (log.eventName) {
      case "MemberAdmitted":
        await tx.query(
          `insert into organisations (address, name, roles, seat, active, admitted_block) values ($1, $2, $3, $4, true, $5)
           on conflict (address) do update set name = excluded.name, roles = excluded.roles, seat = excluded.seat,
             active = true, admitted_block = excluded.admitted_block`,
          [lower(a.org as string), clean(log, "name", a.name), Number(a.roles), a.seat, block],
        );
        break;
      case "MemberRemoved":
        await tx.query("update organisations set active = false, seat = false where address = $1", [
          lower(a.org as string),
        ]);
        break;
      case "RoleGranted":
      case "RoleRevoked":
        await tx.query(
          `update organisations set roles = ${log.eventName === "RoleGranted" ? "roles | $2" : "roles & ~$2::integer"} where address = $1`,
          [lower(a.org as string), Number(a.role)],
        );
        break;
      case "RegionApproved": {
        const regionId = lower(a.regionId as string);
        await tx.query(
          `insert into regions (region_id, code, name_zh, name_en, operator, interval_seconds, approved_block)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (region_id) do update set name_zh = excluded.name_zh, name_en = excluded.name_en,
             operator = excluded.operator, interval_seconds = excluded.interval_seconds`,
          [
            regionId,
            clean(log, "code", a.code, regionId),
            clean(log, "nameZh", a.nameZh, regionId),
            clean(log, "nameEn", a.nameEn, regionId),
            lower(a.operator as string),
            a.intervalSeconds,
            block,
          ],
        );
        break;
      }
      case "RegionUpdated": {
        const regionId = lower(a.regionId as string);
        await tx.query("update regions set name_zh = $2, name_en = $3, operator = $4 where region_id = $1", [
          regionId,
          clean(log, "nameZh", a.nameZh, regionId),
          clean(log, "nameEn", a.nameEn, regionId),
          lower(a.operator as string),
        ]);
        break;
      }
      case "DeviceStatusChanged": {
        const status = Number(a.status);
        await tx.query("update devices set status = $2, suspended_by = $3 where device_id = $1", [
          lower(a.deviceId as string),
          status,
          status === deviceStatuses.suspended ? lower(a.by as string) : null,
        ]);
        break;
      }
      default:
        break;
    }
  }
  await flushDevices();
  if (alerts.length > 0) await insertAlerts(tx, alerts);
}

/** Set-based insert of a run of DeviceRegistered events (a batch registration emits hundreds). */
async function insertDevices(tx: Queryable, logs: DecodedLog[]): Promise<void> {
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
