import type { Address, Hex } from "viem";
import { readAccountKeyFile } from "../auth/accountKey.js";
import { type ChainEndpoint, createChainClient } from "../chain/chainClient.js";
import { type ContractAddresses, contractSpec } from "../chain/manifest.js";
import { marketIdOf } from "../market/orderFormat.js";
import type { NodeContext } from "./openNode.js";

/** The demo market's settings: 15-minute slots, gate closure 5 minutes before, tariffs and reward rate. */
export const demoMarketSettings = {
  slotSeconds: 900,
  gateClosureSeconds: 300,
  /** Grid operator's retail (import) and feed-in (export) prices, fen per kWh. */
  retailPrice: 60n,
  feedInPrice: 30n,
  /** Reward tokens per locally delivered kWh. */
  rewardRate: 100n,
  /** Escrow each demo trader is topped up to, fen (1,000 yuan). */
  escrow: 100_000n,
} as const;

/** Gas money the demo grid operator is given when it has less than a tenth of it (it sends `setTariffs`). */
const gridOperatorGas = 10n ** 18n;

type MarketInfo = { openedAt: bigint; retailPrice: bigint; feedInPrice: bigint; rewardRate: bigint };

/** What {@link seedDemoMarket} did, for the start banner. */
export type DemoMarketSeed = { market: Hex; opened: boolean; funded: Address[] } | { skipped: string };

/**
 * Sets up the demo market of the node's community, idempotently (each step only where the chain does
 * not hold it yet): the market opened by governance (`Market.openMarket(community, operator = the
 * node, gridOperator, 900, 300)`, one seat: executes at once), the grid operator's tariffs
 * (`setTariffs`, sent by the grid operator's own key after the node gives it gas), the reward rate
 * by governance, and each trader's escrow topped up to {@link demoMarketSettings}.escrow: the node,
 * the payment agent, mints settlement tokens to itself and `depositFor`s the trader. Skips (and says
 * why) when the node has no Market contract (a data directory founded before the market).
 */
export async function seedDemoMarket(
  node: Pick<
    NodeContext,
    "registry" | "indexer" | "client" | "contracts" | "embedded" | "config" | "chainId"
  >,
  options: { gridOperatorKeyFile: string; traders: readonly Address[] },
): Promise<DemoMarketSeed> {
  const contracts = node.contracts as Partial<ContractAddresses>;
  const { Market: marketAddress, SettlementToken: tokenAddress } = contracts;
  if (!marketAddress || !tokenAddress) return { skipped: "this node has no Market contract" };
  const community = node.registry.operator;
  const operator = node.client.sender.account.address;
  const market = marketIdOf(community);
  const s = demoMarketSettings;
  const marketContract = { address: marketAddress, abi: contractSpec("Market").abi } as const;
  const token = { address: tokenAddress, abi: contractSpec("SettlementToken").abi } as const;
  const read = <T>(contract: typeof marketContract | typeof token, functionName: string, args: unknown[]) =>
    node.client.publicClient.readContract({ ...contract, functionName, args } as never) as Promise<T>;
  const info = () => read<MarketInfo>(marketContract, "marketOf", [market]);

  let opened = false;
  if ((await info()).openedAt === 0n) {
    const grid = await readAccountKeyFile(options.gridOperatorKeyFile);
    await node.registry.propose(
      {
        kind: "call",
        target: "Market",
        signature: "openMarket",
        args: [community, operator, grid.address, String(s.slotSeconds), String(s.gateClosureSeconds)],
      },
      "demo: open the community's local energy market",
    );
    opened = true;
  }
  const now = await info();
  if (now.retailPrice !== s.retailPrice || now.feedInPrice !== s.feedInPrice) {
    const grid = await readAccountKeyFile(options.gridOperatorKeyFile);
    const endpoint: ChainEndpoint = node.embedded
      ? { kind: "embedded", request: node.embedded.request }
      : { kind: "external", rpcUrl: node.config.rpcUrl ?? "" };
    const gridClient = createChainClient({ endpoint, chainId: node.chainId, privateKey: grid.key });
    if ((await node.client.publicClient.getBalance({ address: grid.address })) < gridOperatorGas / 10n) {
      await sendGas(node, grid.address, gridOperatorGas);
    }
    await gridClient.sender.write({
      ...marketContract,
      functionName: "setTariffs",
      args: [market, s.retailPrice, s.feedInPrice],
    });
  }
  if (now.rewardRate !== s.rewardRate) {
    await node.registry.propose(
      { kind: "call", target: "Market", signature: "setRewardRate", args: [market, String(s.rewardRate)] },
      "demo: reward tokens per locally traded kWh",
    );
  }
  const funded: Address[] = [];
  for (const trader of options.traders) {
    const balance = await read<bigint>(marketContract, "balanceOf", [trader]);
    if (balance >= s.escrow) continue;
    const amount = s.escrow - balance;
    await node.client.sender.write({ ...token, functionName: "mint", args: [operator, amount] });
    await node.client.sender.write({ ...token, functionName: "approve", args: [marketAddress, amount] });
    await node.client.sender.write({ ...marketContract, functionName: "depositFor", args: [trader, amount] });
    funded.push(trader);
  }
  await node.indexer.sync();
  return { market, opened, funded };
}

/**
 * Sends native gas money from the node's operator key. The transfer bypasses the operator's contract
 * sender, so a nonce another write took meanwhile is met by sending again (a few times).
 */
async function sendGas(node: Pick<NodeContext, "client">, to: Address, value: bigint): Promise<void> {
  const { walletClient, publicClient } = node.client;
  for (let attempt = 1; ; attempt++) {
    try {
      const hash = await walletClient.sendTransaction({ to, value });
      await publicClient.waitForTransactionReceipt({ hash });
      return;
    } catch (error) {
      if (attempt >= 4 || !/nonce|already known|replacement/i.test(String(error))) throw error;
    }
  }
}
