import { type Address, getAddress, getContract, type Hex, keccak256, pad } from "viem";
import { marketAbi, rewardTokenAbi, settlementTokenAbi } from "../../src/chain/artifacts/index.js";
import { commitProof, commitRoot, lineLeaf as coreLineLeaf } from "../../src/market/commitTree.js";
import {
  gridValueOf as coreGridValueOf,
  gridDevice,
  type SettlementLine,
  tradeValue,
} from "../../src/market/settleSlot.js";
import { type Deployment, type GovernanceCall, govern } from "../helpers/deploy.js";

/** Dev accounts of the market tests: 0 is the founder (governance's only seat, the payment agent). */
export const Who = { founder: 0, operator: 1, grid: 2, buyer: 3, seller: 4, buyer2: 5, stranger: 9 } as const;
/** The community the market belongs to (an address; the Market does not ask the Consortium). */
export const COMMUNITY: Address = getAddress("0x00000000000000000000000000000000000c0111");
/** The market id of {@link COMMUNITY}: its address left-padded to 32 bytes. */
export const MARKET = pad(COMMUNITY, { size: 32 }).toLowerCase() as Hex;
export const SLOT_SECONDS = 900;
export const GATE_SECONDS = 300;
export const Tariffs = { retailPrice: 80n, feedInPrice: 30n } as const;
/** Reward units per kWh delivered locally. */
export const REWARD_RATE = 1_000n;

/** A settlement line as the contract's struct. */
export type Line = {
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

/** The smaller of two bigints. */
const minOf = (a: bigint, b: bigint) => (a < b ? a : b);

/** floor(p × E / 1000): the node's own function, so the contract is checked against what the node sends. */
export const tradeValueOf = tradeValue;

/** The pin's gridValue for a buy (0) or sell (1) line at {@link Tariffs} (the node's function). */
export const gridValueOf = (side: number, traded: bigint, metered: bigint, t = Tariffs): bigint =>
  coreGridValueOf(side as 0 | 1, traded, metered, t);

/** A device line with delivered and gridValue computed as the contract checks them. */
export function deviceLine(l: {
  account: Address;
  device: Hex;
  side: 0 | 1;
  tradedWh: bigint;
  meteredWh: bigint;
  tradeValue: bigint;
  rewardWh?: bigint;
}): Line {
  const deliveredWh = minOf(l.tradedWh, l.meteredWh);
  return {
    ...l,
    deliveredWh,
    gridValue: gridValueOf(l.side, l.tradedWh, l.meteredWh),
    rewardWh: l.rewardWh ?? 0n,
  };
}

/** The grid operator's balancing line for `lines`. */
export function gridLine(account: Address, lines: readonly Line[]): Line {
  return {
    account,
    device: gridDevice,
    side: 2,
    tradedWh: 0n,
    meteredWh: 0n,
    deliveredWh: 0n,
    tradeValue: 0n,
    gridValue: -lines.reduce((sum, l) => sum + l.gridValue, 0n),
    rewardWh: 0n,
  };
}

/** The node's line leaf (src/market/commitTree.ts), so the contract's root is checked against it. */
export const lineLeaf = (line: Line): Hex => coreLineLeaf(line as SettlementLine);

export { commitProof, commitRoot };

/** Typed handles of the market's contracts for dev account `i`. */
export function marketHandles(d: Deployment) {
  const client = (i: number) => ({ public: d.publicClient, wallet: d.walletOf(i) });
  return {
    market: (i = 0) => getContract({ address: d.contracts.Market, abi: marketAbi, client: client(i) }),
    fen: (i = 0) =>
      getContract({ address: d.contracts.SettlementToken, abi: settlementTokenAbi, client: client(i) }),
    reward: (i = 0) =>
      getContract({ address: d.contracts.RewardToken, abi: rewardTokenAbi, client: client(i) }),
  };
}

/** A call to the Market, for {@link govern}. */
export const marketCall = (
  d: Deployment,
  functionName: string,
  args: readonly unknown[],
): GovernanceCall => ({
  address: d.contracts.Market,
  abi: marketAbi,
  functionName,
  args,
});

/**
 * Opens {@link MARKET} by governance (operator, grid operator, 900 s slots, 300 s gate, reward rate),
 * sets the tariffs as the grid operator, and gives each of `funded` 10,000.00 fen of escrow (minted by
 * the founder, the payment agent).
 */
export async function openTestMarket(d: Deployment, funded: readonly Address[] = []) {
  const h = marketHandles(d);
  await govern(d, [
    marketCall(d, "openMarket", [
      COMMUNITY,
      d.addresses[Who.operator],
      d.addresses[Who.grid],
      SLOT_SECONDS,
      GATE_SECONDS,
    ]),
    marketCall(d, "setRewardRate", [MARKET, REWARD_RATE]),
  ]);
  await d.mined(h.market(Who.grid).write.setTariffs([MARKET, Tariffs.retailPrice, Tariffs.feedInPrice]));
  await fund(d, funded, 1_000_000n);
  return h;
}

/** The founder mints `amount` per account and deposits it for them. */
export async function fund(d: Deployment, accounts: readonly Address[], amount: bigint) {
  if (accounts.length === 0) return;
  const h = marketHandles(d);
  const total = amount * BigInt(accounts.length);
  await d.mined(h.fen(0).write.mint([d.addresses[0]!, total]));
  await d.mined(h.fen(0).write.approve([d.contracts.Market, total]));
  for (const account of accounts) await d.mined(h.market(0).write.depositFor([account, amount]));
}

/** A past slot, aligned, whose gate has closed: `back` slots before the current one. */
export async function pastSlot(d: Deployment, back = 2n): Promise<bigint> {
  const { timestamp } = await d.publicClient.getBlock();
  return (timestamp / BigInt(SLOT_SECONDS) - back) * BigInt(SLOT_SECONDS);
}

export const ZERO32: Hex = `0x${"00".repeat(32)}`;
/** A device id derived from a label. */
export const deviceId = (label: string): Hex => keccak256(`0x${Buffer.from(label).toString("hex")}`);
