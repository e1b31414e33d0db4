/**
 * A full slot on a real node (part of `npm run bench:market`): N participants (half sellers with a PV
 * device, half buyers with a consumption meter) bound as prosumers of the node's community, buyers'
 * escrow funded; one EIP-712 order each POSTed over HTTP before gate closure; the clearing job
 * commits the slot; one signed reading per device is ingested and anchored; the settlement job settles.
 */
import { encodeFunctionData, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { marketAbi, settlementTokenAbi } from "../../src/chain/artifacts/index.js";
import { generateDeviceKey, signReading } from "../../src/metering/deviceKey.js";
import { readingToJson } from "../../src/metering/readingFormat.js";
import { parseDeviceRequest } from "../../src/registry/deviceInput.js";
import { regionIdOf } from "../../src/registry/regionCode.js";
import { startMarketNode } from "../../test/market/marketNode.js";
import { random } from "./clearing.js";

/** Figures of one full slot. */
export type FullSlotFigures = {
  participants: number;
  setupMs: number;
  setupPhasesMs: { node: number; grants: number; devices: number; escrow: number };
  orderIntakePerSecond: number;
  clearCommitMs: number;
  ingestAnchorMs: number;
  settlementMs: number;
  commitGas: number;
  settleGas: number;
  /** (commitClearing + settle gas) / trades. */
  gasPerSettledTrade: number;
  trades: number;
  volumeWh: string;
  price: string | null;
  lines: number;
};

const ms = (from: number) => Math.round(performance.now() - from);

/** Runs one slot with `participants` (even) from founding to settlement; prints each phase. */
export async function measureFullSlot(participants: number): Promise<FullSlotFigures> {
  const half = Math.floor(participants / 2);
  const next = random(7);
  const int = (min: number, max: number) => BigInt(min + Math.floor(next() * (max - min + 1)));
  const setupStarted = performance.now();
  const t = await startMarketNode();
  const nodeMs = ms(setupStarted);
  try {
    const ctx = t.node.context;
    const market = ctx.contracts.Market;
    await ctx.governance.propose(
      [
        {
          target: market,
          data: encodeFunctionData({ abi: marketAbi, functionName: "setRewardRate", args: [t.market, 10n] }),
        },
      ],
      "reward local delivery",
    );
    // Accounts.grant takes one binding a transaction; Registry.registerDevices takes up to 150 devices.
    const people = Array.from({ length: 2 * half }, () => privateKeyToAccount(generatePrivateKey()));
    let phase = performance.now();
    for (const who of people) await ctx.accounts.grant({ account: who.address, role: "prosumer" });
    const grantsMs = ms(phase);
    phase = performance.now();
    const devices = people.map((who, i) => {
      const key = generateDeviceKey();
      const kind = i < half ? "generation" : "consumption";
      const { deviceId, input } = parseDeviceRequest(
        {
          region: "CN-GD",
          kind,
          source: kind === "generation" ? "solar" : undefined,
          publicKey: Buffer.from(key.publicKey).toString("hex"),
          owner: who.address,
          community: t.operator,
        },
        { operator: t.operator, regionIdOf },
      );
      return { key, id: deviceId.toLowerCase() as Hex, input };
    });
    await ctx.registry.registerDevices(devices.map((d) => d.input));
    const devicesMs = ms(phase);
    phase = performance.now();
    const escrow = 1_000n;
    const write = ctx.client.sender.write;
    const token = { address: ctx.contracts.SettlementToken, abi: settlementTokenAbi } as const;
    await write({ ...token, functionName: "mint", args: [t.operator, escrow * BigInt(half)] });
    await write({ ...token, functionName: "approve", args: [market, escrow * BigInt(half)] });
    for (const buyer of people.slice(half))
      await write({
        address: market,
        abi: marketAbi,
        functionName: "depositFor",
        args: [buyer.address, escrow],
      });
    const escrowMs = ms(phase);
    await ctx.indexer.sync();
    const setupMs = ms(setupStarted);
    console.log(
      `full slot, ${2 * half} participants: setup ${setupMs} ms (node + market ${nodeMs}, ` +
        `${people.length} grants ${grantsMs}, devices ${devicesMs}, escrow ${escrowMs}, then the indexer)`,
    );

    // Orders: sellers ask 20–60, buyers bid 40–90 per kWh, 500–3000 Wh each; signed first, then POSTed.
    const now = BigInt(Math.floor(Date.now() / 1000));
    const slot = (now / 900n) * 900n - 1800n;
    const realNow = t.clock.now;
    t.clock.now = Number(slot - 600n) * 1000;
    const orders = await Promise.all(
      people.map((who, i) =>
        t.signOrder(
          { account: who, address: who.address },
          {
            slot,
            side: i < half ? 1 : 0,
            device: devices[i]!.id,
            energyWh: int(500, 3_000),
            limitPrice: i < half ? int(20, 60) : int(40, 90),
            nonce: 1n,
            expiry: slot + 3_600n,
          },
        ),
      ),
    );
    const intakeStarted = performance.now();
    const concurrency = 8;
    for (let i = 0; i < orders.length; i += concurrency) {
      const sent = await Promise.all(
        orders.slice(i, i + concurrency).map((o) => t.request("POST", "/v1/market/orders", o)),
      );
      const refused = sent.find((r) => r.status !== 201);
      if (refused) throw new Error(`order refused: ${JSON.stringify(refused.body)}`);
    }
    const intakeMs = performance.now() - intakeStarted;
    const orderIntakePerSecond = Math.round(orders.length / (intakeMs / 1000));
    console.log(
      `  order intake:       ${orders.length} orders in ${Math.round(intakeMs)} ms = ${orderIntakePerSecond} orders/s`,
    );

    // Past gate closure: the schedule enqueues the clearing; the job clears and commits it on chain.
    t.clock.now = realNow;
    const clearStarted = performance.now();
    const cleared = await t.runJobs();
    if (cleared.failed > 0) throw new Error("the clearing job failed");
    const clearCommitMs = ms(clearStarted);
    const resultPath = `/v1/market/markets/${t.market}/slots/${slot}/result`;
    const clearTx = (await t.request("GET", resultPath)).body.clearTx as Hex | null;
    if (!clearTx) throw new Error("the slot was not committed");
    const gasOf = async (hash: Hex) =>
      Number((await ctx.client.publicClient.getTransactionReceipt({ hash })).gasUsed);
    const commitGas = await gasOf(clearTx);
    console.log(`  clearing + commit:  ${clearCommitMs} ms (commitClearing ${commitGas} gas)`);

    // One reading a device: sellers export 0–130 % of their order, buyers import 0–130 %.
    const ingestStarted = performance.now();
    const readings = devices.map((d, i) => {
      const wanted = BigInt((orders[i]!.order as { energyWh: string }).energyWh);
      const wh = (wanted * int(0, 130)) / 100n;
      const [importDelta, exportDelta] = i < half ? [0n, wh] : [wh, 0n];
      return signReading(d.key, {
        seq: 1n,
        intervalStart: slot,
        duration: 900,
        commodity: 1,
        quality: 0,
        importRegister: 1_000_000n + importDelta,
        exportRegister: exportDelta,
        importDelta,
        exportDelta,
      });
    });
    for (let i = 0; i < readings.length; i += 500) {
      const sent = await t.request("POST", "/v1/readings", {
        readings: readings.slice(i, i + 500).map(readingToJson),
      });
      if (sent.status !== 200) throw new Error(`readings refused: ${JSON.stringify(sent.body)}`);
    }
    const anchored = await t.request("POST", "/v1/anchors", {});
    if (anchored.status !== 200) throw new Error(`anchoring failed: ${JSON.stringify(anchored.body)}`);
    const ingestAnchorMs = ms(ingestStarted);
    console.log(`  ingest + anchor:    ${ingestAnchorMs} ms (${readings.length} readings)`);

    const settleStarted = performance.now();
    const settled = await t.runJobs();
    if (settled.failed > 0) {
      const { rows } = await ctx.db.query<{ kind: string; last_error: string }>(
        "select kind, last_error from jobs where last_error is not null order by id desc limit 1",
      );
      throw new Error(`the settlement job failed: ${rows[0]?.kind}: ${rows[0]?.last_error?.slice(0, 500)}`);
    }
    const settlementMs = ms(settleStarted);
    console.log(
      `  settlement:         ${settlementMs} ms (settle, then the reward claims where the node claims them)`,
    );

    const result = (await t.request("GET", resultPath)).body;
    if (!result.settleTx)
      throw new Error(`the slot was not settled: ${JSON.stringify(result).slice(0, 300)}`);
    const settleGas = await gasOf(result.settleTx as Hex);
    const settlement = await t.request("GET", `/v1/market/markets/${t.market}/slots/${slot}/settlement`);
    const figures: FullSlotFigures = {
      participants: 2 * half,
      setupMs,
      setupPhasesMs: { node: nodeMs, grants: grantsMs, devices: devicesMs, escrow: escrowMs },
      orderIntakePerSecond,
      clearCommitMs,
      ingestAnchorMs,
      settlementMs,
      commitGas,
      settleGas,
      gasPerSettledTrade: Math.round(
        (commitGas + settleGas) / Math.max(1, (result.trades as unknown[]).length),
      ),
      trades: (result.trades as unknown[]).length,
      volumeWh: result.volumeWh as string,
      price: (result.price as string | null) ?? null,
      lines: (settlement.body.lines as unknown[]).length,
    };
    console.log(
      `  trades ${figures.trades}, volume ${figures.volumeWh} Wh at ${figures.price}/kWh, ${figures.lines} lines; ` +
        `gas: commitClearing ${commitGas}, settle ${settleGas}, ${figures.gasPerSettledTrade} per settled trade`,
    );
    return figures;
  } finally {
    await t.stop();
  }
}
