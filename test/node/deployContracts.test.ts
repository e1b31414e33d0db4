import { join } from "node:path";
import { getContractAddress } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { consortiumAbi, consortiumBytecode } from "../../src/chain/artifacts/index.js";
import { createChainClient } from "../../src/chain/chainClient.js";
import { createEmbeddedChain, type EmbeddedChain } from "../../src/chain/embedded/index.js";
import { deployContracts } from "../../src/node/deployContracts.js";
import type { NodeState } from "../../src/node/nodeState.js";
import { tempDir } from "../helpers/cli.js";

describe("deploying the contracts", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function setup() {
    const dir = await tempDir();
    closers.push(dir.cleanup);
    const privateKey = generatePrivateKey();
    const operator = privateKeyToAddress(privateKey);
    const chain: EmbeddedChain = await createEmbeddedChain({
      dataDir: join(dir.dir, "chain"),
      chainId: 1337,
      genesisAccounts: [{ address: operator, balance: 10n ** 21n }],
    });
    closers.push(() => chain.close());
    const client = createChainClient({
      endpoint: { kind: "embedded", request: chain.request },
      chainId: 1337,
      privateKey,
    });
    const state: NodeState = {
      version: 1,
      chainId: 1337,
      chain: { mode: "embedded" },
      operator,
      contracts: {},
    };
    const saved: NodeState[] = [];
    const save = async (next: NodeState) => {
      saved.push(structuredClone(next));
    };
    return { client, state, saved, save, operator };
  }

  it("records where each contract will land before sending it, and ends with both bound", async () => {
    const { client, state, saved, save, operator } = await setup();
    const contracts = await deployContracts({ client, state, save, founder: { name: "Op", roles: 1 } });
    expect(saved[0]?.pendingContracts?.Consortium).toBe(getContractAddress({ from: operator, nonce: 0n }));
    expect(contracts.Consortium).toBe(getContractAddress({ from: operator, nonce: 0n }));
    expect(contracts.Registry).toBe(getContractAddress({ from: operator, nonce: 1n }));
    expect(saved.at(-1)).toMatchObject({ contracts, pendingContracts: {} });
    const bound = await client.publicClient.readContract({
      address: contracts.Consortium,
      abi: consortiumAbi,
      functionName: "registry",
    });
    expect(bound).toBe(contracts.Registry);
  });

  it("adopts a deployment that landed before a crash instead of deploying it twice", async () => {
    const { client, state, save, operator } = await setup();
    // The crash: Consortium was sent and mined, but the node died before recording its address.
    const expected = getContractAddress({ from: operator, nonce: 0n });
    await client.sender.deploy({ abi: consortiumAbi, bytecode: consortiumBytecode, args: ["Op", 1] });
    const crashed: NodeState = { ...state, pendingContracts: { Consortium: expected } };

    const contracts = await deployContracts({
      client,
      state: crashed,
      save,
      founder: { name: "Op", roles: 1 },
    });
    expect(contracts.Consortium).toBe(expected);
    // Registry deployment and bindRegistry: two more transactions, not three.
    expect(await client.publicClient.getTransactionCount({ address: operator })).toBe(3);
  });
});
