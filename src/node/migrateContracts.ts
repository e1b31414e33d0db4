import { type Address, type Hex, isAddressEqual, zeroAddress } from "viem";
import { contractSpec } from "../chain/manifest.js";
import type { NodeConfig } from "../core/config.js";
import { BaseError } from "../core/errors.js";
import { type EncodedCall, encodeProposalCall } from "../governance/proposalForms.js";
import type { DeviceInput } from "../registry/registryClient.js";
import { readNodeState, writeNodeState } from "./nodeState.js";
import { oldAccountsAbi, oldConsortiumAbi, oldRegistryAbi } from "./oldLayout.js";
import { type NodeContext, openNode } from "./openNode.js";

/** What `gridledger migrate` copied into the new contracts, and what it left behind. */
export type MigrationReport = {
  migrated: boolean;
  consortium: Address | null;
  previousConsortium: Address | null;
  members: number;
  regions: number;
  devices: number;
  /** Devices of regions another member operates: their operator registers them again. */
  devicesLeft: number;
  bindings: number;
  /** Account bindings another organisation granted: that organisation grants them again. */
  bindingsLeft: number;
  /** Stored batches marked for anchoring again on the new MeterAnchor (their roots are unchanged). */
  batchesToAnchor: number;
};

/** Device statuses of the Registry (1 active, 2 suspended, 3 retired, 4 pending). */
const suspendedOrRetired = new Set([2, 3]);

/** Members (but the founder) and regions, admitted and approved by one proposal the founder's seat passes alone. */
async function copyMembersAndRegions(node: NodeContext, old: { Consortium: Address; Registry: Address }) {
  const read = node.client.publicClient.readContract;
  // What the new contracts hold already (the database still mirrors the old ones).
  const holds = (contract: "Consortium" | "Registry", functionName: string, key: Hex) =>
    read({
      address: node.contracts[contract],
      abi: contractSpec(contract).abi,
      functionName,
      args: [key],
    } as never) as Promise<boolean>;
  const isMember = (org: Address) => holds("Consortium", "isMember", org);
  const hasRegion = (id: Hex) => holds("Registry", "hasRegion", id);
  const calls: EncodedCall[] = [];
  let members = 0;
  for (const org of await read({ address: old.Consortium, abi: oldConsortiumAbi, functionName: "members" })) {
    if (isAddressEqual(org, node.registry.operator)) continue;
    const record = await read({
      address: old.Consortium,
      abi: oldConsortiumAbi,
      functionName: "organisation",
      args: [org],
    });
    if (!record.active || (await isMember(org))) continue;
    const args = [org, record.name, record.roles, record.seat];
    calls.push(
      encodeProposalCall({ contract: "Consortium", functionName: "admitMember", args }, node.contracts),
    );
    members++;
  }
  let regions = 0;
  for (const id of await read({ address: old.Registry, abi: oldRegistryAbi, functionName: "regionIds" })) {
    const r = await read({ address: old.Registry, abi: oldRegistryAbi, functionName: "region", args: [id] });
    if (await hasRegion(id)) continue;
    const args = [r.code, r.nameZh, r.nameEn, r.operator, r.intervalSeconds];
    calls.push(
      encodeProposalCall({ contract: "Registry", functionName: "approveRegion", args }, node.contracts),
    );
    regions++;
  }
  // One proposal: the founder is the only seat at its snapshot, so it passes and executes at once.
  if (calls.length > 0)
    await node.governance.propose(calls, "migrate: members and regions of the previous contracts");
  return { members, regions };
}

