import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Hex, recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cancelTypes,
  marketDomain,
  orderDigest,
  orderToJson,
  orderTypes,
  parseOrderJson,
} from "../../src/market/orderFormat.js";
import { tempDir } from "../helpers/cli.js";

const run = promisify(execFile);
const cast = resolve(import.meta.dirname, "../../node_modules/.bin/cast");
/** Anvil's first well-known development key. */
const key: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const domain = marketDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const eip712Domain = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];
const order = parseOrderJson({
  market: "0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8",
  slot: "1767225600",
  side: "sell",
  device: `0x${"11".repeat(32)}`,
  energyWh: "1500",
  limitPrice: "22",
  nonce: "7",
  expiry: "1767225300",
});

let dir: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir("gridledger-eip712-");
});
afterAll(() => dir.cleanup());

/** Signs typed data with `cast wallet sign --data --from-file`, as docs/market.md shows. */
async function castSign(name: string, typed: unknown): Promise<Hex> {
  const file = join(dir.dir, `${name}.json`);
  await writeFile(file, JSON.stringify(typed));
  const { stdout } = await run(cast, ["wallet", "sign", "--data", "--from-file", file, "--private-key", key]);
  return stdout.trim() as Hex;
}

describe("EIP-712 signatures made by cast wallet sign", () => {
  it("are accepted for an order: viem recovers the signer from the same digest", async () => {
    const message = { ...orderToJson(order), side: order.side };
    const signature = await castSign("order", {
      types: { EIP712Domain: eip712Domain, ...orderTypes },
      primaryType: "Order",
      domain,
      message,
    });
    const recovered = await recoverTypedDataAddress({
      domain,
      types: orderTypes,
      primaryType: "Order",
      message: order,
      signature,
    });
    expect(recovered).toBe(privateKeyToAccount(key).address);
    const signedByViem = await privateKeyToAccount(key).signTypedData({
      domain,
      types: orderTypes,
      primaryType: "Order",
      message: order,
    });
    expect(signature).toBe(signedByViem);
  });

  it("are accepted for a cancel naming the order's digest", async () => {
    const cancel = { market: order.market, slot: order.slot, order: orderDigest(domain, order) };
    const signature = await castSign("cancel", {
      types: { EIP712Domain: eip712Domain, ...cancelTypes },
      primaryType: "Cancel",
      domain,
      message: { ...cancel, slot: cancel.slot.toString() },
    });
    const recovered = await recoverTypedDataAddress({
      domain,
      types: cancelTypes,
      primaryType: "Cancel",
      message: cancel,
      signature,
    });
    expect(recovered).toBe(privateKeyToAccount(key).address);
  });

  it("do not recover to the signer for an order changed after signing", async () => {
    const signature = await castSign("changed", {
      types: { EIP712Domain: eip712Domain, ...orderTypes },
      primaryType: "Order",
      domain,
      message: { ...orderToJson(order), side: order.side },
    });
    const recovered = await recoverTypedDataAddress({
      domain,
      types: orderTypes,
      primaryType: "Order",
      message: { ...order, limitPrice: 21n },
      signature,
    });
    expect(recovered).not.toBe(privateKeyToAccount(key).address);
  });
});
