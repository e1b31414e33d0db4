import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { BaseError as ViemBaseError } from "viem";
import { isBaseError } from "../core/errors.js";
import { sqlState } from "../db/sql.js";
import type { Ingest } from "../metering/ingest.js";
import type { NodeStatus } from "../metering/meteringStatus.js";

/** Where an ingest call came from: HTTP (`POST /v1/readings`) or an MQTT message (it names a topic device). */
type Transport = "http" | "mqtt";

/** A failure counted by `gridledger_errors_total`: the chain, the database, or anything else. */
export type ErrorComponent = "chain" | "database" | "other";

/** The component an error came from: viem errors and `CHAIN_*` codes are the chain's; SQLSTATEs and `DB_*` the database's. */
export function componentOf(error: unknown): ErrorComponent {
  if (error instanceof ViemBaseError || (isBaseError(error) && error.code.startsWith("CHAIN_")))
    return "chain";
  if (sqlState(error) !== undefined || (isBaseError(error) && error.code.startsWith("DB_")))
    return "database";
  return "other";
}

/** The node's Prometheus metrics (prom-client), served as text by `GET /metrics`. */
export type NodeMetrics = {
  registry: Registry;
  /** Wraps an ingest pipeline so every reading's result and every call's latency is counted. */
  instrumentIngest(ingest: Ingest): Ingest;
  /** Counts a failure of `source` (http, anchoring, indexing, mqtt, analysis) by its component. */
  countError(source: string, error: unknown): void;
  /** The exposition text, after refreshing the gauges from the node's status. */
  render(): Promise<string>;
};

/**
 * Creates the node's metrics: readings by transport and result, ingest latency, failures of the chain
 * and the database by source, and — read from `status()` at each scrape — the anchor backlog, readings
 * not anchored yet, the index lag, failed anchoring rounds in a row and the job queue's depth; plus
 * prom-client's default process metrics (CPU, memory, event-loop lag).
 */
export function createNodeMetrics(options: { status?: () => Promise<NodeStatus> } = {}): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const readings = new Counter({
    name: "gridledger_readings_total",
    help: "Readings submitted, by transport and result (accepted, duplicate, rejected)",
    labelNames: ["transport", "result"] as const,
    registers,
  });
  const ingestSeconds = new Histogram({
    name: "gridledger_ingest_duration_seconds",
    help: "Time from a submission (an HTTP request's or MQTT message's readings) to its results, stored durably",
    labelNames: ["transport"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const errors = new Counter({
    name: "gridledger_errors_total",
    help: "Failures, by component (chain, database, other) and where they happened",
    labelNames: ["component", "source"] as const,
    registers,
  });
  const backlog = new Gauge({
    name: "gridledger_anchor_backlog_batches",
    help: "Batches built but not anchored, by state (pending, quarantined)",
    labelNames: ["state"] as const,
    registers,
  });
  const unanchored = new Gauge({
    name: "gridledger_unanchored_readings",
    help: "Readings stored but not anchored yet",
    registers,
  });
  const failedRounds = new Gauge({
    name: "gridledger_anchoring_failed_rounds",
    help: "Anchoring rounds that failed in a row (0 once a round completes)",
    registers,
  });
  const indexLag = new Gauge({
    name: "gridledger_index_lag_blocks",
    help: "Blocks the registry index is behind the chain's head (-1 when the chain does not answer)",
    registers,
  });
  const jobs = new Gauge({
    name: "gridledger_jobs",
    help: "Analysis jobs in the queue, by state (queued, running)",
    labelNames: ["state"] as const,
    registers,
  });

  return {
    registry,
    instrumentIngest(ingest) {
      return {
        ...ingest,
        async submit(input, submitOptions) {
          const transport: Transport = submitOptions?.topicDeviceId === undefined ? "http" : "mqtt";
          const stop = ingestSeconds.startTimer({ transport });
          try {
            const results = await ingest.submit(input, submitOptions);
            const byResult = new Map<string, number>();
            for (const result of results) byResult.set(result.status, (byResult.get(result.status) ?? 0) + 1);
            for (const [result, count] of byResult) readings.inc({ transport, result }, count);
            return results;
          } catch (error) {
            errors.inc({ component: componentOf(error), source: `ingest-${transport}` });
            throw error;
          } finally {
            stop();
          }
        },
      };
    },
    countError(source, error) {
      errors.inc({ component: componentOf(error), source });
    },
    async render() {
      if (options.status) {
        const status = await options.status();
        backlog.set({ state: "pending" }, status.anchoring.pendingBatches);
        backlog.set({ state: "quarantined" }, status.anchoring.quarantinedBatches);
        unanchored.set(status.anchoring.unanchoredReadings);
        failedRounds.set(status.anchoring.consecutiveFailedRounds);
        indexLag.set(status.indexing.lag ?? -1);
        jobs.set({ state: "queued" }, status.jobs.queued);
        jobs.set({ state: "running" }, status.jobs.running);
      }
      return registry.metrics();
    },
  };
}
