import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Hex, hexToBigInt, TransactionReceiptNotFoundError } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { expect, it, onTestFinished } from "vitest";
import type { EmbeddedChain } from "../../src/chain/embedded/index.js";
import { openChainLevel, Table, tableKey, uint64Key } from "../../src/chain/embedded/levelStore.js";
import { isBaseError } from "../../src/core/errors.js";
import { clientsFor, createTempDir, openTestChain, removeTempDir, setupChain, TEST_KEYS } from "./helpers.js";
import { compileTestMeter } from "./testMeter.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/streamTransactions.ts", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Transactions the child must report before it is killed. */
const REPORTED_BEFORE_KILL = 40;

type ChildReport = { contract: Hex; mined: Hex[] };

/**
 * Runs the streaming child until it has reported `count` mined transactions, then kills its whole
 * process group (npx, tsx and the node process holding the chain) with SIGKILL.
 */
function streamUntilKilled(dataDir: string, artifact: string, count: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", FIXTURE, dataDir, artifact], {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const report: ChildReport = { contract: "0x", mined: [] };
    let pending = "";
    let stderr = "";
    let killed = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const [word, first, second] = line.split(" ");
        if (word === "deployed") {
          report.contract = first as Hex;
          report.mined.push(second as Hex);
        } else if (word === "mined") {
          report.mined.push(second as Hex);
        }
      }
      if (!killed && report.mined.length >= count && child.pid !== undefined) {
        killed = true;
        process.kill(-child.pid, "SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", () => {
      if (killed) resolve(report);
      else reject(new Error(`child exited before being killed:\n${stderr}`));
    });
  });
}

/** The child's node process may outlive npx by a moment; its LevelDB lock goes with it. */
async function reopenWhenUnlocked(dataDir: string): Promise<EmbeddedChain> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await openTestChain(dataDir);
    } catch (error) {
      if (!isBaseError(error, "CHAIN_DATA_DIR_LOCKED") || attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

it("recovers a consistent chain after the process writing it is killed with SIGKILL", async () => {
  const dataDir = await createTempDir();
  const artifact = join(dataDir, "..", `${dataDir.split("/").pop()}-meter.json`);
  onTestFinished(async () => {
    await removeTempDir(dataDir);
    await removeTempDir(artifact);
  });
  const { abi } = compileTestMeter();
  await writeFile(artifact, JSON.stringify(compileTestMeter()));

  const report = await streamUntilKilled(dataDir, artifact, REPORTED_BEFORE_KILL);
  const chain = await reopenWhenUnlocked(dataDir);
  onTestFinished(() => chain.close());
  const { publicClient } = clientsFor(chain);
  const sender = privateKeyToAccount(TEST_KEYS[0]).address;

  // Every transaction the child saw acknowledged is on the chain; at most the one in flight beyond them.
  for (const hash of report.mined) {
    expect((await publicClient.getTransactionReceipt({ hash })).status).toBe("success");
  }
  const head = await publicClient.getBlockNumber();
  expect(head).toBeGreaterThanOrEqual(BigInt(report.mined.length));
  expect(head).toBeLessThanOrEqual(BigInt(report.mined.length + 1));

  // Replay what the blocks say happened and compare with the state the chain reopened with.
  let transferred = 0n;
  let readings = 0n;
  let readingTotal = 0n;
  for (let number = 1n; number <= head; number++) {
    const block = await publicClient.getBlock({ blockNumber: number, includeTransactions: true });
    expect(block.transactions).toHaveLength(1);
    const [tx] = block.transactions;
    const receipt = await publicClient.getTransactionReceipt({ hash: tx!.hash });
    expect(receipt.blockHash).toBe(block.hash);
    if (tx?.to === report.contract) {
      readings += 1n;
      readingTotal += hexToBigInt(`0x${tx.input.slice(10)}`);
      expect(receipt.logs).toHaveLength(1);
    } else if (tx?.to !== null && tx !== undefined) {
      transferred += tx.value;
    }
  }
  expect(await publicClient.getTransactionCount({ address: sender })).toBe(Number(head));
  expect(await publicClient.getBalance({ address: "0x000000000000000000000000000000000000c0de" })).toBe(
    transferred,
  );
  expect(await publicClient.readContract({ address: report.contract, abi, functionName: "count" })).toBe(
    readings,
  );
  expect(await publicClient.readContract({ address: report.contract, abi, functionName: "total" })).toBe(
    readingTotal,
  );
  expect(await publicClient.getLogs({ address: report.contract, fromBlock: 0n })).toHaveLength(
    Number(readings),
  );

  // The reopened chain keeps going from its head.
  const { walletClient, account } = clientsFor(chain);
  const hash = await walletClient.sendTransaction({ account, chain: null, to: sender, value: 1n });
  expect((await publicClient.getTransactionReceipt({ hash })).blockNumber).toBe(head + 1n);
});

it("drops a head block whose receipts are missing when reopening a damaged data directory", async () => {
  const setup = await setupChain();
  const { publicClient, walletClient, account } = clientsFor(setup.chain);
  const { abi, bytecode } = compileTestMeter();
  const deployHash = await walletClient.deployContract({ abi, bytecode, account, chain: null });
  const address = (await publicClient.getTransactionReceipt({ hash: deployHash })).contractAddress!;
  const lost = await walletClient.writeContract({
    address,
    abi,
    functionName: "record",
    args: [50n],
    account,
    chain: null,
  });
  await setup.chain.close();

  // Damage the directory the way a torn write without atomic batches would: block 2 without receipts.
  const level = await openChainLevel(setup.dataDir);
  await level.del(tableKey(Table.Receipts, uint64Key(2n)));
  await level.close();

  const reopened = clientsFor(await setup.reopen());
  expect(await reopened.publicClient.getBlockNumber()).toBe(1n);
  await expect(reopened.publicClient.getTransactionReceipt({ hash: lost })).rejects.toBeInstanceOf(
    TransactionReceiptNotFoundError,
  );
  expect(await reopened.publicClient.getLogs({ address, fromBlock: 0n })).toEqual([]);
  expect(await reopened.publicClient.readContract({ address, abi, functionName: "total" })).toBe(0n);
  // The replacement block 2 has no logs: nothing of the dropped block may show through.
  const again = await reopened.walletClient.sendTransaction({
    account,
    chain: null,
    to: account.address,
    value: 0n,
  });
  expect((await reopened.publicClient.getTransactionReceipt({ hash: again })).blockNumber).toBe(2n);
  await expect(reopened.publicClient.getTransactionReceipt({ hash: lost })).rejects.toBeInstanceOf(
    TransactionReceiptNotFoundError,
  );
  expect(await reopened.publicClient.getLogs({ address, fromBlock: 0n })).toEqual([]);
});
