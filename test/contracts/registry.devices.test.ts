import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  bytesToHex,
  concatHex,
  hexToBytes,
  keccak256,
  parseEventLogs,
  sha256,
  stringToBytes,
  toHex,
  zeroAddress,
} from "viem";
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

const chain = setupGridLedger();

const OPERATOR = 1;
const OWNER = 2;
const COMMUNITY = 3;
const OTHER_OPERATOR = 4;
const PLAIN_MEMBER = 5;
const STRANGER = 9;
const Kind = {
  consumption: 1,
  generation: 2,
  bidirectional: 3,
  evCharger: 4,
  storage: 5,
  feeder: 6,
} as const;
const Source = { none: 0, solar: 1, wind: 2, other: 8 } as const;
const Status = { active: 1, suspended: 2, retired: 3, pending: 4 } as const;
const regionId = (code: string) => keccak256(stringToBytes(code));
const GD = regionId("CN-GD");
const ZJ = regionId("CN-ZJ");

/** A deterministic 32-byte stand-in for an Ed25519 public key (the registry does not check the curve). */
const ed25519Key = (i: number) => keccak256(toHex(`device-${i}`));
/** A real compressed secp256k1 public key. */
const secp256k1Key = (i: number) => bytesToHex(secp256k1.getPublicKey(hexToBytes(keccak256(toHex(i))), true));

function input(d: Deployment, i: number, overrides: Partial<DeviceInput> = {}): DeviceInput {
  return {
    scheme: 1,
    publicKey: ed25519Key(i),
    owner: d.addresses[OWNER]!,
    regionId: GD,
    kind: Kind.generation,
    source: Source.solar,
    capacityW: 5_000n,
    community: zeroAddress,
    ...overrides,
  };
}

