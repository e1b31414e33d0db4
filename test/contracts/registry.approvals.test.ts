import { keccak256, parseEventLogs, sha256, stringToBytes, toHex, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { registryAbi } from "../../src/chain/artifacts/index.js";
import type { DeviceInput } from "../../src/registry/registryClient.js";
import {
  admitMembers,
  consortiumCall,
  type Deployment,
  govern,
  Role,
  registryCall,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

// Who may activate a device and who may lift a suspension (issue 9, item 7), tested from the outside.
const chain = setupGridLedger();

const OPERATOR = 1;
const OWNER = 2;
const OTHER_OPERATOR = 4;
const NEW_OPERATOR = 6;
const STRANGER = 9;
const Status = { active: 1, suspended: 2, retired: 3, pending: 4 } as const;
const GD = keccak256(stringToBytes("CN-GD"));
const ZJ = keccak256(stringToBytes("CN-ZJ"));
const key = (i: number) => keccak256(toHex(`approval-device-${i}`));
const idOf = (i: number) => sha256(key(i));

function input(d: Deployment, i: number, overrides: Partial<DeviceInput> = {}): DeviceInput {
  return {
    scheme: 1,
    publicKey: key(i),
    owner: d.addresses[OWNER]!,
    regionId: GD,
    kind: 1,
    source: 0,
    capacityW: 0n,
    community: zeroAddress,
    ...overrides,
  };
}

async function withRegions(d: Deployment) {
  await admitMembers(d, [
    { account: OPERATOR, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
    { account: OWNER, name: "Household", roles: Role.prosumer, seat: false },
    { account: OTHER_OPERATOR, name: "Zhejiang Data Centre", roles: Role.regionOperator, seat: false },
    { account: NEW_OPERATOR, name: "Southern Grid DC", roles: Role.regionOperator, seat: false },
  ]);
  await govern(d, [
    registryCall(d, "approveRegion", ["CN-GD", "广东", "Guangdong", d.addresses[OPERATOR]!, 900]),
  ]);
  await govern(d, [
    registryCall(d, "approveRegion", ["CN-ZJ", "浙江", "Zhejiang", d.addresses[OTHER_OPERATOR]!, 900]),
  ]);
}

const register = (d: Deployment, caller: number, inputs: DeviceInput[]) =>
  d.mined(d.registry(caller).write.registerDevices([inputs]));
const status = async (d: Deployment, i: number) => (await d.registry().read.device([idOf(i)])).status;
const setStatus = (d: Deployment, caller: number, i: number, next: number) =>
  d.registry(caller).write.setDeviceStatus([idOf(i), next]);

describe("Registry device approval", () => {
  it("keeps a device its owner registered pending until the region's operator approves it", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OWNER, [input(d, 1), input(d, 2)]);
    await register(d, OPERATOR, [input(d, 3)]);
    expect([await status(d, 1), await status(d, 2), await status(d, 3)]).toEqual([
      Status.pending,
      Status.pending,
      Status.active,
    ]);
    const receipt = await d.mined(d.registry(OPERATOR).write.approveDevices([[idOf(1), idOf(2)]]));
    expect(
      parseEventLogs({ abi: registryAbi, logs: receipt.logs, eventName: "DeviceStatusChanged" }).map(
        (e) => e.args,
      ),
    ).toEqual([
      { deviceId: idOf(1), status: Status.active, by: d.addresses[OPERATOR] },
      { deviceId: idOf(2), status: Status.active, by: d.addresses[OPERATOR] },
    ]);
    expect([await status(d, 1), await status(d, 2)]).toEqual([Status.active, Status.active]);
  });

  it("refuses approveDevices from the owner, another region's operator, a stranger and an operator without the role", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OWNER, [input(d, 1)]);
    for (const caller of [OWNER, OTHER_OPERATOR, STRANGER]) {
      await expectRevert(d.registry(caller).write.approveDevices([[idOf(1)]]), "RegistryNotRegionOperator", [
        d.addresses[caller],
        GD,
      ]);
    }
    await govern(d, [consortiumCall(d, "revokeRole", [d.addresses[OPERATOR]!, Role.regionOperator])]);
    await expectRevert(d.registry(OPERATOR).write.approveDevices([[idOf(1)]]), "RegistryNotRegionOperator", [
      d.addresses[OPERATOR],
      GD,
    ]);
    expect(await status(d, 1)).toBe(Status.pending);
  });

  it("approves all or none: an active, unknown or other region's device refuses the whole call", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OWNER, [input(d, 1), input(d, 2, { regionId: ZJ })]);
    await register(d, OPERATOR, [input(d, 3)]);
    const approve = (ids: `0x${string}`[]) => d.registry(OPERATOR).write.approveDevices([ids]);
    await expectRevert(approve([idOf(1), idOf(3)]), "RegistryDeviceNotPending", [idOf(3), Status.active]);
    await expectRevert(approve([idOf(1), idOf(42)]), "RegistryUnknownDevice", [idOf(42)]);
    await expectRevert(approve([idOf(1), idOf(2)]), "RegistryNotRegionOperator", [d.addresses[OPERATOR], ZJ]);
    await expectRevert(approve([]), "RegistryEmptyBatch", []);
    expect(await status(d, 1)).toBe(Status.pending);
  });

  it("lets a pending device only be retired, not activated or suspended through setDeviceStatus", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OWNER, [input(d, 1)]);
    for (const caller of [OWNER, OPERATOR]) {
      for (const next of [Status.active, Status.suspended]) {
        await expectRevert(setStatus(d, caller, 1, next), "RegistryDevicePending", [idOf(1)]);
      }
    }
    await expectRevert(setStatus(d, OWNER, 1, Status.pending), "RegistryInvalidDeviceStatus", [
      Status.pending,
    ]);
    await d.mined(setStatus(d, OWNER, 1, Status.retired));
    expect(await status(d, 1)).toBe(Status.retired);
  });
});

