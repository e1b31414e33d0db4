import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

describe("the analytics config file", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
  });

  afterAll(async () => {
    await dir?.cleanup();
  });

  it("stops the node with a coded error naming a bad setting", async () => {
    const file = join(dir.dir, "bad.json");
    await writeFile(file, JSON.stringify({ tce: { electricityMethod: "market" } }));
    const result = await runCli([
      "start",
      "--data-dir",
      join(dir.dir, "node"),
      "--port",
      "0",
      "--rpc-port",
      "0",
      "--mqtt-port",
      "0",
      "--analytics-config",
      file,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/tce\.electricityMethod/);
    expect(result.stderr).toMatch(/CONFIG_INVALID_ANALYTICS/);
  });

  it("refuses a config file that is not there when it is given explicitly", async () => {
    const result = await runCli([
      "start",
      "--data-dir",
      join(dir.dir, "node"),
      "--port",
      "0",
      "--rpc-port",
      "0",
      "--mqtt-port",
      "0",
      "--analytics-config",
      join(dir.dir, "missing.json"),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /cannot read the analytics config .*missing\.json.*CONFIG_INVALID_ANALYTICS/,
    );
  });
});

describe("statistics under a configured method", () => {
  let node: MeteringNode;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
    const file = join(dir.dir, "analytics.json");
    await writeFile(
      file,
      JSON.stringify({
        tce: { electricityMethod: "equal-value", electricityEqualValueKgcePerKwh: 0.2996 },
        co2: { gridKgPerKwh: { "CN-GD": 0.4512 } },
      }),
    );
    node = await startMeteringNode({ flags: { analyticsConfig: file } });
    const key = await node.device({ kind: "consumption" });
    await node.post("/v1/readings", {
      readings: asJson(readingSeries(key, { start: intervalAgo(4), count: 4, importDelta: 250_000n })),
    });
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    await dir?.cleanup();
  });

  it("converts electricity at the equal-value coefficient and the region's grid factor", async () => {
    const from = Number(intervalAgo(4)) - 86400;
    const answer = await node.get(`/v1/stats/series?region=CN-GD&granularity=day&from=${from}`);
    // 1,000 kWh × 0.2996 kgce/kWh = 299.6 kgce; × 0.4512 kg/kWh = 451.2 kg CO2.
    expect(answer.body.totals).toMatchObject({ consumption: "1000000", tce: "0.299600", co2Kg: "451.200" });
  });
});
