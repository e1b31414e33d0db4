/**
 * Gas of the Market contract's settlement (part of `npm run bench:market`): a slot of N device lines
 * (N/2 buyers and N/2 sellers, one trade each, every account its own, rewards on) committed and
 * settled on the embedded chain, then every line's reward claimed by proof (claimRewards,
 * 200 lines a transaction).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, encodeFunctionData, type Hex, keccak256, pad, toHex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { marketAbi, settlementTokenAbi } from "../../src/chain/artifacts/index.js";
import { createChainClient } from "../../src/chain/chainClient.js";
import { createEmbeddedChain } from "../../src/chain/embedded/index.js";
import { foundConsortium } from "../../src/chain/foundConsortium.js";
import { createGovernanceClient } from "../../src/governance/governanceClient.js";
import { commitProof, lineLeaf } from "../../src/market/commitTree.js";
import type { SettlementLine } from "../../src/market/settleSlot.js";

const SLOT = 900n;
const RETAIL = 80n;
const FEED_IN = 30n;

const floorValue = (p: bigint, e: bigint) => (p * e) / 1000n;

/** Gas of one slot's commitClearing and settle. */
export type SlotGas = {
  lines: number;
  trades: number;
  commitGas: number;
  settleGas: number;
  settleGasPerLine: number;
  claimGas: number;
  claimGasPerLine: number;
  gasPerSettledTrade: number;
};

/** Commits and settles a slot of `deviceLines` device lines (even; plus the grid line) on a fresh embedded chain. */
export async function measureSettlementGas(deviceLines: number): Promise<SlotGas> {
  const lineCount = deviceLines - (deviceLines % 2);
  const dir = await mkdtemp(join(tmpdir(), "gridledger-market-gas-"));
  const privateKey = generatePrivateKey();
  const founder = privateKeyToAddress(privateKey);
  const chain = await createEmbeddedChain({
    dataDir: join(dir, "chain"),
    chainId: 1337,
    genesisAccounts: [{ address: founder, balance: 10n ** 24n }],
    senders: "any",
  });
  try {
    const client = createChainClient({
      endpoint: { kind: "embedded", request: chain.request },
      chainId: 1337,
      privateKey,
    });
    const founded = await foundConsortium({
      ...client,
      options: { founderName: "Bench", founderRoles: 8, timelockDelay: 0n },
    });
    const community = founder;
    const market = pad(community, { size: 32 }).toLowerCase() as Hex;
    const governance = createGovernanceClient({ client, contracts: founded });
    const encode = (functionName: string, args: readonly unknown[]) =>
      encodeFunctionData({ abi: marketAbi, functionName, args } as never) as Hex;
    await governance.propose(
      [
        {
          target: founded.Market,
          data: encode("openMarket", [community, founder, founder, Number(SLOT), 300]),
        },
        { target: founded.Market, data: encode("setRewardRate", [market, 1000n]) },
      ],
      "bench market",
    );
    const { sender, publicClient } = client;
    const m = { address: founded.Market, abi: marketAbi } as const;
    await sender.write({ ...m, functionName: "setTariffs", args: [market, RETAIL, FEED_IN] });

    const pairs = lineCount / 2;
    const buyers: Address[] = Array.from({ length: pairs }, () => privateKeyToAddress(generatePrivateKey()));
    const sellers: Address[] = Array.from({ length: pairs }, () => privateKeyToAddress(generatePrivateKey()));
    const fen = { address: founded.SettlementToken, abi: settlementTokenAbi } as const;
    const escrow = 1_000_000n;
    await sender.write({ ...fen, functionName: "mint", args: [founder, escrow * BigInt(pairs)] });
    await sender.write({ ...fen, functionName: "approve", args: [founded.Market, escrow * BigInt(pairs)] });
    for (const buyer of buyers)
      await sender.write({ ...m, functionName: "depositFor", args: [buyer, escrow] });

    // Each pair trades 1000 Wh at 50/kWh; the seller delivers 900 Wh, the buyer takes 1100 Wh.
    type Line = {
      account: Address;
      device: Hex;
      side: number;
      tradedWh: bigint;
      meteredWh: bigint;
      deliveredWh: bigint;
      tradeValue: bigint;
      gridValue: bigint;
      rewardWh: bigint;
    };
    const lines: Line[] = [];
    for (let i = 0; i < pairs; i++) {
      lines.push({
        account: sellers[i] as Address,
        device: keccak256(toHex(`sell-${i}`)),
        side: 1,
        tradedWh: 1000n,
        meteredWh: 900n,
        deliveredWh: 900n,
        tradeValue: 50n,
        gridValue: -floorValue(RETAIL, 100n),
        rewardWh: 900n,
      });
      lines.push({
        account: buyers[i] as Address,
        device: keccak256(toHex(`buy-${i}`)),
        side: 0,
        tradedWh: 1000n,
        meteredWh: 1100n,
        deliveredWh: 1000n,
        tradeValue: -50n,
        gridValue: -floorValue(RETAIL, 100n),
        rewardWh: 900n,
      });
    }
    lines.sort((a, b) => (a.device < b.device ? -1 : 1));
    lines.push({
      account: founder,
      device: `0x${"00".repeat(32)}`,
      side: 2,
      tradedWh: 0n,
      meteredWh: 0n,
      deliveredWh: 0n,
      tradeValue: 0n,
      gridValue: -lines.reduce((s, l) => s + l.gridValue, 0n),
      rewardWh: 0n,
    });
    const { timestamp } = await publicClient.getBlock();
    const slot = (timestamp / SLOT - 2n) * SLOT;
    const locks = buyers.map((account) => ({ account, amount: 50n }));
    const root = keccak256(toHex("bench"));
    const commit = await sender.write({
      ...m,
      functionName: "commitClearing",
      args: [market, slot, root, lineCount, root, pairs, 50n, 1000n * BigInt(pairs), locks],
    });
    const settle = await sender.write({ ...m, functionName: "settle", args: [market, slot, lines] });
    const leaves = lines.map((l) => lineLeaf(l as SettlementLine));
    let claimGas = 0n;
    for (let start = 0; start < lines.length; start += 200) {
      const batch = lines.slice(start, start + 200);
      const proofs = batch.map((_, k) => commitProof(leaves, start + k));
      const claim = await sender.write({
        ...m,
        functionName: "claimRewards",
        args: [market, slot, batch, proofs],
      });
      claimGas += claim.gasUsed;
    }
    return {
      lines: lines.length,
      trades: pairs,
      commitGas: Number(commit.gasUsed),
      settleGas: Number(settle.gasUsed),
      settleGasPerLine: Math.round(Number(settle.gasUsed) / lines.length),
      claimGas: Number(claimGas),
      claimGasPerLine: Math.round(Number(claimGas) / lines.length),
      gasPerSettledTrade: Math.round(Number(commit.gasUsed + settle.gasUsed + claimGas) / pairs),
    };
  } finally {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  }
}