describe("Registry suspensions", () => {
  it("refuses the owner lifting or renewing a suspension its region's operator set", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OPERATOR, [input(d, 1)]);
    await d.mined(setStatus(d, OPERATOR, 1, Status.suspended));
    expect(await d.registry().read.suspendedBy([idOf(1)])).toBe(d.addresses[OPERATOR]);
    for (const next of [Status.active, Status.suspended]) {
      await expectRevert(setStatus(d, OWNER, 1, next), "RegistrySuspendedByOperator", [
        idOf(1),
        d.addresses[OPERATOR],
        d.addresses[OWNER],
      ]);
    }
    expect(await status(d, 1)).toBe(Status.suspended);
    await d.mined(setStatus(d, OPERATOR, 1, Status.active));
    expect(await status(d, 1)).toBe(Status.active);
    expect(await d.registry().read.suspendedBy([idOf(1)])).toBe(zeroAddress);
  });

  it("lets the owner lift its own suspension, until the operator takes the suspension over", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OPERATOR, [input(d, 1)]);
    await d.mined(setStatus(d, OWNER, 1, Status.suspended));
    expect(await d.registry().read.suspendedBy([idOf(1)])).toBe(d.addresses[OWNER]);
    await d.mined(setStatus(d, OWNER, 1, Status.active));
    expect(await status(d, 1)).toBe(Status.active);

    await d.mined(setStatus(d, OWNER, 1, Status.suspended));
    const takeover = await d.mined(setStatus(d, OPERATOR, 1, Status.suspended));
    expect(parseEventLogs({ abi: registryAbi, logs: takeover.logs })[0]?.args).toEqual({
      deviceId: idOf(1),
      status: Status.suspended,
      by: d.addresses[OPERATOR],
    });
    await expectRevert(setStatus(d, OWNER, 1, Status.active), "RegistrySuspendedByOperator", [
      idOf(1),
      d.addresses[OPERATOR],
      d.addresses[OWNER],
    ]);
  });

  it("lets the region's new operator, set by governance, lift the old operator's suspension", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OPERATOR, [input(d, 1)]);
    await d.mined(setStatus(d, OPERATOR, 1, Status.suspended));
    await govern(d, [
      registryCall(d, "updateRegion", ["CN-GD", "广东", "Guangdong", d.addresses[NEW_OPERATOR]!]),
    ]);
    await expectRevert(setStatus(d, OPERATOR, 1, Status.active), "RegistryNotAuthorised", [
      d.addresses[OPERATOR],
      d.addresses[OWNER],
      GD,
    ]);
    await expectRevert(setStatus(d, OWNER, 1, Status.active), "RegistrySuspendedByOperator", [
      idOf(1),
      d.addresses[OPERATOR],
      d.addresses[OWNER],
    ]);
    await d.mined(setStatus(d, NEW_OPERATOR, 1, Status.active));
    expect(await status(d, 1)).toBe(Status.active);
  });

  it("lets the owner retire a device whatever suspended it (retirement is final for everyone)", async () => {
    const d = chain();
    await withRegions(d);
    await register(d, OPERATOR, [input(d, 1)]);
    await d.mined(setStatus(d, OPERATOR, 1, Status.suspended));
    await d.mined(setStatus(d, OWNER, 1, Status.retired));
    await expectRevert(setStatus(d, OPERATOR, 1, Status.active), "RegistryDeviceRetired", [idOf(1)]);
  });
});
