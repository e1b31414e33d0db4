import { type Address, keccak256, toHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { DEFAULT_BLOCK_GAS_LIMIT } from "../../src/chain/embedded/embeddedChain.js";
import { setupGridLedger } from "../helpers/deploy.js";
import {
  deviceLine,
  fund,
  gridLine,
  type Line,
  MARKET,
  openTestMarket,
  pastSlot,
  Who,
} from "./marketFixtures.js";

// An anvil with the embedded chain's block gas limit: what fits here fits a block of the node's chain.
const chain = setupGridLedger({ gasLimit: DEFAULT_BLOCK_GAS_LIMIT });

/** A distinct account per index (not a dev account: every seller's balance starts at zero). */
const accountOf = (label: string, i: number): Address =>
  privateKeyToAddress(keccak256(toHex(`${label}-${i}`)));

describe("Market settle at scale", () => {
  it("settles a 1,000-participant slot (500 pairs, each its own accounts) in one transaction under the block gas limit", async () => {
    const d = chain();
    const pairs = 500;
    const buyers = Array.from({ length: pairs }, (_, i) => accountOf("buyer", i));
    const sellers = Array.from({ length: pairs }, (_, i) => accountOf("seller", i));
    const h = await openTestMarket(d);
    await fund(d, buyers, 100n);
    const slot = await pastSlot(d);
    await d.mined(
      h
        .market(Who.operator)
        .write.commitClearing([
          MARKET,
          slot,
          `0x${"aa".repeat(32)}`,
          pairs * 2,
          `0x${"bb".repeat(32)}`,
          pairs,
          50n,
          1000n * BigInt(pairs),
          buyers.map((account) => ({ account, amount: 50n })),
        ]),
    );
    const lines: Line[] = [];
    for (let i = 0; i < pairs; i++) {
      const common = { tradedWh: 1000n, rewardWh: 900n } as const;
      lines.push(
        deviceLine({
          ...common,
          account: sellers[i]!,
          device: keccak256(toHex(`s${i}`)),
          side: 1,
          meteredWh: 900n,
          tradeValue: 50n,
        }),
        deviceLine({
          ...common,
          account: buyers[i]!,
          device: keccak256(toHex(`b${i}`)),
          side: 0,
          meteredWh: 1100n,
          tradeValue: -50n,
        }),
      );
    }
    lines.sort((a, b) => (a.device < b.device ? -1 : 1));
    lines.push(gridLine(d.addresses[Who.grid]!, lines));
    const receipt = await d.mined(
      h.market(Who.operator).write.settle([MARKET, slot, lines], { gas: DEFAULT_BLOCK_GAS_LIMIT }),
    );
    expect(receipt.status).toBe("success");
    // With the node's 20 % headroom on top, the estimate still fits one block.
    expect((receipt.gasUsed * 12n) / 10n).toBeLessThan(DEFAULT_BLOCK_GAS_LIMIT);
    expect((await h.market().read.slotOf([MARKET, slot])).settledAt).toBeGreaterThan(0n);
    expect(await h.market().read.balanceOf([sellers[0]!])).toBe(50n - 8n);
  }, 300_000);
});
