import {
  type Address,
  encodeFunctionData,
  getAddress,
  getContractAddress,
  type Hex,
  zeroAddress,
} from "viem";
import { afterEach, describe, expect, it } from "vitest";
import {
  consortiumAbi,
  consortiumBytecode,
  gridAuthorityAbi,
  gridAuthorityBytecode,
  meterAnchorAbi,
} from "../../src/chain/artifacts/index.js";
import type { ChainClient } from "../../src/chain/chainClient.js";
import { publicSelectors } from "../../src/chain/foundConsortium.js";
import { authorityRoles, contractManifest, contractSpec } from "../../src/chain/manifest.js";
import { createGovernanceClient } from "../../src/governance/governanceClient.js";
import { lateContracts } from "../../src/node/addContracts.js";
import { attachContracts, deployContracts, openContracts } from "../../src/node/deployContracts.js";
import type { NodeState } from "../../src/node/nodeState.js";
import { embeddedClient } from "../helpers/embeddedClient.js";
import {
  consortiumAbi as oldConsortiumAbi,
  consortiumBytecode as oldConsortiumBytecode,
} from "./fixtures/oldLayout/index.js";

const founder = { name: "Op", roles: 1 };

async function setupClient(closers: (() => Promise<void>)[]) {
  const { client, operator } = await embeddedClient(closers);
  const state: NodeState = {
    version: 1,
    chainId: 1337,
    chain: { mode: "embedded" },
    operator,
    contracts: {},
  };
  return { client, operator, state };
}

const serviceOf = (client: ChainClient, consortium: Address, name: Hex) =>
  client.publicClient.readContract({
    address: consortium,
    abi: consortiumAbi,
    functionName: "service",
    args: [name],
  });

describe("founding the contracts", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function setup() {
    const { client, operator, state } = await setupClient(closers);
    const saved: NodeState[] = [];
    const save = async (next: NodeState) => {
      saved.push(structuredClone(next));
    };
    const txCount = () => client.publicClient.getTransactionCount({ address: operator });
    return { client, state, saved, save, operator, txCount };
  }

  it("records where each contract will land before sending it, and binds every service in the directory", async () => {
    const { client, state, saved, save, operator } = await setup();
    const contracts = await deployContracts({ client, state, save, founder });
    expect(saved[0]?.pendingContracts?.GridAuthority).toBe(getContractAddress({ from: operator, nonce: 0n }));
    expect(contracts.GridAuthority).toBe(getContractAddress({ from: operator, nonce: 0n }));
    expect(contracts.Consortium).toBe(getContractAddress({ from: operator, nonce: 1n }));
    for (const spec of contractManifest) {
      expect(
        saved.some((s) => s.pendingContracts?.[spec.name] === contracts[spec.name]),
        spec.name,
      ).toBe(true);
      if (spec.service)
        expect(await serviceOf(client, contracts.Consortium, spec.service)).toBe(contracts[spec.name]);
    }
    expect(saved.at(-1)).toMatchObject({ contracts, pendingContracts: {} });
    const anchorRegistry = await client.publicClient.readContract({
      address: contracts.MeterAnchor,
      abi: meterAnchorAbi,
      functionName: "registry",
    });
    expect(anchorRegistry).toBe(contracts.Registry);
    // The founder keeps no power of its own: the authority's admin is the timelock alone.
    const [founderAdmin] = await client.publicClient.readContract({
      address: contracts.GridAuthority,
      abi: gridAuthorityAbi,
      functionName: "hasRole",
      args: [0n, operator],
    });
    expect(founderAdmin).toBe(false);
  });

  it("resumes a founding killed midway: adopts what landed, sends only what is missing", async () => {
    const { client, state, save, operator, txCount } = await setup();
    // The crash: the GridAuthority and the Consortium were mined, the node died before recording the
    // Consortium (its pending address was saved).
    const authority = getAddress(
      (
        await client.sender.deploy({
          abi: gridAuthorityAbi,
          bytecode: gridAuthorityBytecode,
          args: [operator],
        })
      ).contractAddress!,
    );
    const expected = getContractAddress({ from: operator, nonce: 1n });
    await client.sender.deploy({
      abi: consortiumAbi,
      bytecode: consortiumBytecode,
      args: [authority, founder.name, founder.roles],
    });
    const crashed: NodeState = {
      ...state,
      contracts: { GridAuthority: authority },
      pendingContracts: { Consortium: expected },
    };
    const contracts = await deployContracts({ client, state: crashed, save, founder });
    expect(contracts.GridAuthority).toBe(authority);
    expect(contracts.Consortium).toBe(expected);
    const sent = await txCount();

    // A full founding from scratch on another chain sends two transactions more (the two deployments).
    const fresh = await setup();
    await deployContracts({ client: fresh.client, state: fresh.state, save: fresh.save, founder });
    expect(sent).toBe(await fresh.txCount());
  });

  it("sends nothing when everything is founded and wired", async () => {
    const { client, state, saved, save, txCount } = await setup();
    const contracts = await deployContracts({ client, state, save, founder });
    const before = await txCount();
    const again = await deployContracts({ client, state: saved.at(-1)!, save, founder });
    expect(again).toEqual(contracts);
    expect(await txCount()).toBe(before);
  });

  it("sets the timelock delay the founder chose", async () => {
    const { client, state, save } = await setup();
    const contracts = await deployContracts({ client, state, save, founder, timelockDelay: 3600n });
    const delay = await client.publicClient.readContract({
      address: contracts.GridTimelock,
      abi: contractSpec("GridTimelock").abi,
      functionName: "getMinDelay",
    } as never);
    expect(delay).toBe(3600n);
  });
});

