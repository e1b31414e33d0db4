import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

/** The value of one sample line (`name{labels} value`) of a Prometheus exposition text. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("GET /metrics (Prometheus)", () => {
  let t: MeteringNode;
  const scrape = async () => {
    const response = await fetch(`${t.node.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${t.node.context.apiToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  beforeAll(async () => {
    t = await startMeteringNode();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("counts readings by result, times ingest, and shows the anchor backlog until anchoring", async () => {
    const key = await t.device();
    const readings = asJson(readingSeries(key, { start: intervalAgo(20), count: 3 }));
    await t.post("/v1/readings", { readings });
    await t.post("/v1/readings", { readings: readings.slice(0, 1) });
    const forged = { ...readings[2], seq: "99", signature: `0x${"00".repeat(64)}` };
    await t.post("/v1/readings", { readings: [forged] });

    const before = await scrape();
    expect(sample(before, "gridledger_readings_total", 'transport="http",result="accepted"')).toBe(3);
    expect(sample(before, "gridledger_readings_total", 'transport="http",result="duplicate"')).toBe(1);
    expect(sample(before, "gridledger_readings_total", 'transport="http",result="rejected"')).toBe(1);
    expect(sample(before, "gridledger_ingest_duration_seconds_count", 'transport="http"')).toBe(3);
    expect(sample(before, "gridledger_unanchored_readings")).toBe(3);
    expect(sample(before, "gridledger_jobs", 'state="queued"')).toBeGreaterThanOrEqual(0);
    expect(sample(before, "gridledger_index_lag_blocks")).toBeGreaterThanOrEqual(0);
    expect(before).toContain("process_resident_memory_bytes");

    expect((await t.post("/v1/anchors", {})).body).toMatchObject({ anchored: 3 });
    const after = await scrape();
    expect(sample(after, "gridledger_unanchored_readings")).toBe(0);
    expect(sample(after, "gridledger_anchor_backlog_batches", 'state="pending"')).toBe(0);
    expect(sample(after, "gridledger_anchoring_failed_rounds")).toBe(0);
  });
});
