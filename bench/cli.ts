// How long a CLI command takes from process start to exit: `--help`, `device keygen` (no node) and
// `region list` against a port where no node answers (the client path up to the request). Runs the
// compiled CLI when dist/ is current (npm install builds it), as a user's shell would.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const cli = new URL("../bin/gridledger.js", import.meta.url).pathname;
const runs = Number(process.env.BENCH_RUNS ?? 7);
const dir = mkdtempSync(join(tmpdir(), "gridledger-bench-cli-"));
let compiled = false;
try {
  compiled = statSync(new URL("../dist/.built", import.meta.url)).isFile();
} catch {}
if (!compiled) {
  console.error("dist/ is not built; building it first (npm run build)");
  execFileSync("npm", ["run", "build"], { stdio: "inherit" });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(name: string, args: string[]): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, [cli, ...args], { stdio: "ignore" });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const ms = median(samples);
  console.log(`${name.padEnd(28)} median ${ms.toFixed(0)} ms over ${runs} runs`);
  return ms;
}

try {
  const help = time("--help", ["--help"]);
  const keygen = time("device keygen", ["device", "keygen", "--out", join(dir, "m")]);
  const client = time("region list (no node)", ["--node", "http://127.0.0.1:9", "region", "list"]);
  console.log(
    JSON.stringify({
      bench: "cli",
      helpMs: Math.round(help),
      keygenMs: Math.round(keygen),
      clientMs: Math.round(client),
      targetMs: 500,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
