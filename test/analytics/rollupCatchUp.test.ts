import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rollupsMetaKey } from "../../src/analytics/analyticsService.js";
import { scheduleDetection } from "../../src/analytics/detectSchedule.js";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

type Node = MeteringNode & { restart(): Promise<void> };

async function consumption(node: Node): Promise<string> {
  const from = Number(intervalAgo(200));
  const answer = await node.get(`/v1/stats/series?region=CN-GD&granularity=day&from=${from}`);
  return answer.body.totals.consumption;
}

describe("rollup catch-up", () => {
  let node: Node;

  beforeAll(async () => {
    node = await startMeteringNode();
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
  });

  it("rebuilds the rollups of readings stored before they existed when the node starts", async () => {
    const key = await node.device({ kind: "consumption" });
    const stored = await node.post("/v1/readings", {
      readings: asJson(readingSeries(key, { start: intervalAgo(150), count: 120, importDelta: 700n })),
    });
    expect(stored.status).toBe(200);
    expect(await consumption(node)).toBe("84000");

    // As a data directory from before rollups: readings, no rollups, no record of them.
    const { db } = node.node.context;
    for (const table of [
      "rollups",
      "rollup_periods",
      "rollup_intervals",
      "rollup_devices",
      "metered_devices",
    ]) {
      await db.query(`delete from ${table}`);
    }
    await db.query("delete from node_meta where key = $1", [rollupsMetaKey]);
    expect(await consumption(node)).toBe("0");

    await node.restart();
    const restarted = node.node.context.db;
    const { rows } = await restarted.query<{ n: number }>(
      "select count(*)::int as n from jobs where kind = 'rollup-rebuild'",
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    // The node's own worker runs the jobs.
    for (let i = 0; i < 100 && (await consumption(node)) !== "84000"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await consumption(node)).toBe("84000");
    const jobs = await node.get("/v1/jobs?kind=rollup-rebuild");
    expect(jobs.body.jobs.every((job: { status: string }) => job.status === "done")).toBe(true);

    // Detection waited for the rebuild, so the past hours are judged from the first one with readings.
    await scheduleDetection(restarted, {
      now: Math.floor(Date.now() / 1000),
      settleSeconds: 0,
      maxHours: 1000,
    });
    const { rows: detect } = await restarted.query<{ first: string }>(
      "select min((params->>'hourStart')::bigint)::text as first from jobs where kind = 'detect'",
    );
    const firstHour = Number(intervalAgo(150)) - (Number(intervalAgo(150)) % 3600);
    expect(Number(detect[0]!.first)).toBe(firstHour);
  });
});
