import { type Address, keccak256, parseEventLogs, stringToBytes, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { registryAbi, registryBytecode } from "../../src/chain/artifacts/index.js";
import {
  admitMembers,
  asGovernance,
  type Deployment,
  govern,
  propose,
  Role,
  registryCall,
  setupGridLedger,
} from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();
const OPERATOR = 1;
const regionId = (code: string) => keccak256(stringToBytes(code));

async function withOperator(d: Deployment) {
  await admitMembers(d, [
    { account: OPERATOR, name: "Guangdong Data Centre", roles: Role.regionOperator, seat: false },
    { account: 2, name: "Household", roles: Role.prosumer, seat: false },
  ]);
}

const approve = (d: Deployment, code: string, operator: Address, interval = 900, names = ["区", "Region"]) =>
  registryCall(d, "approveRegion", [code, names[0], names[1], operator, interval]);

describe("Registry regions", () => {
  it("approves a region by a governance vote", async () => {
    const d = chain();
    await withOperator(d);
    const operator = d.addresses[OPERATOR]!;
    const { receipt } = await govern(d, [approve(d, "CN-GD", operator, 900, ["广东", "Guangdong"])], "first");
    const [approved] = parseEventLogs({ abi: registryAbi, logs: receipt.logs, eventName: "RegionApproved" });
    expect(approved?.args).toEqual({
      regionId: regionId("CN-GD"),
      code: "CN-GD",
      nameZh: "广东",
      nameEn: "Guangdong",
      operator,
      intervalSeconds: 900,
    });
    const block = await d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await d.registry().read.region([regionId("CN-GD")])).toEqual({
      code: "CN-GD",
      nameZh: "广东",
      nameEn: "Guangdong",
      operator,
      intervalSeconds: 900,
      approvedAt: block.timestamp,
    });
    expect(await d.registry().read.regionCount()).toBe(1n);
    expect(await d.registry().read.regionIds()).toEqual([regionId("CN-GD")]);
  });

  it("refuses approveRegion and updateRegion to anyone but governance, the founder included", async () => {
    const d = chain();
    await withOperator(d);
    const op = d.addresses[OPERATOR]!;
    for (const caller of [0, OPERATOR, 9]) {
      await expectRevert(
        d.registry(caller).write.approveRegion(["CN-GD", "x", "x", op, 900]),
        "AccessManagedUnauthorized",
        [d.addresses[caller]],
      );
      await expectRevert(
        d.registry(caller).write.updateRegion(["CN-GD", "x", "x", op]),
        "AccessManagedUnauthorized",
        [d.addresses[caller]],
      );
    }
  });

  it("refuses approving a code that is approved already, so a second approval cannot rename a region", async () => {
    const d = chain();
    await withOperator(d);
    const op = d.addresses[OPERATOR]!;
    await govern(d, [approve(d, "CN-GD", op, 900, ["广东省", "Guangdong"])]);
    await expectRevert(asGovernance(d, approve(d, "CN-GD", op, 300)), "RegistryRegionExists", [
      regionId("CN-GD"),
      "CN-GD",
    ]);
    expect(await d.registry().read.region([regionId("CN-GD")])).toMatchObject({
      nameZh: "广东省",
      intervalSeconds: 900,
    });
  });

  it("refuses the second of two approvals of one code proposed before either executed", async () => {
    const d = chain();
    await withOperator(d);
    const op = d.addresses[OPERATOR]!;
    const first = await propose(d, [approve(d, "CN-GD", op, 900, ["广东省", "Guangdong"])], "a");
    const second = await propose(d, [approve(d, "CN-GD", op, 300)], "b");
    for (const p of [first, second]) {
      await d.mined(d.governor(0).write.castVote([p.id, 1]));
      await d.mined(d.governor(0).write.queue([p.targets, p.values, p.calldatas, p.descriptionHash]));
    }
    await d.mined(
      d.governor(0).write.execute([first.targets, first.values, first.calldatas, first.descriptionHash]),
    );
    await expectRevert(
      d.governor(0).write.execute([second.targets, second.values, second.calldatas, second.descriptionHash]),
      "RegistryRegionExists",
      [regionId("CN-GD"), "CN-GD"],
      { abi: registryAbi },
    );
    expect((await d.registry().read.region([regionId("CN-GD")])).nameZh).toBe("广东省");
  });

  it("changes names and operator by a vote, never the interval", async () => {
    const d = chain();
    await withOperator(d);
    await admitMembers(d, [
      { account: 3, name: "Southern Grid DC", roles: Role.regionOperator, seat: false },
    ]);
    await govern(d, [approve(d, "CN-GD", d.addresses[OPERATOR]!, 900, ["广东", "Guangdong"])]);
    const { receipt } = await govern(d, [
      registryCall(d, "updateRegion", ["CN-GD", "广东省", "Guangdong Province", d.addresses[3]!]),
    ]);
    const [updated] = parseEventLogs({ abi: registryAbi, logs: receipt.logs, eventName: "RegionUpdated" });
    expect(updated?.args).toEqual({
      regionId: regionId("CN-GD"),
      code: "CN-GD",
      nameZh: "广东省",
      nameEn: "Guangdong Province",
      operator: d.addresses[3],
    });
    expect(await d.registry().read.region([regionId("CN-GD")])).toMatchObject({
      nameZh: "广东省",
      nameEn: "Guangdong Province",
      operator: d.addresses[3],
      intervalSeconds: 900,
    });
    expect(await d.registry().read.regionCount()).toBe(1n);
  });

  it("refuses an update of an unknown region, to a non-operator, or one that changes nothing", async () => {
    const d = chain();
    await withOperator(d);
    const op = d.addresses[OPERATOR]!;
    await govern(d, [approve(d, "CN-GD", op, 900, ["广东", "Guangdong"])]);
    const update = (code: string, operator: Address) =>
      asGovernance(d, registryCall(d, "updateRegion", [code, "广东", "Guangdong", operator]));
    await expectRevert(update("CN-ZJ", op), "RegistryUnknownRegion", [regionId("CN-ZJ")]);
    await expectRevert(update("CN-GD", d.addresses[2]!), "RegistryInvalidRegionOperator", [d.addresses[2]]);
    await expectRevert(update("CN-GD", op), "RegistryRegionUnchanged", [regionId("CN-GD")]);
  });

  it("refuses a region with a bad code, interval or operator", async () => {
    const d = chain();
    await withOperator(d);
    const op = d.addresses[OPERATOR]!;
    const check = (code: string, operator: Address, interval: number) =>
      asGovernance(d, approve(d, code, operator, interval));
    for (const code of ["cn-gd", "X", "CN_GD", "ABCDEFGHIJKLMNOPQ", ""]) {
      await expectRevert(check(code, op, 900), "RegistryInvalidRegionCode", [code]);
    }
    for (const interval of [0, 59, 7, 61, 172_800, 90_000]) {
      await expectRevert(check("CN-GD", op, interval), "RegistryInvalidRegionInterval", [interval]);
    }
    for (const operator of [d.addresses[2]!, d.addresses[9]!]) {
      await expectRevert(check("CN-GD", operator, 900), "RegistryInvalidRegionOperator", [operator]);
    }
    await govern(d, [approve(d, "AB", op, 60), approve(d, "0123456789-ABCDE", op, 86_400)]);
    expect(await d.registry().read.regionCount()).toBe(2n);
  });

  it("refuses an unknown region id", async () => {
    const d = chain();
    await expectRevert(d.registry().read.region([regionId("CN-XX")]), "RegistryUnknownRegion", [
      regionId("CN-XX"),
    ]);
  });

  it("refuses to deploy without a consortium", async () => {
    const d = chain();
    await expectRevert(
      d.wallets[0]!.deployContract({
        abi: registryAbi,
        bytecode: registryBytecode,
        args: [d.contracts.GridAuthority, zeroAddress],
      }),
      "RegistryInvalidConsortium",
      [zeroAddress],
      { abi: registryAbi },
    );
  });
});
