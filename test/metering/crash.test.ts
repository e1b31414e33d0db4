import { readFile } from "node:fs/promises";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDeviceKey } from "../../src/metering/deviceKey.js";
import { deviceCredentials } from "../../src/metering/mqttAuth.js";
import { type NodeProcess, startMeteringNodeProcess, tempDir } from "../helpers/cli.js";
import { asJson, intervalAgo, type Json, readingSeries } from "../helpers/metering.js";

describe("kill -9 of a node during a stream of readings over MQTT", () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let node: NodeProcess | undefined;
  const start = () => startMeteringNodeProcess(dataDir);
  const api = async (path: string, body?: unknown) => {
    const token = (await readFile(join(dataDir, "api-token"), "utf8")).trim();
    const response = await fetch(`${node!.info.api}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = await tempDir());
    node = await start();
  });
  afterAll(async () => {
    await node?.stop();
    await cleanup();
  });

  it("loses no reading the node acknowledged", { timeout: 180_000 }, async () => {
    await api("/v1/regions", { code: "CN-GD", nameZh: "广东省", nameEn: "Guangdong" });
    const key = generateDeviceKey();
    const registered = await api("/v1/devices", {
      devices: [
        { region: "CN-GD", kind: "consumption", publicKey: Buffer.from(key.publicKey).toString("hex") },
      ],
    });
    expect(registered.status).toBe(200);
    const readings = asJson(readingSeries(key, { start: intervalAgo(400), count: 400 }));
    const id = key.deviceId.slice(2);

    const device = await mqtt.connectAsync(node!.info.mqttUrl, {
      ...deviceCredentials(key, Date.now() / 1000),
      reconnectPeriod: 0,
    });
    const acknowledged = new Set<string>();
    let killed = false;
    device.on("message", (_topic, payload) => {
      if (killed) return;
      for (const result of JSON.parse(payload.toString()).results) {
        expect(result.status).toBe("accepted");
        acknowledged.add(result.seq);
      }
    });
    await device.subscribeAsync(`gridledger/v1/acks/${id}`, { qos: 1 });
    const enough = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (acknowledged.size >= 60) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    // Readings go out one per message, a few at a time, as meters of a region would send them.
    void (async () => {
      for (const reading of readings) {
        if (killed) break;
        device.publish(`gridledger/v1/readings/${id}`, JSON.stringify(reading), { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await enough;
    killed = true;
    await node!.kill();
    const acked = [...acknowledged];
    device.end(true);
    expect(acked.length).toBeGreaterThanOrEqual(60);
    expect(acked.length).toBeLessThan(readings.length);

    node = await start();
    for (const seq of acked) {
      const { status, body } = await api(`/v1/readings/${id}/${seq}`);
      expect(status, `reading ${seq} acknowledged before the crash`).toBe(200);
      expect(body.reading.seq).toBe(seq);
    }
    // The device sends everything again: what was stored is a duplicate, the rest is accepted.
    const again = await api("/v1/readings", { readings });
    const statuses = again.body.results.map((r: { status: string }) => r.status);
    expect(statuses.filter((s: string) => s === "rejected")).toEqual([]);
    expect(statuses.filter((s: string) => s === "duplicate").length).toBeGreaterThanOrEqual(acked.length);
    expect((await api("/v1/metering/stats")).body.readings).toBe(readings.length);
  });
});
