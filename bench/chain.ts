/**
 * Embedded chain throughput: N simple transfers and N contract calls (a counter that stores and emits an
 * event, like a small anchoring call) sent through the in-process EIP-1193 provider, with persistence.
 *
 *   npx tsx bench/chain.ts [N=300]
 *
 * Transactions are signed before the clock starts: the figure is the chain's, not the client's signing.
 * Two runs: `sequential` awaits each `eth_sendRawTransaction` before sending the next (one nonce manager
 * sending one transaction at a time); `pipelined` submits a whole run at once (sender recovery then
 * overlaps with mining on the second core). The last line is JSON.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createEmbeddedChain, type EmbeddedChain } from "../src/chain/embedded/index.js";

const N = Number(process.argv[2] ?? process.env.N ?? 300);
const CHAIN_ID = 7_331;
/** Init code returning a 20-byte runtime: `counter += 1; log1(counter, caller)`. */
const COUNTER_BYTECODE: Hex = "0x601480600b6000396000f3600054600101806000556000523360206000a100";
const FEES = {
  type: "eip1559",
  chainId: CHAIN_ID,
  maxFeePerGas: 10n ** 10n,
  maxPriorityFeePerGas: 0n,
} as const;

const account = privateKeyToAccount(generatePrivateKey());
let nonce = 0;

async function send(chain: EmbeddedChain, raw: Hex): Promise<Hex> {
  return (await chain.request({ method: "eth_sendRawTransaction", params: [raw] })) as Hex;
}

/** Signs `count` transfers and `count` counter calls, interleaved. */
async function signRun(count: number, counter: Hex): Promise<Hex[]> {
  const raws: Hex[] = [];
  for (let i = 0; i < count; i++) {
    const recipient = `0x${(0x1000 + i).toString(16).padStart(40, "0")}` as Hex;
    raws.push(
      await account.signTransaction({ ...FEES, nonce: nonce++, to: recipient, value: 1n, gas: 21_000n }),
    );
    raws.push(
      await account.signTransaction({ ...FEES, nonce: nonce++, to: counter, data: "0x01", gas: 60_000n }),
    );
  }
  return raws;
}

function rate(count: number, started: number): number {
  return Math.round((count / ((performance.now() - started) / 1000)) * 10) / 10;
}

const dataDir = await mkdtemp(join(tmpdir(), "gridledger-bench-chain-"));
const chain = await createEmbeddedChain({
  dataDir,
  chainId: CHAIN_ID,
  genesisAccounts: [{ address: account.address, balance: 10n ** 24n }],
  senders: "any",
});
try {
  const deployHash = await send(
    chain,
    await account.signTransaction({ ...FEES, nonce: nonce++, data: COUNTER_BYTECODE, gas: 100_000n }),
  );
  const { contractAddress: counter } = (await chain.request({
    method: "eth_getTransactionReceipt",
    params: [deployHash],
  })) as { contractAddress: Hex };

  // Warm-up: first blocks pay for lazy initialisation (worker start, caches).
  for (const raw of await signRun(10, counter)) await send(chain, raw);

  const sequentialRun = await signRun(N, counter);
  let started = performance.now();
  for (const raw of sequentialRun) await send(chain, raw);
  const sequential = rate(sequentialRun.length, started);
  console.log(`sequential: ${sequentialRun.length} tx (${N} transfers + ${N} calls) at ${sequential} tx/s`);

  const pipelinedRun = await signRun(N, counter);
  started = performance.now();
  await Promise.all(pipelinedRun.map((raw) => send(chain, raw)));
  const pipelined = rate(pipelinedRun.length, started);
  console.log(`pipelined:  ${pipelinedRun.length} tx (${N} transfers + ${N} calls) at ${pipelined} tx/s`);

  const count = BigInt(
    (await chain.request({ method: "eth_getStorageAt", params: [counter, "0x0", "latest"] })) as Hex,
  );
  if (count !== BigInt(2 * N + 10)) throw new Error(`counter is ${count}, expected ${2 * N + 10}`);
  const head = Number(BigInt((await chain.request({ method: "eth_blockNumber" })) as Hex));
  console.log(
    JSON.stringify({
      txPerSecond: sequential,
      txPerSecondPipelined: pipelined,
      transactions: 4 * N,
      blocks: head,
    }),
  );
} finally {
  await chain.close();
  await rm(dataDir, { recursive: true, force: true });
}
