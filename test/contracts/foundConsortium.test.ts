import { type Address, encodeFunctionData, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { consortiumAbi, consortiumGovernorAbi, gridAuthorityAbi } from "../../src/chain/artifacts/index.js";
import { createChainClient } from "../../src/chain/chainClient.js";
import {
  adminRole,
  foundConsortium,
  publicRole,
  publicSelectors,
  roleSelectors,
} from "../../src/chain/foundConsortium.js";
import { authorityRoles, type ContractName, contractManifest } from "../../src/chain/manifest.js";
import { createTxSender, type TxSender } from "../../src/chain/txSender.js";
import { createTempDir, openTestChain, removeTempDir, TEST_CHAIN_ID, TEST_KEYS } from "../chain/helpers.js";
import { type Anvil, startAnvil } from "../helpers/anvil.js";
import { type AnvilClients, anvilClients } from "../helpers/anvilClients.js";

const options = { founderName: "National Energy Administration", founderRoles: 1, timelockDelay: 0n };

let anvil: Anvil;
let c: AnvilClients;
beforeAll(async () => {
  anvil = await startAnvil();
  c = anvilClients(anvil);
});
afterAll(async () => {
  await anvil?.stop();
});

class Crash extends Error {}

describe("foundConsortium", () => {
  it("resumes a founding that crashed, adopting what it deployed, and then sends nothing more", async () => {
    const founder = c.walletOf(1);
    const pending: Partial<Record<ContractName, Address>> = {};
    const deployed: ContractName[] = [];
    // Crash right after the Registry is deployed, before the founder's node records it.
    await expect(
      foundConsortium({
        publicClient: c.publicClient,
        walletClient: founder,
        options,
        onDeploying: (name, address) => {
          pending[name] = address;
        },
        onDeployed: (name) => {
          if (name === "Registry") throw new Crash("crashed");
          deployed.push(name);
        },
      }),
    ).rejects.toBeInstanceOf(Crash);
    expect(deployed).toEqual(["GridAuthority", "Consortium", "GridTimelock", "ConsortiumGovernor"]);

    const resumed = await foundConsortium({
      publicClient: c.publicClient,
      walletClient: founder,
      options,
      known: pending,
    });
    for (const name of [
      "GridAuthority",
      "Consortium",
      "GridTimelock",
      "ConsortiumGovernor",
      "Registry",
    ] as const) {
      expect(resumed[name]).toBe(pending[name]);
    }
    expect(Object.keys(resumed)).toEqual(contractManifest.map((s) => s.name));
    const read = (functionName: string, args: readonly unknown[]) =>
      c.publicClient.readContract({
        address: resumed.GridAuthority,
        abi: contractManifest[0]!.abi,
        functionName,
        args,
      } as Parameters<typeof c.publicClient.readContract>[0]);
    expect(await read("hasRole", [adminRole, founder.account.address])).toEqual([false, 0]);
    expect(await read("hasRole", [adminRole, resumed.GridTimelock])).toEqual([true, 0]);

    const nonce = await c.publicClient.getTransactionCount({ address: founder.account.address });
    const again = await foundConsortium({
      publicClient: c.publicClient,
      walletClient: founder,
      options,
      known: resumed,
    });
    expect(again).toEqual(resumed);
    expect(await c.publicClient.getTransactionCount({ address: founder.account.address })).toBe(nonce);
  });
});

describe("foundConsortium wiring", () => {
  it("resumes a founding that crashed at any step of the wiring, and ends with governance the only admin", async () => {
    const founder = c.walletOf(2);
    for (const crashAfter of [1, 4, 11, 12, 13]) {
      const known: Partial<Record<ContractName, Address>> = {};
      const real = createTxSender({
        account: founder.account,
        publicClient: c.publicClient,
        walletClient: founder,
      });
      let writes = 0;
      const crashing: TxSender = {
        ...real,
        async write(call) {
          if (writes === crashAfter) throw new Crash(`crashed after ${crashAfter} wiring transactions`);
          writes += 1;
          return real.write(call);
        },
      };
      await expect(
        foundConsortium({
          publicClient: c.publicClient,
          walletClient: founder,
          options,
          sender: crashing,
          onDeployed: (name, address) => {
            known[name] = address;
          },
        }),
      ).rejects.toBeInstanceOf(Crash);
      const founded = await foundConsortium({
        publicClient: c.publicClient,
        walletClient: founder,
        options,
        known,
      });
      expect(founded).toEqual(known);
      const authority = { address: founded.GridAuthority, abi: gridAuthorityAbi } as const;
      const hasAdmin = (account: Address) =>
        c.publicClient.readContract({ ...authority, functionName: "hasRole", args: [adminRole, account] });
      expect(await hasAdmin(founder.account.address)).toEqual([false, 0]);
      expect(await hasAdmin(founded.GridTimelock)).toEqual([true, 0]);
      const hasRole = (role: bigint, account: Address) =>
        c.publicClient.readContract({ ...authority, functionName: "hasRole", args: [role, account] });
      expect(await hasRole(authorityRoles.paymentAgent, founder.account.address)).toEqual([true, 0]);
      expect(await hasRole(authorityRoles.marketMinter, founded.Market)).toEqual([true, 0]);
      for (const spec of contractManifest) {
        for (const { role, selectors } of roleSelectors(spec)) {
          for (const selector of selectors) {
            expect(
              await c.publicClient.readContract({
                ...authority,
                functionName: "getTargetFunctionRole",
                args: [founded[spec.name], selector],
              }),
            ).toBe(role);
          }
        }
        for (const selector of publicSelectors(spec)) {
          expect(
            await c.publicClient.readContract({
              ...authority,
              functionName: "getTargetFunctionRole",
              args: [founded[spec.name], selector],
            }),
          ).toBe(publicRole);
        }
        if (!spec.service) continue;
        expect(
          await c.publicClient.readContract({
            address: founded.Consortium,
            abi: consortiumAbi,
            functionName: "service",
            args: [spec.service],
          }),
        ).toBe(founded[spec.name]);
      }
    }
  });
});

describe("foundConsortium on the embedded chain", () => {
  it("founds with the node's transaction sender, then a seat proposes, votes, queues and executes in a row", async () => {
    const dir = await createTempDir();
    const chain = await openTestChain(dir);
    onTestFinished(async () => {
      await chain.close();
      await removeTempDir(dir);
    });
    const client = createChainClient({
      endpoint: { kind: "embedded", request: chain.request },
      chainId: TEST_CHAIN_ID,
      privateKey: TEST_KEYS[0],
    });
    const founded = await foundConsortium({ ...client, options });
    const newcomer = privateKeyToAccount(TEST_KEYS[1]).address;
    const calldata = encodeFunctionData({
      abi: consortiumAbi,
      functionName: "admitMember",
      args: [newcomer, "State Grid", 2, true],
    });
    const description = "welcome\n\n[gridledger:test]";
    const proposal = [[founded.Consortium], [0n], [calldata]] as const;
    const governor = { address: founded.ConsortiumGovernor, abi: consortiumGovernorAbi } as const;
    await client.sender.write({ ...governor, functionName: "propose", args: [...proposal, description] });
    const id = await client.publicClient.readContract({
      ...governor,
      functionName: "hashProposal",
      args: [...proposal, keccak256(stringToHex(description))],
    });
    await client.sender.write({ ...governor, functionName: "castVote", args: [id, 1] });
    const descriptionHash = keccak256(stringToHex(description));
    await client.sender.write({ ...governor, functionName: "queue", args: [...proposal, descriptionHash] });
    await client.sender.write({ ...governor, functionName: "execute", args: [...proposal, descriptionHash] });
    expect(await client.publicClient.readContract({ ...governor, functionName: "state", args: [id] })).toBe(
      7,
    );
    expect(
      await client.publicClient.readContract({
        address: founded.Consortium,
        abi: consortiumAbi,
        functionName: "hasSeat",
        args: [newcomer],
      }),
    ).toBe(true);
  });
});
