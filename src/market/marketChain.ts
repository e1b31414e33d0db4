import { type Address, decodeFunctionData, type Hex, type TransactionReceipt } from "viem";
import { marketAbi } from "../chain/artifacts/index.js";
import type { ChainClient } from "../chain/chainClient.js";
import { BaseError } from "../core/errors.js";
import type { SettlementLine } from "./settleSlot.js";

/** `Market.slotOf` (contracts/Market.sol `SlotRecord`): clearedAt 0 = not committed. */
export type ChainSlot = {
  ordersRoot: Hex;
  tradesRoot: Hex;
  settlementRoot: Hex;
  price: bigint;
  volumeWh: bigint;
  orderCount: number;
  tradeCount: number;
  retailPrice: bigint;
  feedInPrice: bigint;
  rewardRate: bigint;
  locked: bigint;
  clearedAt: bigint;
  settledAt: bigint;
};

/** A buyer account's lock of a slot: its total trade value. */
export type Lock = { account: Address; amount: bigint };

/** The clearing of a slot as `commitClearing` takes it. */
export type Commitment = {
  market: Hex;
  slot: bigint;
  ordersRoot: Hex;
  orderCount: number;
  tradesRoot: Hex;
  tradeCount: number;
  price: bigint;
  volumeWh: bigint;
  locks: readonly Lock[];
};

/** `MARKET_UNAVAILABLE`: the node knows no Market contract (a data directory founded before it). */
export function marketUnavailable(): BaseError {
  return new BaseError("MARKET_UNAVAILABLE", "this node has no Market contract yet", {});
}

/**
 * The Market contract as the node uses it: escrow and slot reads, and the operator's writes through the
 * node's transaction sender (one nonce manager per key; reverts come back as named errors).
 */
export function createMarketChain(client: ChainClient, address: Address, fromBlock = 0n) {
  const contract = { address, abi: marketAbi } as const;
  return {
    address,
    /** The operator key's address (the account that commits and settles). */
    operator: client.sender.account.address,
    /** `Market.availableOf(account)`: escrow not locked. */
    async availableOf(account: Address): Promise<bigint> {
      return client.publicClient.readContract({ ...contract, functionName: "availableOf", args: [account] });
    },
    /** Signed balance, locked and available escrow of an account. */
    async escrowOf(account: Address) {
      const [balance, locked, available] = await Promise.all([
        client.publicClient.readContract({ ...contract, functionName: "balanceOf", args: [account] }),
        client.publicClient.readContract({ ...contract, functionName: "lockedOf", args: [account] }),
        client.publicClient.readContract({ ...contract, functionName: "availableOf", args: [account] }),
      ]);
      return { balance, locked, available };
    },
    /** `Market.slotOf(market, slot)`. */
    async slotOf(market: Hex, slot: bigint): Promise<ChainSlot> {
      const r = await client.publicClient.readContract({
        ...contract,
        functionName: "slotOf",
        args: [market, slot],
      });
      return { ...r, orderCount: Number(r.orderCount), tradeCount: Number(r.tradeCount) };
    },
    /** The transaction of a slot's `ClearingCommitted` or `SlotSettled` event (a send whose receipt was lost), if any. */
    async eventTx(
      eventName: "ClearingCommitted" | "SlotSettled",
      market: Hex,
      slot: bigint,
    ): Promise<Hex | undefined> {
      const logs = await client.publicClient.getContractEvents({
        ...contract,
        eventName,
        args: { market, slot },
        fromBlock,
        strict: true,
      });
      return logs[0]?.transactionHash?.toLowerCase() as Hex | undefined;
    },
    /** The settlement lines a `settle` transaction sent, decoded from its input. */
    async settledLines(hash: Hex): Promise<SettlementLine[]> {
      const { input } = await client.publicClient.getTransaction({ hash });
      const { functionName, args } = decodeFunctionData({ abi: marketAbi, data: input });
      if (functionName !== "settle") throw new Error(`${hash} is not a settle transaction`);
      return args[2].map((l) => ({ ...l, side: l.side as 0 | 1 | 2 }));
    },
    /** `Market.rewardClaimed`: whether the reward of the line with this leaf was claimed. */
    async rewardClaimed(market: Hex, slot: bigint, leaf: Hex): Promise<boolean> {
      return client.publicClient.readContract({
        ...contract,
        functionName: "rewardClaimed",
        args: [market, slot, leaf],
      });
    },
    /** Sends `claimRewards` for settled lines with their proofs in the slot's settlement root (anyone may). */
    async claimRewards(
      market: Hex,
      slot: bigint,
      lines: readonly SettlementLine[],
      proofs: readonly (readonly Hex[])[],
    ): Promise<TransactionReceipt> {
      return client.sender.write({
        ...contract,
        functionName: "claimRewards",
        args: [market, slot, lines, proofs],
      });
    },
    /** Sends `commitClearing` (only the market's operator may). */
    async commitClearing(c: Commitment): Promise<TransactionReceipt> {
      return client.sender.write({
        ...contract,
        functionName: "commitClearing",
        args: [
          c.market,
          c.slot,
          c.ordersRoot,
          c.orderCount,
          c.tradesRoot,
          c.tradeCount,
          c.price,
          c.volumeWh,
          c.locks.map((l) => ({ account: l.account, amount: l.amount })),
        ],
      });
    },
    /** Sends `settle` with the lines in the given order (only the market's operator may). */
    async settle(market: Hex, slot: bigint, lines: readonly SettlementLine[]): Promise<TransactionReceipt> {
      return client.sender.write({ ...contract, functionName: "settle", args: [market, slot, lines] });
    },
  };
}

/** The Market contract client (see {@link createMarketChain}). */
export type MarketChain = ReturnType<typeof createMarketChain>;