async function withRegions(d: Deployment) {
  await admitMembers(d, [
    { account: OPERATOR, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
    { account: OWNER, name: "Household", roles: Role.prosumer, seat: false },
    { account: COMMUNITY, name: "Shenzhen Microgrid", roles: Role.community, seat: false },
    { account: OTHER_OPERATOR, name: "Zhejiang Data Centre", roles: Role.regionOperator, seat: false },
    { account: PLAIN_MEMBER, name: "Factory", roles: Role.enterprise, seat: false },
  ]);
  await govern(d, [
    registryCall(d, "approveRegion", ["CN-GD", "广东", "Guangdong", d.addresses[OPERATOR]!, 900]),
  ]);
  await govern(d, [
    registryCall(d, "approveRegion", ["CN-ZJ", "浙江", "Zhejiang", d.addresses[OTHER_OPERATOR]!, 900]),
  ]);
}

const register = (d: Deployment, caller: number, inputs: DeviceInput[]) =>
  d.registry(caller).write.registerDevices([inputs]);

describe("Registry devices", () => {
  it("registers a device under the sha256 of its public key, with every field readable", async () => {
    const d = chain();
    await withRegions(d);
    const key = secp256k1Key(1);
    const device = input(d, 1, {
      scheme: 2,
      publicKey: key,
      kind: Kind.bidirectional,
      source: Source.solar,
      community: d.addresses[COMMUNITY]!,
      capacityW: 12_345n,
    });
    const receipt = await d.mined(register(d, OWNER, [device]));
    const deviceId = sha256(key);
    const [event] = parseEventLogs({ abi: registryAbi, logs: receipt.logs, eventName: "DeviceRegistered" });
    expect(event?.args).toEqual({
      deviceId,
      owner: device.owner,
      regionId: GD,
      scheme: 2,
      kind: Kind.bidirectional,
      source: Source.solar,
      capacityW: 12_345n,
      community: d.addresses[COMMUNITY],
      publicKey: key,
      status: Status.pending,
    });
    const block = await d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await d.registry().read.device([deviceId])).toEqual({
      scheme: 2,
      publicKey: key,
      kind: Kind.bidirectional,
      source: Source.solar,
      capacityW: 12_345n,
      status: Status.pending,
      owner: device.owner,
      regionId: GD,
      community: d.addresses[COMMUNITY],
      registeredAt: block.timestamp,
    });
    expect(await d.registry().read.isRegistered([deviceId])).toBe(true);
    expect(await d.registry().read.deviceCount()).toBe(1n);
    expect(await d.registry().read.deviceIds([0n, 10n])).toEqual([deviceId]);
  });

  it("lets the region operator register for a member, but not an operator of another region", async () => {
    const d = chain();
    await withRegions(d);
    await d.mined(register(d, OPERATOR, [input(d, 1)]));
    expect((await d.registry().read.device([sha256(ed25519Key(1))])).owner).toBe(d.addresses[OWNER]);
    await expectRevert(register(d, OTHER_OPERATOR, [input(d, 2)]), "RegistryNotAuthorised", [
      d.addresses[OTHER_OPERATOR],
      d.addresses[OWNER],
      GD,
    ]);
    await expectRevert(
      register(d, OPERATOR, [input(d, 3, { owner: d.addresses[STRANGER]! })]),
      "RegistryNotMember",
      [d.addresses[STRANGER]],
    );
  });

  it("refuses registration by a caller that is neither the owner nor the region's operator", async () => {
    const d = chain();
    await withRegions(d);
    await expectRevert(register(d, STRANGER, [input(d, 1)]), "RegistryNotAuthorised", [
      d.addresses[STRANGER],
      d.addresses[OWNER],
      GD,
    ]);
    await expectRevert(register(d, PLAIN_MEMBER, [input(d, 1)]), "RegistryNotAuthorised", [
      d.addresses[PLAIN_MEMBER],
      d.addresses[OWNER],
      GD,
    ]);
  });

  it("refuses the operator of a region once it no longer holds the REGION_OPERATOR role", async () => {
    const d = chain();
    await withRegions(d);
    await d.mined(register(d, OWNER, [input(d, 1)]));
    await govern(d, [consortiumCall(d, "revokeRole", [d.addresses[OPERATOR]!, Role.regionOperator])]);
    await expectRevert(register(d, OPERATOR, [input(d, 2)]), "RegistryNotAuthorised", [
      d.addresses[OPERATOR],
      d.addresses[OWNER],
      GD,
    ]);
    await expectRevert(
      d.registry(OPERATOR).write.setDeviceStatus([sha256(ed25519Key(1)), Status.suspended]),
      "RegistryNotAuthorised",
      [d.addresses[OPERATOR], d.addresses[OWNER], GD],
    );
  });

  it("refuses a non-member registering its own device", async () => {
    const d = chain();
    await withRegions(d);
    await expectRevert(
      register(d, STRANGER, [input(d, 1, { owner: d.addresses[STRANGER]! })]),
      "RegistryNotMember",
      [d.addresses[STRANGER]],
    );
  });

  it("refuses invalid devices with named errors", async () => {
    const d = chain();
    await withRegions(d);
    const refuse = (overrides: Partial<DeviceInput>, error: string, args: unknown[]) =>
      expectRevert(register(d, OWNER, [input(d, 1, overrides)]), error, args);
    await expectRevert(register(d, OWNER, []), "RegistryEmptyBatch", []);
    await refuse({ regionId: regionId("CN-XX") }, "RegistryUnknownRegion", [regionId("CN-XX")]);
    await refuse({ scheme: 0 }, "RegistryInvalidScheme", [0]);
    await refuse({ scheme: 3 }, "RegistryInvalidScheme", [3]);
    await refuse({ publicKey: secp256k1Key(1) }, "RegistryInvalidPublicKey", [1, 33n]);
    await refuse({ publicKey: "0x" }, "RegistryInvalidPublicKey", [1, 0n]);
    await refuse({ scheme: 2 }, "RegistryInvalidPublicKey", [2, 32n]);
    await refuse({ scheme: 2, publicKey: concatHex(["0x04", ed25519Key(1)]) }, "RegistryInvalidPublicKey", [
      2,
      33n,
    ]);
    await refuse({ scheme: 2, publicKey: concatHex([secp256k1Key(1), "0x00"]) }, "RegistryInvalidPublicKey", [
      2,
      34n,
    ]);
    await refuse({ kind: 0 }, "RegistryInvalidDeviceKind", [0]);
    await refuse({ kind: 7 }, "RegistryInvalidDeviceKind", [7]);
    await refuse({ kind: Kind.generation, source: Source.none }, "RegistryInvalidEnergySource", [
      Kind.generation,
      0,
    ]);
    await refuse({ kind: Kind.generation, source: 9 }, "RegistryInvalidEnergySource", [Kind.generation, 9]);
    await refuse({ kind: Kind.storage, source: 9 }, "RegistryInvalidEnergySource", [Kind.storage, 9]);
    for (const kind of [Kind.consumption, Kind.evCharger, Kind.feeder]) {
      await refuse({ kind, source: Source.solar }, "RegistryInvalidEnergySource", [kind, Source.solar]);
    }
    await refuse({ community: d.addresses[PLAIN_MEMBER]! }, "RegistryNotCommunity", [
      d.addresses[PLAIN_MEMBER],
    ]);
    await refuse({ community: d.addresses[STRANGER]! }, "RegistryNotCommunity", [d.addresses[STRANGER]]);
    expect(await d.registry().read.deviceCount()).toBe(0n);
  });

  it("accepts every kind with the energy sources it may have", async () => {
    const d = chain();
    await withRegions(d);
    const ok: [number, number][] = [
      [Kind.consumption, Source.none],
      [Kind.generation, Source.wind],
      [Kind.generation, Source.other],
      [Kind.bidirectional, Source.none],
      [Kind.bidirectional, Source.solar],
      [Kind.evCharger, Source.none],
      [Kind.storage, Source.none],
      [Kind.storage, Source.solar],
      [Kind.feeder, Source.none],
    ];
    await d.mined(
      register(
        d,
        OWNER,
        ok.map(([kind, source], i) => input(d, i, { kind, source })),
      ),
    );
    expect(await d.registry().read.deviceCount()).toBe(BigInt(ok.length));
  });

  it("refuses a device that is already registered, or twice in one batch", async () => {
    const d = chain();
    await withRegions(d);
    await d.mined(register(d, OWNER, [input(d, 1)]));
    const existing = sha256(ed25519Key(1));
    await expectRevert(register(d, OWNER, [input(d, 2), input(d, 1)]), "RegistryDeviceExists", [existing]);
    await expectRevert(register(d, OWNER, [input(d, 3), input(d, 3)]), "RegistryDeviceExists", [
      sha256(ed25519Key(3)),
    ]);
    expect(await d.registry().read.deviceCount()).toBe(1n);
  });

  it("registers 200 devices in one transaction", async () => {
    const d = chain();
    await withRegions(d);
    const batch = Array.from({ length: 200 }, (_, i) =>
      input(d, i, i % 2 ? { scheme: 2, publicKey: secp256k1Key(i), kind: Kind.consumption, source: 0 } : {}),
    );
    const receipt = await d.mined(register(d, OPERATOR, batch));
    console.log(
      `registerDevices: 200 devices in one transaction used ${receipt.gasUsed} gas (${receipt.gasUsed / 200n} per device)`,
    );
    expect(receipt.gasUsed).toBeLessThan(30_000_000n);
    expect(
      parseEventLogs({ abi: registryAbi, logs: receipt.logs, eventName: "DeviceRegistered" }),
    ).toHaveLength(200);
    expect(await d.registry().read.deviceCount()).toBe(200n);
    const ids = batch.map((b) => sha256(b.publicKey));
    expect(await d.registry().read.deviceIds([0n, 1000n])).toEqual(ids);
    expect(await d.registry().read.deviceIds([190n, 5n])).toEqual(ids.slice(190, 195));
    expect(await d.registry().read.deviceIds([200n, 5n])).toEqual([]);
    expect((await d.registry().read.device([ids[199]!])).publicKey).toBe(batch[199]!.publicKey);
  });

  it("changes status by owner or region operator, and retired is final", async () => {
    const d = chain();
    await withRegions(d);
    await d.mined(register(d, OPERATOR, [input(d, 1)]));
    const id = sha256(ed25519Key(1));
    const status = async () => (await d.registry().read.device([id])).status;

    const suspended = await d.mined(d.registry(OWNER).write.setDeviceStatus([id, Status.suspended]));
    expect(parseEventLogs({ abi: registryAbi, logs: suspended.logs })[0]?.args).toEqual({
      deviceId: id,
      status: Status.suspended,
      by: d.addresses[OWNER],
    });
    expect(await status()).toBe(Status.suspended);
    await d.mined(d.registry(OPERATOR).write.setDeviceStatus([id, Status.active]));
    expect(await status()).toBe(Status.active);
    const unchanged = await d.mined(d.registry(OWNER).write.setDeviceStatus([id, Status.active]));
    expect(unchanged.logs).toHaveLength(0);

    await expectRevert(d.registry(OWNER).write.setDeviceStatus([id, 0]), "RegistryInvalidDeviceStatus", [0]);
    await expectRevert(d.registry(OWNER).write.setDeviceStatus([id, 4]), "RegistryInvalidDeviceStatus", [4]);
    await d.mined(d.registry(OPERATOR).write.setDeviceStatus([id, Status.retired]));
    expect(await status()).toBe(Status.retired);
    for (const next of [Status.active, Status.suspended, Status.retired]) {
      await expectRevert(d.registry(OWNER).write.setDeviceStatus([id, next]), "RegistryDeviceRetired", [id]);
    }
    await expectRevert(d.registry(OWNER).write.registerDevices([[input(d, 1)]]), "RegistryDeviceExists", [
      id,
    ]);
  });

  it("refuses status changes from anyone but the owner and the region operator", async () => {
    const d = chain();
    await withRegions(d);
    await d.mined(register(d, OWNER, [input(d, 1)]));
    const id = sha256(ed25519Key(1));
    for (const caller of [STRANGER, OTHER_OPERATOR, COMMUNITY]) {
      await expectRevert(
        d.registry(caller).write.setDeviceStatus([id, Status.suspended]),
        "RegistryNotAuthorised",
        [d.addresses[caller], d.addresses[OWNER], GD],
      );
    }
  });

  it("refuses to read or change an unknown device", async () => {
    const d = chain();
    await withRegions(d);
    const id = sha256(ed25519Key(42));
    await expectRevert(d.registry().read.device([id]), "RegistryUnknownDevice", [id]);
    await expectRevert(
      d.registry(OWNER).write.setDeviceStatus([id, Status.retired]),
      "RegistryUnknownDevice",
      [id],
    );
    expect(await d.registry().read.isRegistered([id])).toBe(false);
  });

  it("keeps devices of different regions apart", async () => {
    const d = chain();
    await withRegions(d);
    await d.mined(register(d, OPERATOR, [input(d, 1)]));
    await d.mined(register(d, OTHER_OPERATOR, [input(d, 2, { regionId: ZJ })]));
    expect((await d.registry().read.device([sha256(ed25519Key(2))])).regionId).toBe(ZJ);
    await d.mined(
      d.registry(OTHER_OPERATOR).write.setDeviceStatus([sha256(ed25519Key(2)), Status.suspended]),
    );
    await expectRevert(
      d.registry(OTHER_OPERATOR).write.setDeviceStatus([sha256(ed25519Key(1)), Status.suspended]),
      "RegistryNotAuthorised",
      [d.addresses[OTHER_OPERATOR], d.addresses[OWNER], GD],
    );
  });
});
