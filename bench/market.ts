/**
 * Market benchmark (npm run bench:market): (1) clearing 100k random orders (median of 5, target
 * < 200 ms); (2) commitClearing and settle gas of a slot, per line and per settled trade; (3) a full
 * slot on a real node with N participants, from signed orders over HTTP to settlement. Prints figures,
 * then one JSON line last.
 *
 *   npm run bench:market -- [--participants 1000] [--gas-lines 10,200]
 *   (--participants 0 skips the full slot; --gas-lines "" skips the gas runs)
 */
import { parseArgs } from "node:util";
import { measureClearing } from "./market/clearing.js";
import { measureFullSlot } from "./market/fullSlot.js";
import { measureSettlementGas } from "./market/gas.js";

const { values } = parseArgs({
  options: {
    participants: { type: "string", default: "1000" },
    "gas-lines": { type: "string", default: "10,200" },
  },
});
const participants = Number(values.participants);
const gasLines = (values["gas-lines"] ?? "")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
if (!Number.isInteger(participants) || participants < 0) throw new Error("--participants: a whole number");

const clearing = measureClearing();

const gas = [];
for (const n of gasLines) {
  const r = await measureSettlementGas(n);
  console.log(
    `gas, ${r.lines} lines (${r.trades} trades + the grid line): commitClearing ${r.commitGas}, settle ${r.settleGas}, ` +
      `${r.settleGasPerLine} per line; claimRewards ${r.claimGas}, ${r.claimGasPerLine} per line; ` +
      `${r.gasPerSettledTrade} per settled trade (commit + settle + claims)`,
  );
  gas.push(r);
}

const fullSlot = participants > 0 ? await measureFullSlot(participants) : undefined;

console.log(JSON.stringify({ bench: "market", ...clearing, gas, fullSlot }));
