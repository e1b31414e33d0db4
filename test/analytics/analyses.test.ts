import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asJson,
  intervalAgo,
  type MeteringNode,
  readingSeries,
  startMeteringNode,
} from "../helpers/metering.js";

describe("saved analyses", () => {
  let node: MeteringNode;
  const start = Number(intervalAgo(4));
  const week = { from: start - 7 * 86400, to: start + 3600 };

  beforeAll(async () => {
    node = await startMeteringNode();
    const key = await node.device({ kind: "consumption" });
    const answer = await node.post("/v1/readings", {
      readings: asJson(readingSeries(key, { start: BigInt(start), count: 4, importDelta: 1_000n })),
    });
    expect(answer.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
  });

  it("creates, reads, updates, refreshes and deletes a named analysis with its result", async () => {
    const created = await node.post("/v1/analyses", {
      name: "GD last week",
      description: "daily electricity",
      query: { kind: "series", regions: ["CN-GD"] },
      parameters: { commodity: "electricity", granularity: "day", ...week },
    });
    expect(created.status).toBe(201);
    const { id } = created.body;
    expect(created.body.result.regions[0].totals.consumption).toBe("4000");
    expect(created.body.refreshedAt).not.toBeNull();

    const read = await node.get(`/v1/analyses/${id}`);
    expect(read.body).toMatchObject({ name: "GD last week", query: { kind: "series", regions: ["CN-GD"] } });

    const updated = await fetch(`${node.node.apiUrl}/v1/analyses/${id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${node.node.context.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "GD hourly",
        parameters: { granularity: "hour", from: start - (start % 3600), to: start - (start % 3600) + 3600 },
      }),
    });
    const body = (await updated.json()) as {
      name: string;
      result: { regions: { points: unknown[]; totals: { consumption: string } }[] };
    };
    expect(updated.status).toBe(200);
    expect(body.name).toBe("GD hourly");
    expect(body.result.regions[0]!.points).toHaveLength(1);

    // A reading stored after the analysis was saved shows up only after a refresh.
    const key = await node.device({ kind: "consumption" });
    await node.post("/v1/readings", {
      readings: asJson(readingSeries(key, { start: BigInt(start), count: 1, importDelta: 500n })),
    });
    const hourly = BigInt(body.result.regions[0]!.totals.consumption);
    expect(hourly).toBeGreaterThan(0n);
    expect((await node.get(`/v1/analyses/${id}`)).body.result.regions[0].totals.consumption).toBe(
      hourly.toString(),
    );
    const refreshed = await node.post(`/v1/analyses/${id}/refresh`, {});
    expect(refreshed.body.result.regions[0].totals.consumption).toBe((hourly + 500n).toString());

    const removed = await fetch(`${node.node.apiUrl}/v1/analyses/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${node.node.context.apiToken}` },
    });
    expect(removed.status).toBe(204);
    const gone = await node.get(`/v1/analyses/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("ANALYSIS_NOT_FOUND");
  });

  it("lists analyses whose time range overlaps the filter", async () => {
    const day = 86400;
    for (const [name, from, to] of [
      ["january", 1_767_225_600, 1_767_225_600 + 31 * day],
      ["february", 1_767_225_600 + 31 * day, 1_767_225_600 + 59 * day],
    ] as const) {
      const answer = await node.post("/v1/analyses", {
        name,
        query: { kind: "compare", regions: ["CN-GD"] },
        parameters: { granularity: "day", from, to },
      });
      expect(answer.status).toBe(201);
    }
    const names = async (query: string) =>
      (await node.get(`/v1/analyses?${query}`)).body.analyses.map((a: { name: string }) => a.name);
    expect(await names("from=2026-01-10&to=2026-01-20")).toEqual(["january"]);
    expect(await names("from=2026-01-30&to=2026-02-02")).toEqual(["february", "january"]);
    expect(await names("from=2026-03-10")).toEqual([]);
    expect(await names("search=FEB")).toEqual(["february"]);
  });

  it("refuses a taken name, a bad range and a write without the token", async () => {
    const body = { name: "dup", query: { kind: "series", regions: ["CN-GD"] }, parameters: week };
    expect((await node.post("/v1/analyses", body)).status).toBe(201);
    const again = await node.post("/v1/analyses", body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("ANALYSIS_NAME_EXISTS");
    const reversed = await node.post("/v1/analyses", {
      ...body,
      name: "rev",
      parameters: { from: 10, to: 5 },
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.code).toBe("ANALYSIS_INVALID");
    const unknown = await node.post("/v1/analyses", {
      ...body,
      name: "x",
      query: { kind: "series", regions: ["XX-NONE"] },
    });
    expect(unknown.body.error.code).toBe("STATS_UNKNOWN_REGION");
    const anonymous = await fetch(`${node.node.apiUrl}/v1/analyses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, name: "anon" }),
    });
    expect(anonymous.status).toBe(401);
  });
});
