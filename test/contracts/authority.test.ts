import {
  type AbiFunction,
  type AbiParameter,
  keccak256,
  stringToHex,
  toFunctionSelector,
  zeroAddress,
} from "viem";
import { describe, expect, it } from "vitest";
import { adminRole, publicRole, publicSelectors, roleSelectors } from "../../src/chain/foundConsortium.js";
import { authorityRoles, contractManifest } from "../../src/chain/manifest.js";
import { authorityCall, giveSeats, govern, setupGridLedger } from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";

const chain = setupGridLedger();

const STRANGER = 9;

/** A value of the parameter's type, all zeros (for calls the authority refuses before reading them). */
function zeroOf(param: AbiParameter): unknown {
  if (param.type.endsWith("]")) return [];
  if (param.type === "tuple") {
    const components = (param as { components: readonly AbiParameter[] }).components;
    return Object.fromEntries(components.map((c) => [c.name, zeroOf(c)]));
  }
  if (param.type === "address") return zeroAddress;
  if (param.type === "bool") return false;
  if (param.type === "string") return "";
  if (param.type === "bytes") return "0x";
  if (param.type.startsWith("bytes")) return `0x${"00".repeat(Number(param.type.slice(5)))}`;
  const bits = Number(param.type.replace(/^u?int/, "") || 256);
  return bits <= 48 ? 0 : 0n;
}

/** The state-changing functions of a contract's ABI. */
function writes(abi: readonly unknown[]): AbiFunction[] {
  return (abi as AbiFunction[]).filter(
    (item) => item.type === "function" && !["view", "pure"].includes(item.stateMutability),
  );
}

const managed = contractManifest.filter((spec) => writes(spec.abi).some((f) => f.name === "setAuthority"));

