import {
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hex,
  parseEther,
  parseEventLogs,
  toEventSelector,
  BaseError as ViemBaseError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { isBaseError } from "../../src/core/errors.js";
import { clientsFor, openTestChain, setupChain, TEST_BALANCE, TEST_CHAIN_ID, TEST_KEYS } from "./helpers.js";
import { compileTestMeter } from "./testMeter.js";

const { abi, bytecode } = compileTestMeter();
const OTHER = privateKeyToAccount(TEST_KEYS[1]).address;
const READING_RECORDED = toEventSelector("ReadingRecorded(address,uint256,uint256)");

function revertedError(error: unknown): ContractFunctionRevertedError | undefined {
  if (!(error instanceof ViemBaseError)) return undefined;
  const found = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return found instanceof ContractFunctionRevertedError ? found : undefined;
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

async function deployMeter(setup: Awaited<ReturnType<typeof setupChain>>) {
  const { publicClient, walletClient, account } = clientsFor(setup.chain);
  const hash = await walletClient.deployContract({ abi, bytecode, account, chain: null });
  const receipt = await publicClient.getTransactionReceipt({ hash });
  if (receipt.contractAddress === null || receipt.contractAddress === undefined)
    throw new Error("no contract");
  return { publicClient, walletClient, account, address: receipt.contractAddress, deployHash: hash };
}

describe("embedded chain", () => {
  it("starts at block 0 with the genesis accounts funded", async () => {
    const { chain } = await setupChain();
    const { publicClient, account } = clientsFor(chain);
    expect(await publicClient.getChainId()).toBe(TEST_CHAIN_ID);
    expect(await publicClient.getBlockNumber()).toBe(0n);
    expect(await publicClient.getBalance({ address: account.address })).toBe(TEST_BALANCE);
    expect(await chain.request({ method: "net_version" })).toBe(String(TEST_CHAIN_ID));
    expect(await chain.request({ method: "eth_accounts" })).toEqual([]);
    expect(await chain.request({ method: "eth_syncing" })).toBe(false);
  });

  it("mines each transfer in its own block with a receipt available at once", async () => {
    const { chain } = await setupChain();
    const { publicClient, walletClient, account } = clientsFor(chain);
    const hash = await walletClient.sendTransaction({
      account,
      chain: null,
      to: OTHER,
      value: parseEther("2"),
    });
    const receipt = await publicClient.getTransactionReceipt({ hash });
    expect(receipt).toMatchObject({
      status: "success",
      blockNumber: 1n,
      gasUsed: 21_000n,
      cumulativeGasUsed: 21_000n,
    });
    expect(receipt.contractAddress).toBeNull();
    expect(receipt.effectiveGasPrice).toBeGreaterThan(0n);
    const fee = receipt.gasUsed * receipt.effectiveGasPrice;
    expect(await publicClient.getBalance({ address: OTHER })).toBe(TEST_BALANCE + parseEther("2"));
    expect(await publicClient.getBalance({ address: account.address })).toBe(
      TEST_BALANCE - parseEther("2") - fee,
    );
    expect(await publicClient.getTransactionCount({ address: account.address })).toBe(1);
    expect(await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" })).toBe(1);
    expect(await publicClient.getBalance({ address: OTHER, blockNumber: 0n })).toBe(TEST_BALANCE);

    const second = await walletClient.sendTransaction({ account, chain: null, to: OTHER, value: 1n });
    expect((await publicClient.getTransactionReceipt({ hash: second })).blockNumber).toBe(2n);
    const tx = await publicClient.getTransaction({ hash: second });
    expect(tx).toMatchObject({
      from: account.address.toLowerCase(),
      to: OTHER.toLowerCase(),
      nonce: 1,
      type: "eip1559",
    });
  });

  it("accepts legacy and EIP-2930 transactions", async () => {
    const { chain } = await setupChain();
    const { publicClient, walletClient, account } = clientsFor(chain);
    const legacy = await walletClient.sendTransaction({
      account,
      chain: null,
      to: OTHER,
      value: 5n,
      type: "legacy",
    });
    const accessList = await walletClient.sendTransaction({
      account,
      chain: null,
      to: OTHER,
      value: 7n,
      type: "eip2930",
      accessList: [{ address: OTHER, storageKeys: [] }],
    });
    expect((await publicClient.getTransaction({ hash: legacy })).type).toBe("legacy");
    expect((await publicClient.getTransaction({ hash: accessList })).type).toBe("eip2930");
    expect((await publicClient.getTransactionReceipt({ hash: accessList })).status).toBe("success");
    expect(await publicClient.getBalance({ address: OTHER })).toBe(TEST_BALANCE + 12n);
  });

  it("deploys a contract whose calls return receipts with decoded logs", async () => {
    const setup = await setupChain();
    const { publicClient, walletClient, account, address } = await deployMeter(setup);
    expect(await publicClient.getCode({ address })).toMatch(/^0x60/);
    const hash = await walletClient.writeContract({
      address,
      abi,
      functionName: "record",
      args: [42n],
      account,
      chain: null,
    });
    const receipt = await publicClient.getTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    expect(receipt.logs).toHaveLength(1);
    expect(receipt.logs[0]).toMatchObject({ address, blockNumber: 2n, logIndex: 0, transactionHash: hash });
    const [event] = parseEventLogs({ abi, logs: receipt.logs });
    expect(event).toMatchObject({
      eventName: "ReadingRecorded",
      args: { meter: account.address, sequence: 1n, value: 42n },
    });
    expect(await publicClient.readContract({ address, abi, functionName: "total" })).toBe(42n);
    expect(await publicClient.getStorageAt({ address, slot: "0x0" })).toBe(`0x${"2a".padStart(64, "0")}`);
  });

  it("reports a custom error from eth_call and eth_estimateGas by name and arguments", async () => {
    const setup = await setupChain();
    const { publicClient, walletClient, account, address } = await deployMeter(setup);
    const simulated = revertedError(
      await catchError(
        publicClient.simulateContract({ address, abi, functionName: "record", args: [3n], account }),
      ),
    );
    expect(simulated?.data?.errorName).toBe("TestMeterReadingTooLow");
    expect(simulated?.data?.args).toEqual([3n, 10n]);

    const estimated = revertedError(
      await catchError(
        walletClient.writeContract({
          address,
          abi,
          functionName: "record",
          args: [4n],
          account,
          chain: null,
        }),
      ),
    );
    expect(estimated?.data?.args).toEqual([4n, 10n]);

    const plain = revertedError(
      await catchError(
        publicClient.simulateContract({ address, abi, functionName: "failWithReason", account }),
      ),
    );
    expect(plain?.reason).toBe("plain reason");

    const raw = await catchError(
      setup.chain.request({
        method: "eth_call",
        params: [
          { to: address, data: encodeFunctionData({ abi, functionName: "record", args: [5n] }) },
          "latest",
        ],
      }),
    );
    expect(raw).toMatchObject({ code: 3, message: "execution reverted" });
    expect((raw as { data: Hex }).data).toMatch(/^0x[0-9a-f]{8}/);
  });

  it("mines a reverting transaction with status 0 and still reports its custom error", async () => {
    const setup = await setupChain();
    const { publicClient, walletClient, account, address } = await deployMeter(setup);
    const error = await catchError(
      walletClient.writeContract({
        address,
        abi,
        functionName: "record",
        args: [1n],
        account,
        chain: null,
        gas: 100_000n,
      }),
    );
    expect(revertedError(error)?.data?.errorName).toBe("TestMeterReadingTooLow");
    expect(await publicClient.getBlockNumber()).toBe(2n);
    const block = await publicClient.getBlock({ blockNumber: 2n });
    const receipt = await publicClient.getTransactionReceipt({ hash: block.transactions[0]! });
    expect(receipt.status).toBe("reverted");
    expect(receipt.logs).toEqual([]);
    expect(await publicClient.getTransactionCount({ address: account.address })).toBe(2);
  });

  it("refuses a bad nonce, insufficient funds and a wrong chain id with messages saying what is wrong", async () => {
    const { chain } = await setupChain();
    const account = privateKeyToAccount(TEST_KEYS[0]);
    const fees = {
      type: "eip1559",
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 0n,
      gas: 21_000n,
    } as const;
    const send = (raw: Hex) => catchError(chain.request({ method: "eth_sendRawTransaction", params: [raw] }));
    const tx = { ...fees, chainId: TEST_CHAIN_ID, to: OTHER, value: 1n };

    await chain.request({
      method: "eth_sendRawTransaction",
      params: [await account.signTransaction({ ...tx, nonce: 0 })],
    });
    expect(await send(await account.signTransaction({ ...tx, nonce: 0, value: 2n }))).toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^nonce too low: next nonce 1, tx nonce 0/),
    });
    expect(await send(await account.signTransaction({ ...tx, nonce: 5 }))).toMatchObject({
      message: expect.stringMatching(/^nonce too high: next nonce 1, tx nonce 5/),
    });
    expect(
      await send(await account.signTransaction({ ...tx, nonce: 1, value: TEST_BALANCE * 2n })),
    ).toMatchObject({
      message: expect.stringMatching(/^insufficient funds for gas \* price \+ value/),
    });
    expect(await send(await account.signTransaction({ ...tx, nonce: 1, chainId: 1 }))).toMatchObject({
      message: `invalid chain id: transaction is for chain 1, this chain is ${TEST_CHAIN_ID}`,
    });
    expect(await send("0x02c0ffee")).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/^invalid transaction/),
    });
    expect(await chain.request({ method: "eth_blockNumber" })).toBe("0x1");
  });

  it("answers a re-sent mined transaction with its hash without mining it again", async () => {
    const { chain } = await setupChain();
    const account = privateKeyToAccount(TEST_KEYS[0]);
    const raw = await account.signTransaction({
      type: "eip1559",
      chainId: TEST_CHAIN_ID,
      nonce: 0,
      to: OTHER,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 0n,
    });
    const first = await chain.request({ method: "eth_sendRawTransaction", params: [raw] });
    expect(await chain.request({ method: "eth_sendRawTransaction", params: [raw] })).toBe(first);
    expect(await chain.request({ method: "eth_blockNumber" })).toBe("0x1");
  });

  it("filters logs by block range, block hash, address and topics", async () => {
    const setup = await setupChain();
    const { publicClient, walletClient, account, address } = await deployMeter(setup);
    const second = await deployMeter(setup);
    for (const value of [10n, 11n, 12n]) {
      await walletClient.writeContract({
        address,
        abi,
        functionName: "record",
        args: [value],
        account,
        chain: null,
      });
    }
    await second.walletClient.writeContract({
      address: second.address,
      abi,
      functionName: "record",
      args: [99n],
      account,
      chain: null,
    });
    const getLogs = (filter: Record<string, unknown>) =>
      setup.chain.request({ method: "eth_getLogs", params: [filter] }) as Promise<
        { data: Hex; blockNumber: Hex }[]
      >;

    expect(await getLogs({ fromBlock: "0x0" })).toHaveLength(4);
    expect(await getLogs({ fromBlock: "0x0", address })).toHaveLength(3);
    expect(await getLogs({ fromBlock: "0x0", address: [address, second.address] })).toHaveLength(4);
    expect(await getLogs({ fromBlock: "0x4", toBlock: "0x5", address })).toHaveLength(2);
    const sequenceTwo = `0x${"2".padStart(64, "0")}`;
    const sequenceThree = `0x${"3".padStart(64, "0")}`;
    expect(
      await getLogs({ fromBlock: "earliest", topics: [READING_RECORDED, null, sequenceTwo] }),
    ).toHaveLength(1);
    expect(
      await getLogs({ fromBlock: "0x0", topics: [[READING_RECORDED], null, [sequenceTwo, sequenceThree]] }),
    ).toHaveLength(2);
    expect(await getLogs({ fromBlock: "0x0", topics: [null, null, null, READING_RECORDED] })).toHaveLength(0);
    const block = await publicClient.getBlock({ blockNumber: 6n });
    const byHash = await getLogs({ blockHash: block.hash });
    expect(byHash).toHaveLength(1);
    expect(byHash[0]?.blockNumber).toBe("0x6");
    expect(await getLogs({ fromBlock: "0x64" })).toEqual([]);

    const events = await publicClient.getContractEvents({
      address,
      abi,
      eventName: "ReadingRecorded",
      fromBlock: 0n,
    });
    expect(events.map((e) => e.args)).toEqual(
      [10n, 11n, 12n].map((value, i) => ({ meter: account.address, sequence: BigInt(i + 1), value })),
    );
  });

  it("returns blocks by tag, number and hash with transaction hashes or full transactions", async () => {
    const { chain } = await setupChain();
    const { publicClient, walletClient, account } = clientsFor(chain);
    const hash = await walletClient.sendTransaction({ account, chain: null, to: OTHER, value: 1n });
    const latest = await publicClient.getBlock({ blockTag: "latest" });
    expect(latest).toMatchObject({
      number: 1n,
      transactions: [hash],
      gasUsed: 21_000n,
      gasLimit: 60_000_000n,
    });
    expect(latest.baseFeePerGas).toBeGreaterThan(0n);
    const genesis = await publicClient.getBlock({ blockTag: "earliest" });
    expect(latest.parentHash).toBe(genesis.hash);
    expect(latest.timestamp).toBeGreaterThanOrEqual(genesis.timestamp);
    for (const tag of ["safe", "finalized", "pending"] as const) {
      expect((await publicClient.getBlock({ blockTag: tag })).hash).toBe(latest.hash);
    }
    const full = await publicClient.getBlock({ blockHash: latest.hash, includeTransactions: true });
    expect(full.transactions[0]).toMatchObject({
      hash,
      from: account.address.toLowerCase(),
      blockNumber: 1n,
    });
    expect(await publicClient.getBlockTransactionCount({ blockNumber: 1n })).toBe(1);
    expect(await chain.request({ method: "eth_getBlockByNumber", params: ["0x9", false] })).toBeNull();
    expect(
      await chain.request({ method: "eth_getTransactionReceipt", params: [`0x${"ab".repeat(32)}`] }),
    ).toBeNull();
  });

  it("keeps state, blocks, receipts and logs after close and reopen", async () => {
    const setup = await setupChain();
    const { walletClient, account, address, deployHash } = await deployMeter(setup);
    const hash = await walletClient.writeContract({
      address,
      abi,
      functionName: "record",
      args: [77n],
      account,
      chain: null,
    });
    const before = await clientsFor(setup.chain).publicClient.getBlock();

    const { publicClient } = clientsFor(await setup.reopen());
    expect(await publicClient.getBlock()).toEqual(before);
    expect(await publicClient.readContract({ address, abi, functionName: "total" })).toBe(77n);
    expect((await publicClient.getTransactionReceipt({ hash: deployHash })).contractAddress).toBe(address);
    expect((await publicClient.getTransactionReceipt({ hash })).logs).toHaveLength(1);
    expect(await publicClient.getLogs({ address, fromBlock: 0n })).toHaveLength(1);
    expect(await publicClient.getTransactionCount({ address: account.address })).toBe(2);
    const next = await clientsFor(setup.chain).walletClient.sendTransaction({
      account,
      chain: null,
      to: OTHER,
      value: 1n,
    });
    expect((await publicClient.getTransactionReceipt({ hash: next })).blockNumber).toBe(3n);
  });

  it("refuses to reopen a data directory with a different chain id", async () => {
    const setup = await setupChain();
    await setup.chain.close();
    const error = await catchError(openTestChain(setup.dataDir, TEST_CHAIN_ID + 1));
    expect(isBaseError(error, "CHAIN_ID_MISMATCH")).toBe(true);
    expect((error as Error).message).toContain(`chain id ${TEST_CHAIN_ID}`);
  });

  it("moves block time with evm_increaseTime and evm_mine and keeps the offset after a restart", async () => {
    const setup = await setupChain();
    const { address } = await deployMeter(setup);
    const start = (await clientsFor(setup.chain).publicClient.getBlock()).timestamp;
    await setup.chain.request({ method: "evm_increaseTime", params: [3600] });
    await setup.chain.request({ method: "evm_mine", params: [] });
    const { publicClient } = clientsFor(await setup.reopen());
    const mined = await publicClient.getBlock();
    expect(mined.number).toBe(2n);
    expect(mined.transactions).toEqual([]);
    expect(mined.timestamp).toBeGreaterThanOrEqual(start + 3600n);
    expect(await publicClient.readContract({ address, abi, functionName: "currentTime" })).toBe(
      mined.timestamp,
    );
    await setup.chain.request({ method: "evm_mine", params: [] });
    expect((await publicClient.getBlock()).timestamp).toBeGreaterThanOrEqual(start + 3600n);
  });

  it("answers fee queries the way viem and cast read them", async () => {
    const { chain } = await setupChain();
    const { publicClient, walletClient, account } = clientsFor(chain);
    await walletClient.sendTransaction({ account, chain: null, to: OTHER, value: 1n });
    const fees = await publicClient.estimateFeesPerGas();
    const latest = await publicClient.getBlock();
    expect(fees.maxFeePerGas).toBeGreaterThanOrEqual(latest.baseFeePerGas ?? 0n);
    expect(await publicClient.getGasPrice()).toBeGreaterThan(0n);
    const history = await publicClient.getFeeHistory({ blockCount: 4, rewardPercentiles: [50] });
    expect(history.oldestBlock).toBe(0n);
    expect(history.baseFeePerGas).toHaveLength(3);
    expect(history.reward).toEqual([[0n], [0n]]);
    expect(await publicClient.estimateGas({ account, to: OTHER, value: 1n })).toBe(21_000n);
  });
});
