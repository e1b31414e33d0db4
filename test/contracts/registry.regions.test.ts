import {
  type Address,
  decodeAbiParameters,
  keccak256,
  parseAbiParameters,
  parseEventLogs,
  stringToBytes,
} from "viem";
import { describe, expect, it } from "vitest";
import {
  consortiumAbi,
  consortiumBytecode,
  registryAbi,
  registryBytecode,
} from "../../src/chain/artifacts/index.js";
import { admitMembers, type Deployment, Role, setupGridLedger } from "../helpers/deploy.js";
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

describe("Registry regions", () => {
  it("approves a region at once when a single seat proposes it", async () => {
    const d = chain();
    await withOperator(d);
    const operator = d.addresses[OPERATOR]!;
    const receipt = await d.mined(
      d
        .consortium(0)
        .write.proposeApproveRegion(["CN-GD", "广东", "Guangdong", operator, 900, "first region"]),
    );
    const [approved] = parseEventLogs({ abi: registryAbi, logs: receipt.logs, eventName: "RegionApproved" });
    expect(approved?.args).toEqual({
      regionId: regionId("CN-GD"),
      code: "CN-GD",
      nameZh: "广东",
      nameEn: "Guangdong",
      operator,
      intervalSeconds: 900,
    });
    expect(
      parseEventLogs({ abi: consortiumAbi, logs: receipt.logs, eventName: "ProposalExecuted" }),
    ).toHaveLength(1);
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

  it("refuses approving a code that is approved already, so a second proposal cannot rename a region", async () => {
    const d = chain();
    await withOperator(d);
    const c = d.consortium(0);
    const op = d.addresses[OPERATOR]!;
    await d.mined(c.write.proposeApproveRegion(["CN-GD", "广东省", "Guangdong", op, 900, ""]));
    await expectRevert(
      c.write.proposeApproveRegion(["CN-GD", "x", "x", op, 300, ""]),
      "ConsortiumRegionExists",
      ["CN-GD"],
    );
    expect(await d.registry().read.region([regionId("CN-GD")])).toMatchObject({
      nameZh: "广东省",
      nameEn: "Guangdong",
      intervalSeconds: 900,
    });
  });

  it("refuses a second approval of a code that was proposed twice before either passed", async () => {
    const d = chain();
    await withOperator(d);
    await admitMembers(d, [{ account: 3, name: "Grid Co", roles: Role.gridOperator, seat: true }]);
    const op = d.addresses[OPERATOR]!;
    await d.mined(d.consortium(0).write.proposeApproveRegion(["CN-GD", "广东省", "Guangdong", op, 900, ""]));
    await d.mined(d.consortium(3).write.proposeApproveRegion(["CN-GD", "x", "x", op, 300, ""]));
    const second = await d.consortium().read.proposalCount();
    await d.mined(d.consortium(3).write.vote([second - 1n, true]));
    await expectRevert(d.consortium(0).write.vote([second, true]), "ConsortiumRegionExists", ["CN-GD"]);
    expect((await d.registry().read.region([regionId("CN-GD")])).nameZh).toBe("广东省");
  });

  it("changes names and operator with an update proposal that records from and to, never the interval", async () => {
    const d = chain();
    await withOperator(d);
    await admitMembers(d, [
      { account: 3, name: "Southern Grid DC", roles: Role.regionOperator, seat: false },
    ]);
    const c = d.consortium(0);
    await d.mined(
      c.write.proposeApproveRegion(["CN-GD", "广东", "Guangdong", d.addresses[OPERATOR]!, 900, ""]),
    );
    const receipt = await d.mined(
      c.write.proposeUpdateRegion(["CN-GD", "广东省", "Guangdong Province", d.addresses[3]!, "rename"]),
    );
    const [updated] = parseEventLogs({ abi: registryAbi, logs: receipt.logs, eventName: "RegionUpdated" });
    expect(updated?.args).toEqual({
      regionId: regionId("CN-GD"),
      code: "CN-GD",
      nameZh: "广东省",
      nameEn: "Guangdong Province",
      operator: d.addresses[3],
    });
    expect(await d.registry().read.region([regionId("CN-GD")])).toMatchObject({
      code: "CN-GD",
      nameZh: "广东省",
      nameEn: "Guangdong Province",
      operator: d.addresses[3],
      intervalSeconds: 900,
    });
    const proposal = await d.consortium().read.proposal([await d.consortium().read.proposalCount()]);
    expect(proposal.kind).toBe(6);
    expect(
      decodeAbiParameters(
        parseAbiParameters("string, string, string, address, string, string, address"),
        proposal.payload,
      ),
    ).toEqual([
      "CN-GD",
      "广东省",
      "Guangdong Province",
      d.addresses[3],
      "广东",
      "Guangdong",
      d.addresses[OPERATOR],
    ]);
    expect(await d.registry().read.regionCount()).toBe(1n);
  });

  it("refuses an update of an unknown region, to a non-operator, or one that changes nothing", async () => {
    const d = chain();
    await withOperator(d);
    const c = d.consortium(0);
    const op = d.addresses[OPERATOR]!;
    await d.mined(c.write.proposeApproveRegion(["CN-GD", "广东", "Guangdong", op, 900, ""]));
    await expectRevert(
      c.write.proposeUpdateRegion(["CN-ZJ", "浙江", "Zhejiang", op, ""]),
      "ConsortiumUnknownRegion",
      ["CN-ZJ"],
    );
    await expectRevert(
      c.write.proposeUpdateRegion(["CN-GD", "广东", "Guangdong", d.addresses[2]!, ""]),
      "ConsortiumInvalidRegionOperator",
      [d.addresses[2]],
    );
    await expectRevert(
      c.write.proposeUpdateRegion(["CN-GD", "广东", "Guangdong", op, ""]),
      "ConsortiumRegionUnchanged",
      ["CN-GD"],
    );
  });

  it("refuses a region proposal with a bad code, interval or operator", async () => {
    const d = chain();
    await withOperator(d);
    const c = d.consortium(0);
    const op = d.addresses[OPERATOR]!;
    const propose = (code: string, operator: Address, interval: number) =>
      c.write.proposeApproveRegion([code, "区", "Region", operator, interval, ""]);
    for (const code of ["cn-gd", "X", "CN_GD", "ABCDEFGHIJKLMNOPQ", ""]) {
      await expectRevert(propose(code, op, 900), "ConsortiumInvalidRegionCode", [code]);
    }
    for (const interval of [0, 59, 7, 61, 172_800, 90_000]) {
      await expectRevert(propose("CN-GD", op, interval), "ConsortiumInvalidRegionInterval", [interval]);
    }
    await expectRevert(propose("CN-GD", d.addresses[2]!, 900), "ConsortiumInvalidRegionOperator", [
      d.addresses[2],
    ]);
    await expectRevert(propose("CN-GD", d.addresses[9]!, 900), "ConsortiumInvalidRegionOperator", [
      d.addresses[9],
    ]);
    await d.mined(propose("AB", op, 60));
    await d.mined(propose("0123456789-ABCDE", op, 86_400));
    expect(await d.registry().read.regionCount()).toBe(2n);
  });

  it("refuses region proposals while no registry is bound", async () => {
    const d = chain();
    const receipt = await d.mined(
      d.wallets[0]!.deployContract({
        abi: consortiumAbi,
        bytecode: consortiumBytecode,
        args: ["Solo", Role.regulator],
      }),
    );
    await expectRevert(
      d.wallets[0]!.writeContract({
        address: receipt.contractAddress!,
        abi: consortiumAbi,
        functionName: "proposeApproveRegion",
        args: ["CN-GD", "广东", "Guangdong", d.addresses[0]!, 900, ""],
      }),
      "ConsortiumRegistryNotBound",
      [],
    );
  });

  it("refuses an unknown region id", async () => {
    const d = chain();
    await expectRevert(d.registry().read.region([regionId("CN-XX")]), "RegistryUnknownRegion", [
      regionId("CN-XX"),
    ]);
  });

  it("checks region codes and intervals itself, whoever its consortium is", async () => {
    const d = chain();
    // A registry whose "consortium" is account 5, so the registry's own checks can be reached directly.
    const receipt = await d.mined(
      d.wallets[0]!.deployContract({ abi: registryAbi, bytecode: registryBytecode, args: [d.addresses[5]!] }),
    );
    const approve = (code: string, interval: number) =>
      d.wallets[5]!.writeContract({
        address: receipt.contractAddress!,
        abi: registryAbi,
        functionName: "approveRegion",
        args: [code, "区", "Region", d.addresses[1]!, interval],
      });
    await expectRevert(approve("cn", 900), "RegistryInvalidRegionCode", ["cn"]);
    await expectRevert(approve("CN-GD", 7), "RegistryInvalidRegionInterval", [7]);
    await d.mined(approve("CN-GD", 900));
    await expectRevert(approve("CN-GD", 300), "RegistryRegionExists", [regionId("CN-GD"), "CN-GD"]);
    const update = (code: string) =>
      d.wallets[5]!.writeContract({
        address: receipt.contractAddress!,
        abi: registryAbi,
        functionName: "updateRegion",
        args: [code, "区", "Region", d.addresses[1]!],
      });
    await expectRevert(update("CN-ZJ"), "RegistryUnknownRegion", [regionId("CN-ZJ")]);
    await expectRevert(
      d.wallets[0]!.deployContract({
        abi: registryAbi,
        bytecode: registryBytecode,
        args: ["0x0000000000000000000000000000000000000000"],
      }),
      "RegistryInvalidConsortium",
      ["0x0000000000000000000000000000000000000000"],
      { abi: registryAbi },
    );
  });
});
