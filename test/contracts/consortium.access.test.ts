import { type Hash, stringToHex, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { consortiumAbi, consortiumBytecode, registryAbi } from "../../src/chain/artifacts/index.js";
import { admitMembers, type Deployment, Role, setupGridLedger } from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

type ConsortiumHandle = ReturnType<Deployment["consortium"]>;
const OPERATOR = 1;
const NO_SEAT = 2;
const STRANGER = 9;

const proposeCalls: [string, (c: ConsortiumHandle, d: Deployment) => Promise<Hash>][] = [
  [
    "proposeAdmitMember",
    (c, d) => c.write.proposeAdmitMember([d.addresses[8]!, "Solar Co", Role.prosumer, false, ""]),
  ],
  ["proposeRemoveMember", (c, d) => c.write.proposeRemoveMember([d.addresses[OPERATOR]!, ""])],
  ["proposeGrantRole", (c, d) => c.write.proposeGrantRole([d.addresses[OPERATOR]!, Role.auditor, ""])],
  [
    "proposeRevokeRole",
    (c, d) => c.write.proposeRevokeRole([d.addresses[OPERATOR]!, Role.regionOperator, ""]),
  ],
  [
    "proposeApproveRegion",
    (c, d) => c.write.proposeApproveRegion(["CN-GD", "广东", "Guangdong", d.addresses[OPERATOR]!, 900, ""]),
  ],
  [
    "proposeUpdateRegion",
    (c, d) => c.write.proposeUpdateRegion(["CN-GD", "广东省", "Guangdong", d.addresses[OPERATOR]!, ""]),
  ],
  [
    "proposeSetParameter",
    (c) => c.write.proposeSetParameter([stringToHex("market.fee", { size: 32 }), 5n, ""]),
  ],
];

async function withMembers(d: Deployment) {
  await admitMembers(d, [
    { account: OPERATOR, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
    { account: NO_SEAT, name: "Household 1", roles: Role.prosumer, seat: false },
  ]);
}

describe("Consortium access control", () => {
  it("refuses bindRegistry from anyone but the founder", async () => {
    const d = chain();
    await expectRevert(
      d.consortium(STRANGER).write.bindRegistry([d.registryAddress]),
      "ConsortiumNotFounder",
      [d.addresses[STRANGER]],
    );
  });

  it("refuses to bind a registry twice", async () => {
    const d = chain();
    await expectRevert(
      d.consortium(0).write.bindRegistry([d.registryAddress]),
      "ConsortiumRegistryAlreadyBound",
      [d.registryAddress],
    );
  });

  it("refuses to bind a registry that answers to another consortium, or no contract at all", async () => {
    const d = chain();
    const receipt = await d.mined(
      d.wallets[0]!.deployContract({
        abi: consortiumAbi,
        bytecode: consortiumBytecode,
        args: ["Other", Role.regulator],
      }),
    );
    const other = receipt.contractAddress!;
    const bind = (registry: `0x${string}`) =>
      d.wallets[0]!.writeContract({
        address: other,
        abi: consortiumAbi,
        functionName: "bindRegistry",
        args: [registry],
      });
    await expectRevert(bind(d.registryAddress), "ConsortiumRegistryMismatch", [
      d.registryAddress,
      d.consortiumAddress,
    ]);
    await expectRevert(bind(d.addresses[5]!), "ConsortiumRegistryMismatch", [d.addresses[5], zeroAddress]);
    await expectRevert(bind(zeroAddress), "ConsortiumZeroAddress", []);
  });

  it.each(proposeCalls)("refuses %s from a non-member", async (_name, call) => {
    const d = chain();
    await withMembers(d);
    await expectRevert(call(d.consortium(STRANGER), d), "ConsortiumNotSeatHolder", [d.addresses[STRANGER]]);
  });

  it.each(proposeCalls)("refuses %s from a member without a seat", async (_name, call) => {
    const d = chain();
    await withMembers(d);
    await expectRevert(call(d.consortium(NO_SEAT), d), "ConsortiumNotSeatHolder", [d.addresses[NO_SEAT]]);
  });

  it("refuses a vote from a non-member and from a member without a seat", async () => {
    const d = chain();
    await withMembers(d);
    await admitMembers(d, [{ account: 3, name: "Grid Co", roles: Role.gridOperator, seat: true }]);
    await d.mined(d.consortium(0).write.proposeGrantRole([d.addresses[NO_SEAT]!, Role.auditor, ""]));
    const id = await d.consortium().read.proposalCount();
    await expectRevert(d.consortium(STRANGER).write.vote([id, true]), "ConsortiumNotSeatHolder", [
      d.addresses[STRANGER],
    ]);
    await expectRevert(d.consortium(NO_SEAT).write.vote([id, true]), "ConsortiumNotSeatHolder", [
      d.addresses[NO_SEAT],
    ]);
  });

  it("refuses Registry.approveRegion from anyone but the consortium contract", async () => {
    const d = chain();
    await expectRevert(
      d.registry(0).write.approveRegion(["CN-GD", "广东", "Guangdong", d.addresses[0]!, 900]),
      "RegistryNotConsortium",
      [d.addresses[0]],
    );
    await expectRevert(
      d.registry(STRANGER).write.approveRegion(["CN-GD", "广东", "Guangdong", d.addresses[0]!, 900]),
      "RegistryNotConsortium",
      [d.addresses[STRANGER]],
    );
  });

  it("refuses Registry.updateRegion from anyone but the consortium contract", async () => {
    const d = chain();
    await withMembers(d);
    await d.mined(
      d
        .consortium(0)
        .write.proposeApproveRegion(["CN-GD", "广东", "Guangdong", d.addresses[OPERATOR]!, 900, ""]),
    );
    for (const caller of [0, OPERATOR, STRANGER]) {
      await expectRevert(
        d.registry(caller).write.updateRegion(["CN-GD", "x", "x", d.addresses[caller]!]),
        "RegistryNotConsortium",
        [d.addresses[caller]],
      );
    }
  });

  it("exposes no way to change members, roles or parameters except proposals", () => {
    const writes = [...consortiumAbi, ...registryAbi]
      .filter((item) => item.type === "function" && !["view", "pure"].includes(item.stateMutability))
      .map((item) => ("name" in item ? item.name : ""));
    expect(writes.sort()).toEqual(
      [
        "approveDevices",
        "approveRegion",
        "bindRegistry",
        "bindService",
        "execute",
        "proposeAdmitMember",
        "proposeApproveRegion",
        "proposeGrantRole",
        "proposeRemoveMember",
        "proposeRevokeRole",
        "proposeSetParameter",
        "proposeUpdateRegion",
        "registerDevices",
        "setDeviceStatus",
        "updateRegion",
        "vote",
      ].sort(),
    );
  });
});
