import {
  type Address,
  concat,
  encodeAbiParameters,
  getAddress,
  getContract,
  type Hex,
  keccak256,
  pad,
  parseAbiParameters,
} from "viem";
import { marketAbi, rewardTokenAbi, settlementTokenAbi } from "../../src/chain/artifacts/index.js";
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

/** floor(p × E / 1000). */
export const tradeValueOf = (price: bigint, energyWh: bigint) => (price * energyWh) / 1000n;

/** The pin's gridValue for a buy (0) or sell (1) line at {@link Tariffs}. */
export function gridValueOf(side: number, traded: bigint, metered: bigint, t = Tariffs): bigint {
  const d = minOf(traded, metered);
  return side === 1
    ? tradeValueOf(t.feedInPrice, metered - d) - tradeValueOf(t.retailPrice, traded - d)
    : tradeValueOf(t.feedInPrice, traded - d) - tradeValueOf(t.retailPrice, metered - d);
}

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
    device: `0x${"00".repeat(32)}`,
    side: 2,
    tradedWh: 0n,
    meteredWh: 0n,
    deliveredWh: 0n,
    tradeValue: 0n,
    gridValue: -lines.reduce((sum, l) => sum + l.gridValue, 0n),
    rewardWh: 0n,
  };
}

const lineParams = parseAbiParameters(
  "(address account, bytes32 device, uint8 side, uint64 tradedWh, uint64 meteredWh, uint64 deliveredWh, int256 tradeValue, int256 gridValue, uint64 rewardWh)",
);

// The pin's commitment tree, written again here (src/market/commitTree.ts is the node's copy).
const commutative = (a: Hex, b: Hex) =>
  BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));

/** keccak256(keccak256(abi.encode(line))). */
export const lineLeaf = (line: Line): Hex => keccak256(keccak256(encodeAbiParameters(lineParams, [line])));

function levels(leaves: readonly Hex[]): Hex[][] {
  const all: Hex[][] = [[...leaves]];
  for (let level = all[0]!; level.length > 1; ) {
    const next: Hex[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(commutative(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level.at(-1)!);
    all.push(next);
    level = next;
  }
  return all;
}

/** Root of the in-order commutative keccak tree (zero for no leaves). */
export const commitRoot = (leaves: readonly Hex[]): Hex =>
  leaves.length === 0 ? `0x${"00".repeat(32)}` : levels(leaves).at(-1)![0]!;

/** The siblings of leaf `index`, bottom-up, skipping levels where it was carried. */
export function commitProof(leaves: readonly Hex[], index: number): Hex[] {
  const proof: Hex[] = [];
  let i = index;
  for (const level of levels(leaves).slice(0, -1)) {
    if ((i ^ 1) < level.length) proof.push(level[i ^ 1]!);
    i >>= 1;
  }
  return proof;
}

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
