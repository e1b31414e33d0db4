import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRole, foundConsortium } from "../../src/chain/foundConsortium.js";
import { type ContractName, contractManifest } from "../../src/chain/manifest.js";
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
