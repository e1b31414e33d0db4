import { join } from "node:path";
import { type Address, getAddress, getContractAddress, type Hex, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import {
  accountsAbi,
  consortiumAbi,
  consortiumBytecode,
  meterAnchorAbi,
  meterAnchorBytecode,
  registryAbi,
  registryBytecode,
} from "../../src/chain/artifacts/index.js";
import { type ChainClient, createChainClient } from "../../src/chain/chainClient.js";
import { createEmbeddedChain, type EmbeddedChain } from "../../src/chain/embedded/index.js";
import {
  accountsServiceName,
  attachContracts,
  deployContracts,
  meterAnchorServiceName,
} from "../../src/node/deployContracts.js";
import type { NodeState } from "../../src/node/nodeState.js";
import { tempDir } from "../helpers/cli.js";
import { consortiumBeforeServicesBytecode } from "./fixtures/consortiumBeforeServices.js";

const founder = { name: "Op", roles: 1 };

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
      senders: "any",
    });
    closers.push(() => chain.close());
    const clientFor = (key: Hex) =>
      createChainClient({
        endpoint: { kind: "embedded", request: chain.request },
        chainId: 1337,
        privateKey: key,
      });
    const client = clientFor(privateKey);
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
    const txCount = () => client.publicClient.getTransactionCount({ address: operator });
    return { client, clientFor, state, saved, save, operator, txCount };
  }

  const serviceOf = (client: ChainClient, consortium: Address, name: Hex = meterAnchorServiceName) =>
    client.publicClient.readContract({
      address: consortium,
      abi: consortiumAbi,
      functionName: "service",
      args: [name],
    });

  /** What a data directory initialised before MeterAnchor existed has: Consortium and Registry, bound. */
  async function deployWithoutMeterAnchor(client: ChainClient, bytecode: Hex = consortiumBytecode) {
    const consortium = getAddress(
      (await client.sender.deploy({ abi: consortiumAbi, bytecode, args: ["Op", 1] })).contractAddress!,
    );
    const registry = getAddress(
      (await client.sender.deploy({ abi: registryAbi, bytecode: registryBytecode, args: [consortium] }))
        .contractAddress!,
    );
    await client.sender.write({
      address: consortium,
      abi: consortiumAbi,
      functionName: "bindRegistry",
      args: [registry],
    });
    return { Consortium: consortium, Registry: registry };
  }

  it("records where each contract will land before sending it, and ends with all bound", async () => {
    const { client, state, saved, save, operator } = await setup();
    const contracts = await deployContracts({ client, state, save, founder });
    expect(saved[0]?.pendingContracts?.Consortium).toBe(getContractAddress({ from: operator, nonce: 0n }));
    expect(contracts.Consortium).toBe(getContractAddress({ from: operator, nonce: 0n }));
    expect(contracts.Registry).toBe(getContractAddress({ from: operator, nonce: 1n }));
    // Nonce 2 is bindRegistry.
    expect(contracts.MeterAnchor).toBe(getContractAddress({ from: operator, nonce: 3n }));
    expect(saved.some((s) => s.pendingContracts?.MeterAnchor === contracts.MeterAnchor)).toBe(true);
    expect(saved.at(-1)).toMatchObject({ contracts, pendingContracts: {} });
    const bound = await client.publicClient.readContract({
      address: contracts.Consortium,
      abi: consortiumAbi,
      functionName: "registry",
    });
    expect(bound).toBe(contracts.Registry);
    expect(await serviceOf(client, contracts.Consortium)).toBe(contracts.MeterAnchor);
    const anchorRegistry = await client.publicClient.readContract({
      address: contracts.MeterAnchor,
      abi: meterAnchorAbi,
      functionName: "registry",
    });
    expect(anchorRegistry).toBe(contracts.Registry);
    // Nonce 4 binds the MeterAnchor; then Accounts and its binding under "accounts".
    expect(contracts.Accounts).toBe(getContractAddress({ from: operator, nonce: 5n }));
    expect(await serviceOf(client, contracts.Consortium, accountsServiceName)).toBe(contracts.Accounts);
    const accountsRegistry = await client.publicClient.readContract({
      address: contracts.Accounts,
      abi: accountsAbi,
      functionName: "registry",
    });
    expect(accountsRegistry).toBe(contracts.Registry);
  });

  it("adopts a deployment that landed before a crash instead of deploying it twice", async () => {
    const { client, state, save, operator, txCount } = await setup();
    // The crash: Consortium was sent and mined, but the node died before recording its address.
    const expected = getContractAddress({ from: operator, nonce: 0n });
    await client.sender.deploy({ abi: consortiumAbi, bytecode: consortiumBytecode, args: ["Op", 1] });
    const crashed: NodeState = { ...state, pendingContracts: { Consortium: expected } };

    const contracts = await deployContracts({ client, state: crashed, save, founder });
    expect(contracts.Consortium).toBe(expected);
    // Registry, bindRegistry, MeterAnchor, bindService, Accounts, bindService: six more, not seven.
    expect(await txCount()).toBe(7);
  });

  it("sends nothing when everything is deployed and bound", async () => {
    const { client, state, saved, save, txCount } = await setup();
    const contracts = await deployContracts({ client, state, save, founder });
    const before = await txCount();
    const again = await deployContracts({ client, state: saved.at(-1)!, save, founder });
    expect(again).toEqual(contracts);
    expect(await txCount()).toBe(before);
  });

  it("brings a data directory from before MeterAnchor up to date: deploys just the MeterAnchor and binds it", async () => {
    const { client, state, save, saved, operator, txCount } = await setup();
    const old = await deployWithoutMeterAnchor(client);
    const contracts = await deployContracts({ client, state: { ...state, contracts: old }, save, founder });
    expect(contracts).toEqual({
      ...old,
      MeterAnchor: getContractAddress({ from: operator, nonce: 3n }),
      Accounts: getContractAddress({ from: operator, nonce: 5n }),
    });
    // Three transactions for the old contracts, then each service and its bindService.
    expect(await txCount()).toBe(7);
    expect(await serviceOf(client, old.Consortium)).toBe(contracts.MeterAnchor);
    expect(saved.at(-1)?.contracts).toEqual(contracts);
  });

  it("binds a MeterAnchor that was deployed but not bound before a crash, without deploying another", async () => {
    const { client, state, save, txCount } = await setup();
    // The crash: the MeterAnchor was deployed and recorded, but the node died before binding it.
    const old = await deployWithoutMeterAnchor(client);
    const anchor = getAddress(
      (
        await client.sender.deploy({
          abi: meterAnchorAbi,
          bytecode: meterAnchorBytecode,
          args: [old.Registry],
        })
      ).contractAddress!,
    );
    const before = await txCount();
    const contracts = await deployContracts({
      client,
      state: { ...state, contracts: { ...old, MeterAnchor: anchor } },
      save,
      founder,
    });
    expect(contracts.MeterAnchor).toBe(anchor);
    // Its binding, then Accounts and its binding.
    expect(await txCount()).toBe(before + 3);
    expect(await serviceOf(client, old.Consortium)).toBe(anchor);
  });

  it("on a Consortium from before the service directory, deploys and records the MeterAnchor unbound", async () => {
    const { client, state, save, saved, txCount } = await setup();
    const old = await deployWithoutMeterAnchor(client, consortiumBeforeServicesBytecode);
    const contracts = await deployContracts({ client, state: { ...state, contracts: old }, save, founder });
    expect(contracts.MeterAnchor).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(contracts.Accounts).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await txCount()).toBe(5);
    expect(saved.at(-1)?.contracts).toEqual(contracts);
    // Starting again adopts the recorded one.
    const again = await deployContracts({ client, state: saved.at(-1)!, save, founder });
    expect(again).toEqual(contracts);
    expect(await txCount()).toBe(5);
    // Other nodes cannot discover it.
    await expect(attachContracts(client, old.Consortium)).rejects.toMatchObject({
      code: "NODE_SERVICE_NOT_BOUND",
      details: { consortium: old.Consortium, service: "MeterAnchor", directory: false },
    });
  });

  it("lets an operator that is not the founder adopt the bound MeterAnchor, and refuses it before one is bound", async () => {
    const { client, clientFor, state, save, txCount } = await setup();
    const old = await deployWithoutMeterAnchor(client);
    const memberKey = generatePrivateKey();
    const member = clientFor(memberKey);
    const memberState: NodeState = { ...state, operator: privateKeyToAddress(memberKey), contracts: old };
    await expect(
      deployContracts({ client: member, state: memberState, save, founder }),
    ).rejects.toMatchObject({
      code: "NODE_SERVICE_NOT_BOUND",
      details: { consortium: old.Consortium, service: "MeterAnchor", directory: true },
    });
    const contracts = await deployContracts({ client, state: { ...state, contracts: old }, save, founder });
    const before = await txCount();
    expect(await deployContracts({ client: member, state: memberState, save, founder })).toEqual(contracts);
    expect(await member.publicClient.getTransactionCount({ address: memberState.operator })).toBe(0);
    expect(await txCount()).toBe(before);
  });

  it("brings a data directory from before Accounts up to date; other operators adopt it once bound", async () => {
    const { client, clientFor, state, save, txCount } = await setup();
    const old = await deployWithoutMeterAnchor(client);
    const anchor = getAddress(
      (
        await client.sender.deploy({
          abi: meterAnchorAbi,
          bytecode: meterAnchorBytecode,
          args: [old.Registry],
        })
      ).contractAddress!,
    );
    await client.sender.write({
      address: old.Consortium,
      abi: consortiumAbi,
      functionName: "bindService",
      args: [meterAnchorServiceName, anchor],
    });
    const before = { ...old, MeterAnchor: anchor };
    const memberKey = generatePrivateKey();
    const member = clientFor(memberKey);
    const memberState: NodeState = { ...state, operator: privateKeyToAddress(memberKey), contracts: before };
    await expect(
      deployContracts({ client: member, state: memberState, save, founder }),
    ).rejects.toMatchObject({
      code: "NODE_SERVICE_NOT_BOUND",
      details: { consortium: old.Consortium, service: "Accounts", directory: true },
    });
    const sent = await txCount();
    const contracts = await deployContracts({
      client,
      state: { ...state, contracts: before },
      save,
      founder,
    });
    expect(await txCount()).toBe(sent + 2);
    expect(contracts).toEqual({ ...before, Accounts: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) });
    expect(await serviceOf(client, old.Consortium, accountsServiceName)).toBe(contracts.Accounts);
    expect(await deployContracts({ client: member, state: memberState, save, founder })).toEqual(contracts);
    expect(await attachContracts(member, old.Consortium)).toEqual(contracts);
  });
});