describe("attaching to founded contracts", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("reads every contract from the Consortium's directory, and names an old or missing one", async () => {
    const { client, state } = await setupClient(closers);
    const contracts = await deployContracts({ client, state, save: async () => {}, founder });
    expect(await attachContracts(client, contracts.Consortium)).toEqual(contracts);

    const old = getAddress(
      (
        await client.sender.deploy({
          abi: oldConsortiumAbi,
          bytecode: oldConsortiumBytecode,
          args: ["Old", 1],
        })
      ).contractAddress!,
    );
    await expect(attachContracts(client, old)).rejects.toMatchObject({
      code: "NODE_CONTRACTS_OUTDATED",
      message: expect.stringContaining("gridledger migrate"),
    });
    await expect(attachContracts(client, zeroAddress)).rejects.toMatchObject({ code: "NODE_NO_CONTRACT" });
  });
});

describe("a consortium founded before the market's contracts", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /** A founded data directory whose consortium's directory names no market contracts (unbound by a vote). */
  async function foundedWithoutMarket(options: { secondSeat: boolean }) {
    const { client, state } = await setupClient(closers);
    let saved: NodeState = state;
    const save = async (next: NodeState) => {
      saved = structuredClone(next);
    };
    const full = await deployContracts({ client, state, save, founder });
    const governance = createGovernanceClient({ client, contracts: full });
    const calls = lateContracts.map((name) => ({
      target: full.Consortium,
      data: encodeFunctionData({
        abi: consortiumAbi,
        functionName: "bindService",
        args: [contractSpec(name).service as Hex, zeroAddress],
      }),
    }));
    if (options.secondSeat) {
      const member = getAddress(`0x${"ab".repeat(20)}`);
      calls.push({
        target: full.Consortium,
        data: encodeFunctionData({
          abi: consortiumAbi,
          functionName: "admitMember",
          args: [member, "Other", 2, true],
        }),
      });
    }
    await governance.propose(calls, "forget the market");
    const { Market: _m, RewardToken: _r, SettlementToken: _s, ...old } = saved.contracts;
    const oldState: NodeState = { ...saved, contracts: old, founded: true };
    return { client, state: oldState, full };
  }

  it("deploys, wires and binds them by one proposal its only seat passes at once", async () => {
    const { client, state, full } = await foundedWithoutMarket({ secondSeat: false });
    const notices: string[] = [];
    let saved = state;
    const contracts = await openContracts({
      client,
      state,
      save: async (next) => {
        saved = next;
      },
      founder,
      timelockDelay: 0n,
      attachTo: undefined,
      beforeFounding: async () => {},
      log: (m) => notices.push(m),
    });
    expect(notices).toEqual([]);
    for (const name of lateContracts) {
      expect(contracts[name]).not.toBe(zeroAddress);
      expect(contracts[name]).not.toBe(full[name]);
      expect(await serviceOf(client, contracts.Consortium, contractSpec(name).service!)).toBe(
        contracts[name],
      );
      expect(saved.contracts[name]).toBe(contracts[name]);
    }
    const hasRole = (role: bigint, account: Address) =>
      client.publicClient.readContract({
        address: contracts.GridAuthority,
        abi: gridAuthorityAbi,
        functionName: "hasRole",
        args: [role, account],
      });
    expect(await hasRole(authorityRoles.marketMinter, contracts.Market)).toEqual([true, 0]);
    expect(await hasRole(authorityRoles.paymentAgent, state.operator)).toEqual([true, 0]);
    const [open] = await client.publicClient.readContract({
      address: contracts.GridAuthority,
      abi: gridAuthorityAbi,
      functionName: "canCall",
      args: [zeroAddress, contracts.Market, publicSelectors(contractSpec("Market"))[0]!],
    });
    expect(open).toBe(true);
  });

  it("runs without them, sending nothing and saying why, when a vote cannot pass at once (two seats)", async () => {
    const { client, state } = await foundedWithoutMarket({ secondSeat: true });
    const notices: string[] = [];
    const before = await client.publicClient.getTransactionCount({ address: state.operator });
    const contracts = await openContracts({
      client,
      state,
      save: async () => {},
      founder,
      timelockDelay: 0n,
      attachTo: undefined,
      beforeFounding: async () => {},
      log: (m) => notices.push(m),
    });
    for (const name of lateContracts) expect(contracts[name]).toBe(zeroAddress);
    expect(notices).toEqual([expect.stringContaining("runs without them")]);
    expect(await client.publicClient.getTransactionCount({ address: state.operator })).toBe(before);
  });
});
