import { type Address, encodeFunctionData, type Hex } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { marketAbi, settlementTokenAbi } from "../../src/chain/artifacts/index.js";
import { resolveNodeConfig } from "../../src/core/config.js";
import { jobHandlersOf } from "../../src/jobs/jobKinds.js";
import { runUntilIdle } from "../../src/jobs/jobRunner.js";
import type { JobHandlers } from "../../src/jobs/jobTypes.js";
import { marketModule } from "../../src/market/module.js";
import {
  marketDomain,
  marketIdOf,
  orderToJson,
  orderTypes,
  type SignedOrder,
} from "../../src/market/orderFormat.js";
import { type DeviceKey, generateDeviceKey } from "../../src/metering/deviceKey.js";
import { readingToJson, type SignedReading } from "../../src/metering/readingFormat.js";
import type { ModuleContext } from "../../src/node/modules.js";
import type { InitOptions } from "../../src/node/openNode.js";
import { type RunningNode, startNode } from "../../src/node/startNode.js";
import { parseDeviceRequest } from "../../src/registry/deviceInput.js";
import { regionIdOf } from "../../src/registry/regionCode.js";
import { tempDir } from "../helpers/cli.js";
// Type only: ../helpers/metering.js loads vitest hooks, and bench/market/fullSlot.ts reuses this file.
import type { Json } from "../helpers/metering.js";

/** A prosumer of the test market: its key (signs orders) and its devices. */
export type Prosumer = { account: PrivateKeyAccount; address: Address };

/** A node with an open market (community = the node's organisation) and a clock the test moves. */
export type MarketNode = {
  node: RunningNode;
  market: Hex;
  operator: Address;
  /** The node's clock, Unix milliseconds. */
  clock: { now: number };
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>;
  /** A new account (or the one of `privateKey`) bound as a prosumer of the node's community. */
  prosumer(privateKey?: Hex): Promise<Prosumer>;
  device(
    owner: Address,
    kind: string,
    options?: { community?: Address },
  ): Promise<{ key: DeviceKey; id: Hex }>;
  /** Signs an order for this market (side 0 buy, 1 sell) and returns the POST body. */
  signOrder(
    who: Prosumer,
    order: Omit<SignedOrder, "market"> & { market?: Hex },
  ): Promise<{ order: Json; signature: Hex }>;
  /** Mints settlement tokens to the node's key (payment agent) and deposits them into `account`'s escrow. */
  fund(account: Address, amount: bigint): Promise<void>;
  /** Runs the market's schedules once and its jobs until none is ready. */
  runJobs(): Promise<{ done: number; failed: number }>;
  moduleContext: ModuleContext;
  stop(): Promise<void>;
};

/**
 * Starts a node (embedded chain unless `flags.rpcUrl`), approves region CN-GD, opens the market of the
 * node's organisation through governance (operator and grid operator = the node's key, 900 s slots,
 * gate closure 300 s) and sets its tariffs. Workers 0: the test runs the jobs.
 */
