import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";

/** docs/market.md, worked example 1. */
const book = {
  orders: [
    { id: "b1", side: "buy", account: "0xa", energyWh: "1000", limitPrice: "30" },
    { id: "s1", side: "sell", account: "0xd", energyWh: 600, limitPrice: 15 },
    { id: "b2", side: "buy", account: "0xb", energyWh: "500", limitPrice: "25" },
    { id: "s2", side: "sell", account: "0xe", energyWh: "700", limitPrice: "22" },
    { id: "b3", side: "buy", account: "0xc", energyWh: "800", limitPrice: "20" },
    { id: "s3", side: "sell", account: "0xf", energyWh: "900", limitPrice: "28" },
  ],
};

let dir: { dir: string; cleanup: () => Promise<void> };
const file = (name: string) => join(dir.dir, name);
beforeAll(async () => {
  dir = await tempDir("gridledger-market-");
  await writeFile(file("book.json"), JSON.stringify(book));
  await writeFile(file("bad.json"), JSON.stringify({ orders: [{ ...book.orders[0], energyWh: "-5" }] }));
  await writeFile(file("notjson.json"), "{ orders: ");
});
afterAll(() => dir.cleanup());

describe("gridledger market clear", () => {
  it("prints the clearing of a book file as JSON", async () => {
    const run = await runCli(["market", "clear", file("book.json"), "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      mechanism: "pay-as-clear",
      rule: "midpoint",
      price: "23",
      volumeWh: "1300",
      trades: [
        { buy: "b1", sell: "s1", energyWh: "600", price: "23" },
        { buy: "b1", sell: "s2", energyWh: "400", price: "23" },
        { buy: "b2", sell: "s2", energyWh: "300", price: "23" },
      ],
    });
  });

  it("clears pay-as-bid and prints a readable table", async () => {
    const run = await runCli(["market", "clear", file("book.json"), "--mechanism", "pay-as-bid"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/volumeWh:\s+1300/);
    expect(run.stdout).toMatch(/b1\s+s1\s+600\s+30/);
    expect(run.stdout).toMatch(/b2\s+s2\s+300\s+25/);
  });

  it("refuses a bad book with MARKET_CLEARING_INPUT_INVALID and a non-zero exit", async () => {
    for (const name of ["bad.json", "notjson.json"]) {
      const run = await runCli(["market", "clear", file(name), "--json"]);
      expect(run.code).not.toBe(0);
      expect(JSON.parse(run.stderr).error.code).toBe("MARKET_CLEARING_INPUT_INVALID");
    }
  });

  it("refuses a price rule it does not know", async () => {
    const run = await runCli(["market", "clear", file("book.json"), "--rule", "highest", "--json"]);
    expect(run.code).not.toBe(0);
    expect(JSON.parse(run.stderr).error.code).toBe("CLI_INVALID_CHOICE");
  });
});