/** The account bindings this node's organisation granted in the old Accounts contract, granted again. */
async function copyBindings(node: NodeContext, oldAccounts: Address | undefined) {
  if (oldAccounts === undefined) return { bindings: 0, bindingsLeft: 0 };
  const { publicClient, sender } = node.client;
  const logs = await publicClient.getLogs({
    address: oldAccounts,
    event: oldAccountsAbi[0],
    fromBlock: 0n,
    toBlock: "latest",
  });
  const seen = new Set<string>();
  let bindings = 0;
  let bindingsLeft = 0;
  const accounts = { address: node.contracts.Accounts, abi: contractSpec("Accounts").abi } as const;
  for (const log of logs) {
    const { account, role, scope } = log.args as { account: Address; role: number; scope: Hex };
    const key = `${account}:${role}:${scope}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const args = [account, role, scope] as const;
    const grantor = await publicClient.readContract({
      address: oldAccounts,
      abi: oldAccountsAbi,
      functionName: "grantorOf",
      args,
    });
    if (grantor === zeroAddress) continue;
    if (!isAddressEqual(grantor, node.registry.operator)) {
      bindingsLeft++;
      continue;
    }
    const now = (await publicClient.readContract({
      ...accounts,
      functionName: "grantorOf",
      args,
    } as never)) as Address;
    if (now === zeroAddress) await sender.write({ ...accounts, functionName: "grant", args });
    bindings++;
  }
  return { bindings, bindingsLeft };
}

/** Devices of regions this node operates (or owns), registered again with their keys, owners and status. */
async function copyDevices(node: NodeContext, oldRegistry: Address) {
  const { publicClient } = node.client;
  const read = publicClient.readContract;
  const registry = { address: node.contracts.Registry, abi: contractSpec("Registry").abi } as const;
  const count = await read({ address: oldRegistry, abi: oldRegistryAbi, functionName: "deviceCount" });
  const ids = await read({
    address: oldRegistry,
    abi: oldRegistryAbi,
    functionName: "deviceIds",
    args: [0n, count],
  });
  const operated = new Map<Hex, boolean>();
  const inputs: DeviceInput[] = [];
  const statuses: [Hex, number][] = [];
  let devicesLeft = 0;
  for (const id of ids) {
    const d = await read({ address: oldRegistry, abi: oldRegistryAbi, functionName: "device", args: [id] });
    if (!operated.has(d.regionId)) {
      const r = await read({
        address: oldRegistry,
        abi: oldRegistryAbi,
        functionName: "region",
        args: [d.regionId],
      });
      operated.set(d.regionId, isAddressEqual(r.operator, node.registry.operator));
    }
    if (!operated.get(d.regionId) && !isAddressEqual(d.owner, node.registry.operator)) {
      devicesLeft++;
      continue;
    }
    const registered = (await read({
      ...registry,
      functionName: "isRegistered",
      args: [id],
    } as never)) as boolean;
    if (!registered) {
      inputs.push({
        scheme: d.scheme,
        publicKey: d.publicKey,
        owner: d.owner,
        regionId: d.regionId,
        kind: d.kind,
        source: d.source,
        capacityW: d.capacityW,
        community: d.community,
      });
    }
    if (suspendedOrRetired.has(d.status)) statuses.push([id, d.status]);
  }
  if (inputs.length > 0) await node.registry.registerDevices(inputs);
  for (const [id, status] of statuses) {
    const now = (await read({ ...registry, functionName: "device", args: [id] } as never)) as {
      status: number;
    };
    if (now.status !== status) await node.registry.setDeviceStatus(id, status);
  }
  return { devices: ids.length - devicesLeft, devicesLeft };
}

/**
 * `gridledger migrate`: moves a data directory of the contract layout before governance by the
 * Governor to the new one, on the same chain. Founds the new contract set (its founder is the old
 * one's, with its name and roles), then copies in: members (names, roles, seats) and regions by one
 * proposal; the account bindings this node's organisation granted; the devices of the regions it
 * operates (keys, owners, communities, suspended or retired status). Stored batches are marked for
 * anchoring again on the new MeterAnchor. Every step checks what the new contracts hold already, so
 * an interrupted migration is resumed by running the command again (the node refuses to start until
 * it completes).
 */
export async function migrateDataDir(config: NodeConfig): Promise<MigrationReport> {
  const before = await readNodeState(config.dataDir);
  const nothing: MigrationReport = {
    migrated: false,
    consortium: before?.contracts.Consortium ?? null,
    previousConsortium: null,
    members: 0,
    regions: 0,
    devices: 0,
    devicesLeft: 0,
    bindings: 0,
    bindingsLeft: 0,
    batchesToAnchor: 0,
  };
  const outdated =
    before && (before.migratingFrom || (before.contracts.Consortium && !before.contracts.GridAuthority));
  if (!outdated) return nothing;
  const node = await openNode(config, {}, { migrate: true });
  try {
    const old = node.state.migratingFrom ?? {};
    if (!old.Consortium || !old.Registry) {
      throw new BaseError(
        "NODE_STATE_CORRUPT",
        `${config.dataDir}/node.json names no previous Consortium and Registry`,
      );
    }
    await node.indexer.sync();
    const copied = await copyMembersAndRegions(node, { Consortium: old.Consortium, Registry: old.Registry });
    await node.indexer.sync();
    const bindings = await copyBindings(node, old.Accounts);
    const devices = await copyDevices(node, old.Registry);
    const batches = await node.db.query<{ id: unknown }>(
      `update reading_batches set status = 'pending', contract = null, tx_hash = null, block_number = null, anchored_at = null
       where status in ('anchored', 'conflict') returning 1 as id`,
    );
    const { migratingFrom: _, ...done } = node.state;
    await writeNodeState(config.dataDir, { ...done, previousContracts: old });
    await node.indexer.sync();
    return {
      ...nothing,
      migrated: true,
      consortium: node.contracts.Consortium,
      previousConsortium: old.Consortium,
      ...copied,
      ...bindings,
      ...devices,
      batchesToAnchor: batches.rows.length,
    };
  } finally {
    await node.close();
  }
}