export async function startMarketNode(
  options: {
    flags?: Partial<Parameters<typeof resolveNodeConfig>[0]>;
    init?: InitOptions;
    tariffs?: { retail: bigint; feedIn: bigint };
  } = {},
): Promise<MarketNode> {
  const dir = await tempDir();
  const config = resolveNodeConfig(
    {
      dataDir: dir.dir,
      port: "0",
      rpcPort: "0",
      mqttPort: "0",
      anchorGrace: "10000000",
      workers: "0",
      ...options.flags,
    },
    {},
  );
  const clock = { now: Date.now() };
  // The node's organisation is a community (so it binds prosumers) besides the default roles.
  const init = { roles: "regulator,grid-operator,region-operator,community", ...options.init };
  const node = await startNode(config, init, { now: () => clock.now });
  const ctx = node.context;
  const operator = ctx.registry.operator;
  const marketAddress = ctx.contracts.Market;
  await ctx.registry.propose({
    kind: "approve-region",
    code: "CN-GD",
    nameZh: "广东省",
    nameEn: "Guangdong",
  });
  await ctx.governance.propose(
    [
      {
        target: marketAddress,
        data: encodeFunctionData({
          abi: marketAbi,
          functionName: "openMarket",
          args: [operator, operator, operator, 900, 300],
        }),
      },
    ],
    "open the community market",
  );
  const market = marketIdOf(operator);
  const tariffs = options.tariffs ?? { retail: 80n, feedIn: 30n };
  await ctx.client.sender.write({
    address: marketAddress,
    abi: marketAbi,
    functionName: "setTariffs",
    args: [market, tariffs.retail, tariffs.feedIn],
  });
  await ctx.indexer.sync();

  const request = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await fetch(`${node.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ctx.apiToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const moduleContext: ModuleContext = {
    db: ctx.db,
    analytics: node.analytics,
    anchorGraceSeconds: config.anchorGraceSeconds,
    chain: {
      client: ctx.client,
      chainId: ctx.chainId,
      contracts: ctx.contracts,
      sync: () => ctx.indexer.sync(),
      fromBlock: BigInt(ctx.state.deployedAtBlock ?? 0),
    },
    now: () => clock.now,
  };
  let handlers: JobHandlers | undefined;

  return {
    node,
    market,
    operator,
    clock,
    request,
    moduleContext,
    async prosumer(privateKey) {
      const account = privateKeyToAccount(privateKey ?? generatePrivateKey());
      const granted = await request("POST", "/v1/accounts/grants", {
        account: account.address,
        role: "prosumer",
      });
      if (granted.status !== 200) throw new Error(`grant failed: ${JSON.stringify(granted.body)}`);
      return { account, address: account.address };
    },
    async device(owner, kind, deviceOptions = {}) {
      const key = generateDeviceKey();
      const { deviceId, input } = parseDeviceRequest(
        {
          region: "CN-GD",
          kind,
          source: kind === "generation" ? "solar" : undefined,
          publicKey: Buffer.from(key.publicKey).toString("hex"),
          owner,
          community: deviceOptions.community ?? operator,
        },
        { operator, regionIdOf },
      );
      await ctx.registry.registerDevices([input]);
      await ctx.indexer.sync();
      return { key, id: deviceId.toLowerCase() as Hex };
    },
    async signOrder(who, order) {
      const full: SignedOrder = { ...order, market: order.market ?? market };
      const signature = await who.account.signTypedData({
        domain: marketDomain(ctx.chainId, marketAddress),
        types: orderTypes,
        primaryType: "Order",
        message: full,
      });
      return { order: orderToJson(full), signature };
    },
    async fund(account, amount) {
      const token = ctx.contracts.SettlementToken;
      const write = (
        address: Address,
        abi: typeof marketAbi | typeof settlementTokenAbi,
        functionName: string,
        args: unknown[],
      ) => ctx.client.sender.write({ address, abi, functionName, args });
      await write(token, settlementTokenAbi, "mint", [operator, amount]);
      await write(token, settlementTokenAbi, "approve", [marketAddress, amount]);
      await write(marketAddress, marketAbi, "depositFor", [account, amount]);
    },
    async runJobs() {
      for (const schedule of marketModule.schedules?.(moduleContext) ?? [])
        await schedule(Math.floor(clock.now / 1000));
      handlers ??= jobHandlersOf(marketModule.jobKinds?.(moduleContext) ?? []);
      const summary = await runUntilIdle({ db: ctx.db, handlers, workerId: "test" });
      return { done: summary.done, failed: summary.failed + summary.retried };
    },
    async stop() {
      await node.stop();
      await dir.cleanup();
    },
  };
}

/** Sends signed readings as a collector would (the node's admin key). */
export async function sendReadings(t: MarketNode, readings: readonly SignedReading[]) {
  const sent = await t.request("POST", "/v1/readings", { readings: readings.map(readingToJson) });
  if (sent.status !== 200) throw new Error(`readings refused: ${JSON.stringify(sent.body)}`);
  return sent.body;
}
