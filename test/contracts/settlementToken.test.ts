import { parseEventLogs, parseSignature } from "viem";
import { describe, expect, it } from "vitest";
import { rewardTokenAbi } from "../../src/chain/artifacts/index.js";
import { setupGridLedger } from "../helpers/deploy.js";
import { expectRevert } from "../helpers/expectRevert.js";
import { marketHandles, Who } from "./marketFixtures.js";

const chain = setupGridLedger();

describe("SettlementToken", () => {
  it("is the 2-decimal gFEN token", async () => {
    const { fen } = marketHandles(chain());
    expect([await fen().read.name(), await fen().read.symbol(), await fen().read.decimals()]).toEqual([
      "GridLedger Settlement Fen",
      "gFEN",
      2,
    ]);
  });

  it("lets the payment agent (the founder) mint and burn, and refuses anyone else", async () => {
    const d = chain();
    const { fen } = marketHandles(d);
    const buyer = d.addresses[Who.buyer]!;
    await d.mined(fen(Who.founder).write.mint([buyer, 1_000n]));
    await d.mined(fen(Who.founder).write.burn([buyer, 300n]));
    expect(await fen().read.balanceOf([buyer])).toBe(700n);
    expect(await fen().read.totalSupply()).toBe(700n);
    for (const caller of [Who.buyer, Who.operator, Who.stranger]) {
      await expectRevert(fen(caller).write.mint([buyer, 1n]), "AccessManagedUnauthorized", [
        d.addresses[caller],
      ]);
      await expectRevert(fen(caller).write.burn([buyer, 1n]), "AccessManagedUnauthorized", [
        d.addresses[caller],
      ]);
    }
    await expectRevert(fen(Who.founder).write.burn([buyer, 701n]), "ERC20InsufficientBalance", [
      buyer,
      700n,
      701n,
    ]);
  });

  it("accepts an ERC-2612 permit signed by the owner", async () => {
    const d = chain();
    const { fen } = marketHandles(d);
    const owner = d.walletOf(Who.buyer);
    const spender = d.contracts.Market;
    const deadline = 2n ** 40n;
    const signature = await owner.signTypedData({
      domain: {
        name: "GridLedger Settlement Fen",
        version: "1",
        chainId: d.chain.id,
        verifyingContract: d.contracts.SettlementToken,
      },
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner: owner.account.address, spender, value: 123n, nonce: 0n, deadline },
    });
    const { v, r, s } = parseSignature(signature);
    await d.mined(
      fen(Who.stranger).write.permit([owner.account.address, spender, 123n, deadline, Number(v), r, s]),
    );
    expect(await fen().read.allowance([owner.account.address, spender])).toBe(123n);
  });
});

describe("RewardToken", () => {
  it("is the 0-decimal gLER token, minted only by the Market contract", async () => {
    const d = chain();
    const { reward } = marketHandles(d);
    expect([await reward().read.symbol(), await reward().read.decimals()]).toEqual(["gLER", 0]);
    for (const caller of [Who.founder, Who.operator, Who.stranger]) {
      await expectRevert(reward(caller).write.mint([d.addresses[caller]!, 1n]), "AccessManagedUnauthorized", [
        d.addresses[caller],
      ]);
    }
  });

  it("redeems by burning the holder's units with its reference, and refuses zero or more than held", async () => {
    const d = chain();
    const { reward } = marketHandles(d);
    const holder = d.addresses[Who.seller]!;
    // The Market holds MARKET_MINTER; impersonate it to mint without a settlement.
    await d.testClient.impersonateAccount({ address: d.contracts.Market });
    await d.testClient.setBalance({ address: d.contracts.Market, value: 10n ** 18n });
    await d.mined(
      d.walletOf(0).writeContract({
        account: d.contracts.Market,
        address: d.contracts.RewardToken,
        abi: rewardTokenAbi,
        functionName: "mint",
        args: [holder, 10n],
      }),
    );
    await d.testClient.stopImpersonatingAccount({ address: d.contracts.Market });
    const ref = `0x${"12".repeat(32)}` as const;
    const receipt = await d.mined(reward(Who.seller).write.redeem([4n, ref]));
    expect(
      parseEventLogs({ abi: rewardTokenAbi, logs: receipt.logs, eventName: "Redeemed" })[0]?.args,
    ).toEqual({
      account: holder,
      amount: 4n,
      ref,
    });
    expect(await reward().read.balanceOf([holder])).toBe(6n);
    await expectRevert(reward(Who.seller).write.redeem([0n, ref]), "RewardTokenZeroAmount", []);
    await expectRevert(reward(Who.seller).write.redeem([7n, ref]), "ERC20InsufficientBalance", [
      holder,
      6n,
      7n,
    ]);
  });
});