describe("attaching to deployed contracts", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("reads the Registry and the MeterAnchor from the Consortium, and names a missing service", async () => {
    const dir = await tempDir();
    closers.push(dir.cleanup);
    const privateKey = generatePrivateKey();
    const operator = privateKeyToAddress(privateKey);
    const chain = await createEmbeddedChain({
      dataDir: join(dir.dir, "chain"),
      chainId: 1337,
      genesisAccounts: [{ address: operator, balance: 10n ** 21n }],
      senders: "any",
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
    const contracts = await deployContracts({ client, state, save: async () => {}, founder });
    expect(await attachContracts(client, contracts.Consortium)).toEqual(contracts);

    const bare = getAddress(
      (await client.sender.deploy({ abi: consortiumAbi, bytecode: consortiumBytecode, args: ["X", 1] }))
        .contractAddress!,
    );
    await expect(attachContracts(client, bare)).rejects.toMatchObject({ code: "NODE_REGISTRY_NOT_BOUND" });
    const registry = getAddress(
      (await client.sender.deploy({ abi: registryAbi, bytecode: registryBytecode, args: [bare] }))
        .contractAddress!,
    );
    await client.sender.write({
      address: bare,
      abi: consortiumAbi,
      functionName: "bindRegistry",
      args: [registry],
    });
    await expect(attachContracts(client, bare)).rejects.toMatchObject({
      code: "NODE_SERVICE_NOT_BOUND",
      message: expect.stringContaining("MeterAnchor"),
      details: { consortium: bare, service: "MeterAnchor", directory: true },
    });
    await expect(attachContracts(client, zeroAddress)).rejects.toMatchObject({ code: "NODE_NO_CONTRACT" });
  });
});
