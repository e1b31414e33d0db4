import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readApiToken } from "../../src/node/apiToken.js";
import { demoRegions } from "../../src/node/demoRegions.js";
import { communityAddressOf } from "../../src/sim/registerSimDevices.js";
import { runSimulator, type SimulatorOptions } from "../../src/sim/runSimulator.js";
import { alignDown } from "../../src/sim/simClock.js";
import { parseSimState } from "../../src/sim/simState.js";
import { freePort, type NodeProcess, startNodeProcess, tempDir } from "../helpers/cli.js";

// Needs a node with its embedded MQTT broker (`mqttUrl` in /health) and `GET /v1/metering/stats`.
describe("the demo simulator feeding a running node", () => {
  const devicesSmall = 78;
  let node: NodeProcess | undefined;
  let cleanup: () => Promise<void>;
  let options: Omit<SimulatorOptions, "intervals">;
  let stateFile: string;
  let afterFirstRun = "";
  let apiKey: string | undefined;
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${node?.info.api}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  const stats = () => getJson<{ readings: number; devices: number }>("/v1/metering/stats");
  const nextSeqs = async () =>
    new Set(
      [...parseSimState(await readFile(stateFile, "utf8")).meters.values()].map((m) => m.counters.nextSeq),
    );

  beforeAll(async () => {
    const dir = await tempDir();
    cleanup = dir.cleanup;
    const port = await freePort();
    const rpcPort = await freePort();
    node = await startNodeProcess([
      "--data-dir",
      dir.dir,
      "--port",
      String(port),
      "--rpc-port",
      String(rpcPort),
    ]);
    // The demo provinces, without `--demo` (which would run the node's own simulator beside this one).
    const token = await readApiToken(dir.dir);
    apiKey = token;
    for (const region of demoRegions) {
      const response = await fetch(`${node.info.api}/v1/regions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(region),
      });
      expect(response.status).toBe(200);
    }
    const health = await getJson<{ mqttUrl?: string }>("/health");
    expect(health.mqttUrl).toMatch(/^mqtts?:\/\//);
    stateFile = join(dir.dir, "simulator.json");
    options = {
      nodeUrl: node.info.api,
      apiToken: await readApiToken(dir.dir),
      mqttUrl: health.mqttUrl as string,
      stateFile,
      size: "small",
      seed: 7,
      // Far faster than real time: every interval of the last six hours is due at once.
      speed: 1e6,
      from: new Date((alignDown(Date.now() / 1000, 900) - 6 * 3600) * 1000),
      ackTimeout: 5,
    };
  });
  afterAll(async () => {
    await node?.stop();
    await cleanup();
  });

  it("registers its devices in the three provinces and has every reading of its first intervals accepted", async () => {
    // Four intervals at once: more readings than the node ingests at once, paced by the simulator's window.
    const summary = await runSimulator({ ...options, intervals: 4 });
    expect(summary).toMatchObject({
      stoppedBy: "intervals",
      registered: devicesSmall,
      devices: devicesSmall,
      intervalsSent: 4,
      intervalsDone: 4,
      sent: 4 * devicesSmall,
      accepted: 4 * devicesSmall,
      rejected: 0,
      pending: 0,
    });
    expect(await stats()).toMatchObject({ readings: 4 * devicesSmall, devices: devicesSmall });
    for (const region of ["CN-GD", "CN-ZJ", "CN-GS"]) {
      const { total } = await getJson<{ total: number }>(`/v1/devices?region=${region}&limit=1000`);
      expect(total).toBe(devicesSmall / 3);
    }
    // The node operates the demo's regions: every device it registered is active, none pending.
    expect((await getJson<{ total: number }>("/v1/devices?status=active")).total).toBe(devicesSmall);
    expect((await getJson<{ total: number }>("/v1/devices?status=pending")).total).toBe(0);
    // A community's meters (its feeder, its electricity and gas meters) carry its address on chain.
    const community = await getJson<{ devices: { kind: string; source: string }[] }>(
      `/v1/devices?community=${communityAddressOf("CN-GD/c01")}`,
    );
    expect(community.devices.map((d) => `${d.kind}/${d.source}`).sort()).toEqual([
      "bidirectional/solar",
      "bidirectional/solar",
      "consumption/none",
      "consumption/none",
      "consumption/none",
      "consumption/none",
      "consumption/none",
      "consumption/none",
      "consumption/none",
      "consumption/none",
      "ev-charger/none",
      "feeder/none",
    ]);
    expect(await nextSeqs()).toEqual(new Set([5n]));
    afterFirstRun = await readFile(stateFile, "utf8");
  });

  it("refuses to continue a state file with another seed", async () => {
    await expect(runSimulator({ ...options, seed: 8, intervals: 1 })).rejects.toMatchObject({
      code: "SIM_STATE_MISMATCH",
    });
  });

  it("continues seq and registers where it stopped when restarted, with nothing refused", async () => {
    const summary = await runSimulator({ ...options, intervals: 2 });
    expect(summary).toMatchObject({
      registered: 0,
      intervalsDone: 2,
      accepted: 2 * devicesSmall,
      rejected: 0,
    });
    expect(await stats()).toMatchObject({ readings: 6 * devicesSmall, devices: devicesSmall });
    expect(await nextSeqs()).toEqual(new Set([7n]));
  });

  it("publishes the same readings again after a crash lost its last state, and the node answers duplicate", async () => {
    // As if the last run had died before saving: back to the state after the first run.
    await writeFile(stateFile, afterFirstRun);
    const summary = await runSimulator({ ...options, intervals: 3 });
    expect(summary).toMatchObject({
      registered: 0,
      duplicate: 2 * devicesSmall,
      accepted: devicesSmall,
      rejected: 0,
      pending: 0,
    });
    expect(await stats()).toMatchObject({ readings: 7 * devicesSmall, devices: devicesSmall });
    expect(await nextSeqs()).toEqual(new Set([8n]));
  });
});

describe("gridledger start --demo", () => {
  it("registers the simulated meters and its readings arrive, get stored and get anchored", async () => {
    const { dir, cleanup } = await tempDir();
    const node = await startNodeProcess(["--data-dir", dir, "--port", "0", "--rpc-port", "0", "--demo"]);
    try {
      const stats = async () =>
        (await (await fetch(`${node.info.api}/v1/metering/stats`)).json()) as {
          readings: number;
          anchored: number;
        };
      const deadline = Date.now() + 150_000;
      let last = await stats();
      while ((last.readings < 200 || last.anchored === 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        last = await stats();
      }
      expect(last.readings).toBeGreaterThanOrEqual(200);
      expect(last.anchored).toBeGreaterThan(0);
      const headers = { authorization: `Bearer ${await readApiToken(dir)}` };
      const devices = (await (
        await fetch(`${node.info.api}/v1/devices?region=CN-GS&limit=1`, { headers })
      ).json()) as {
        total: number;
      };
      expect(devices.total).toBeGreaterThan(10);
    } finally {
      await node.stop();
      await cleanup();
    }
  }, 240_000);
});
