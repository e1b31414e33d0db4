import { BaseError as ViemBaseError } from "viem";
import { describe, expect, it } from "vitest";
import { BaseError } from "../core/errors.js";
import { createNodeMetrics } from "./nodeMetrics.js";

const line = (text: string, prefix: string) => text.split("\n").find((l) => l.startsWith(prefix));

describe("node metrics", () => {
  it("counts failures by component: the chain's, the database's, others", async () => {
    const metrics = createNodeMetrics();
    metrics.countError("anchoring", new ViemBaseError("connection refused"));
    metrics.countError("anchoring", new BaseError("CHAIN_UNREACHABLE", "no answer"));
    metrics.countError("http", Object.assign(new Error("deadlock detected"), { code: "40P01" }));
    metrics.countError("http", new BaseError("READING_BAD_SIGNATURE", "no"));
    const text = await metrics.render();
    expect(line(text, 'gridledger_errors_total{component="chain",source="anchoring"}')).toMatch(/ 2$/);
    expect(line(text, 'gridledger_errors_total{component="database",source="http"}')).toMatch(/ 1$/);
    expect(line(text, 'gridledger_errors_total{component="other",source="http"}')).toMatch(/ 1$/);
  });

  it("tells MQTT submissions (they name the topic's device) from HTTP ones, and counts a failed call", async () => {
    const metrics = createNodeMetrics();
    let fail = false;
    const ingest = metrics.instrumentIngest({
      async submit(readings) {
        if (fail) throw Object.assign(new Error("disk full"), { code: "53100" });
        return readings.map(() => ({ status: "accepted" as const, seq: "1" }));
      },
      async drain() {},
    });
    await ingest.submit([{}, {}], { topicDeviceId: `0x${"ab".repeat(32)}` });
    fail = true;
    await expect(ingest.submit([{}])).rejects.toThrow("disk full");
    const text = await metrics.render();
    expect(line(text, 'gridledger_readings_total{transport="mqtt",result="accepted"}')).toMatch(/ 2$/);
    expect(line(text, 'gridledger_errors_total{component="database",source="ingest-http"}')).toMatch(/ 1$/);
    expect(line(text, 'gridledger_ingest_duration_seconds_count{transport="http"}')).toMatch(/ 1$/);
  });
});