describe("GridAuthority", () => {
  it("refuses an outsider every restricted function of every AccessManaged contract of the manifest", async () => {
    const d = chain();
    expect(managed.map((s) => s.name)).toEqual([
      "Consortium",
      "Registry",
      "MeterAnchor",
      "Accounts",
      "SettlementToken",
      "RewardToken",
      "Market",
    ]);
    let refused = 0;
    for (const spec of managed) {
      for (const fn of writes(spec.abi)) {
        if (spec.publicFunctions.includes(fn.name)) continue;
        await expectRevert(
          d.publicClient.simulateContract({
            account: d.addresses[STRANGER]!,
            address: d.contracts[spec.name],
            abi: spec.abi,
            functionName: fn.name,
            args: fn.inputs.map(zeroOf),
          }),
          "AccessManagedUnauthorized",
          [d.addresses[STRANGER]],
        );
        refused += 1;
      }
    }
    // Consortium 7 (with setAuthority), Registry 3, MeterAnchor 1, Accounts 1, SettlementToken 3 (mint,
    // burn: PAYMENT_AGENT), RewardToken 2 (mint: MARKET_MINTER), Market 3 (openMarket, setRewardRate).
    expect(refused).toBe(20);
  });

  it("gives the manifest's role functions their roles and grants the roles at founding: the founder pays, the market mints", async () => {
    const d = chain();
    for (const spec of managed) {
      for (const { role, selectors } of roleSelectors(spec)) {
        for (const selector of selectors) {
          expect(await d.authority().read.getTargetFunctionRole([d.contracts[spec.name], selector])).toBe(
            role,
          );
        }
      }
    }
    const { paymentAgent, marketMinter } = authorityRoles;
    expect(await d.authority().read.hasRole([paymentAgent, d.addresses[0]!])).toEqual([true, 0]);
    expect(await d.authority().read.hasRole([marketMinter, d.contracts.Market])).toEqual([true, 0]);
    expect(await d.authority().read.hasRole([paymentAgent, d.addresses[STRANGER]!])).toEqual([false, 0]);
    expect(await d.authority().read.hasRole([marketMinter, d.addresses[0]!])).toEqual([false, 0]);
  });

  it("opens the manifest's member-facing functions to every caller, and nothing else", async () => {
    const d = chain();
    for (const spec of managed) {
      const open = publicSelectors(spec);
      for (const fn of writes(spec.abi)) {
        const selector = toFunctionSelector(fn);
        const [allowed] = await d
          .authority()
          .read.canCall([d.addresses[STRANGER]!, d.contracts[spec.name], selector]);
        expect({ fn: `${spec.name}.${fn.name}`, allowed }).toEqual({
          fn: `${spec.name}.${fn.name}`,
          allowed: open.includes(selector),
        });
      }
    }
  });

  it("leaves governance as the only admin: the founder holds no admin role after founding", async () => {
    const d = chain();
    const founder = d.addresses[0]!;
    expect(await d.authority().read.hasRole([adminRole, founder])).toEqual([false, 0]);
    expect(await d.authority().read.hasRole([adminRole, d.contracts.GridTimelock])).toEqual([true, 0]);
    const timelockAdmin = `0x${"00".repeat(32)}` as const;
    const proposer = keccak256(stringToHex("PROPOSER_ROLE"));
    const canceller = keccak256(stringToHex("CANCELLER_ROLE"));
    expect(await d.timelock().read.hasRole([timelockAdmin, founder])).toBe(false);
    expect(await d.timelock().read.hasRole([timelockAdmin, d.contracts.GridTimelock])).toBe(true);
    expect(await d.timelock().read.hasRole([proposer, d.contracts.ConsortiumGovernor])).toBe(true);
    expect(await d.timelock().read.hasRole([canceller, d.contracts.ConsortiumGovernor])).toBe(true);
    expect(await d.timelock().read.hasRole([proposer, founder])).toBe(false);

    await expectRevert(
      d.authority(0).write.grantRole([adminRole, founder, 0]),
      "AccessManagerUnauthorizedAccount",
      [founder, adminRole],
    );
    await expectRevert(
      d.timelock(0).write.grantRole([proposer, founder]),
      "AccessControlUnauthorizedAccount",
      [founder, timelockAdmin],
    );
    await expectRevert(d.governor(0).write.relay([founder, 0n, "0x"]), "GovernorOnlyExecutor", [founder]);
  });

  it("closes MeterAnchor by a vote: even a region's operator is then refused", async () => {
    const d = chain();
    await expectRevert(d.meterAnchor(STRANGER).write.anchor([[]]), "MeterAnchorNoBatches");
    await govern(d, [authorityCall(d, "setTargetClosed", [d.meterAnchorAddress, true])], "close");
    expect(await d.authority().read.isTargetClosed([d.meterAnchorAddress])).toBe(true);
    await expectRevert(d.meterAnchor(STRANGER).write.anchor([[]]), "AccessManagedUnauthorized", [
      d.addresses[STRANGER],
    ]);
  });

  it("restricts Registry.registerDevices to a new role granted to one account, by a vote", async () => {
    const d = chain();
    await giveSeats(d, 2);
    const ROLE = 42n;
    const register = toFunctionSelector(
      writes(d.registry().abi).find((f) => f.name === "registerDevices") as AbiFunction,
    );
    await govern(
      d,
      [
        authorityCall(d, "labelRole", [ROLE, "DEVICE_REGISTRAR"]),
        authorityCall(d, "grantRole", [ROLE, d.addresses[3]!, 0]),
        authorityCall(d, "setTargetFunctionRole", [d.registryAddress, [register], ROLE]),
      ],
      "only registrars register devices",
    );
    expect(await d.authority().read.getTargetFunctionRole([d.registryAddress, register])).toBe(ROLE);
    expect(await d.authority().read.hasRole([ROLE, d.addresses[3]!])).toEqual([true, 0]);
    // The registrar passes the authority and meets the Registry's own checks; the others stop at the authority.
    await expectRevert(d.registry(3).write.registerDevices([[]]), "RegistryEmptyBatch");
    for (const caller of [0, 1, STRANGER]) {
      await expectRevert(d.registry(caller).write.registerDevices([[]]), "AccessManagedUnauthorized", [
        d.addresses[caller],
      ]);
    }
    // Opening it again is one more vote.
    await govern(d, [authorityCall(d, "setTargetFunctionRole", [d.registryAddress, [register], publicRole])]);
    await expectRevert(d.registry(STRANGER).write.registerDevices([[]]), "RegistryEmptyBatch");
  });
});
