import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
  parseAbi,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEventIndexer, type IndexerHandler } from "../../src/chain/indexer/eventIndexer.js";
import type { Database } from "../../src/db/database.js";
import { createNodeMetrics } from "../../src/metrics/nodeMetrics.js";
import { type Anvil, startAnvil } from "../helpers/anvil.js";
import { setupDatabase, type TestDatabase } from "../helpers/database.js";
import { compileTestMeter } from "./testMeter.js";

const meterAbi = parseAbi([
  "event ReadingRecorded(address indexed meter, uint256 indexed sequence, uint256 value)",
]);

describe("the event indexer", () => {
  let anvil: Anvil;
  let publicClient: PublicClient<Transport, Chain>;
  let meter: Address;
  let record: (value: bigint) => Promise<bigint>;
  let mine: (blocks: number) => Promise<void>;
  let t: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    anvil = await startAnvil({ accounts: 1 });
    const chain = { ...foundry, id: anvil.chainId };
    const transport = http(anvil.rpcUrl);
    publicClient = createPublicClient({ chain, transport }) as PublicClient<Transport, Chain>;
    const account = privateKeyToAccount(anvil.accounts[0]!.privateKey);
    const wallet = createWalletClient({ chain, transport, account });
    const testClient = createTestClient({ chain, transport, mode: "anvil" });
    const { abi, bytecode } = compileTestMeter();
    const deployed = await publicClient.waitForTransactionReceipt({
      hash: await wallet.deployContract({ abi, bytecode }),
    });
    meter = deployed.contractAddress!;
    record = async (value) => {
      const hash = await wallet.writeContract({ address: meter, abi, functionName: "record", args: [value] });
      return (await publicClient.waitForTransactionReceipt({ hash })).blockNumber;
    };
    mine = (blocks) => testClient.mine({ blocks });
  }, 60_000);
  afterAll(async () => {
    await anvil?.stop();
  });
  beforeEach(async () => {
    t = await setupDatabase("pglite");
    db = t.db;
    await db.query("create table test_readings (sequence bigint primary key, value bigint not null)");
  });
  afterEach(async () => {
    await t.cleanup();
  });

  /** A handler that stores each reading (in `table`, default test_readings); `fail` makes it throw on a value. */
  function storing(
    name: string,
    options: { fail?: (value: bigint) => boolean; seen?: bigint[]; table?: string } = {},
  ) {
    return {
      name,
      abi: meterAbi,
      address: meter,
      fromBlock: 0n,
      on: {
        async ReadingRecorded(tx, logs) {
          for (const log of logs) {
            if (options.fail?.(log.args.value)) throw new Error(`handler ${name} refuses ${log.args.value}`);
            options.seen?.push(log.args.sequence);
            await tx.query(
              `insert into ${options.table ?? "test_readings"} (sequence, value) values ($1, $2) on conflict (sequence) do nothing`,
              [log.args.sequence.toString(), log.args.value.toString()],
            );
          }
        },
      },
    } satisfies IndexerHandler<typeof meterAbi>;
  }

  const stored = async () =>
    (await db.query<{ value: string }>("select value::text from test_readings order by sequence")).rows.map(
      (row) => Number(row.value),
    );

  it("replays from each handler's cursor after a restart, not from the start", async () => {
    const before = createEventIndexer({ db, publicClient });
    before.register(storing("readings"));
    await record(21n);
    await record(22n);
    const head = await before.sync();
    expect(await before.cursor("readings")).toBe(head);
    expect((await stored()).slice(-2)).toEqual([21, 22]);

    // A new process: a new indexer over the same database picks up where the cursor stands.
    await record(23n);
    const seen: bigint[] = [];
    const after = createEventIndexer({ db, publicClient });
    after.register(storing("readings", { seen }));
    await after.sync();
    expect(seen).toHaveLength(1);
    expect((await stored()).slice(-3)).toEqual([21, 22, 23]);
  });

  it("handles a block only once it is `confirmations` deep", async () => {
    const indexer = createEventIndexer({ db, publicClient, confirmations: 3 });
    indexer.register(storing("readings"));
    await mine(3); // the earlier tests' readings are confirmed: only the one below is held back
    await indexer.sync();
    const count = (await stored()).length;
    const block = await record(31n);
    expect(await indexer.sync()).toBe(block - 3n);
    expect(await stored()).toHaveLength(count);
    await mine(2);
    await indexer.sync();
    expect(await stored()).toHaveLength(count);
    expect(await indexer.cursor("readings")).toBe(block - 1n);
    await mine(1);
    expect(await indexer.sync()).toBe(block);
    expect((await stored()).at(-1)).toBe(31);
  });

  it("keeps the other handlers going when one fails, and counts the failure", async () => {
    await db.query("create table other_readings (sequence bigint primary key, value bigint not null)");
    const metrics = createNodeMetrics();
    let broken = true;
    const indexer = createEventIndexer({ db, publicClient });
    indexer.register(storing("fragile", { fail: (value) => broken && value === 13n }));
    indexer.register(storing("sturdy", { table: "other_readings" }));
    const failures: string[] = [];
    indexer.onError(({ name, error }) => {
      failures.push(name);
      metrics.countError(`indexer-${name}`, error);
    });
    await indexer.sync();
    const fragileBefore = await indexer.cursor("fragile");
    await record(13n);
    await record(14n);

    await expect(indexer.sync()).rejects.toThrow("handler fragile refuses 13");
    expect(failures).toEqual(["fragile"]);
    // The sturdy handler indexed both readings; the fragile one kept its cursor and wrote nothing.
    const head = await publicClient.getBlockNumber();
    expect(await indexer.cursor("sturdy")).toBe(head);
    expect(await indexer.cursor("fragile")).toBe(fragileBefore);
    const { rows } = await db.query<{ n: number }>("select count(*)::int as n from other_readings");
    expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
    expect(await stored()).not.toContain(13);
    expect(await metrics.render()).toMatch(
      /gridledger_errors_total\{component="other",source="indexer-fragile"\} 1/,
    );

    // Once fixed, it replays the range it failed on.
    broken = false;
    await indexer.sync();
    expect(await indexer.cursor("fragile")).toBe(head);
    expect((await stored()).slice(-2)).toEqual([13, 14]);
  });
});
