import { defaults } from "../core/config.js";
import type { Database } from "../db/database.js";
import { type AnyJobKind, defineJobKind, invalidJobParams, jobHandlersOf } from "../jobs/jobKinds.js";
import type { JobHandlers } from "../jobs/jobTypes.js";
import { createAnalysisStore } from "./analyses.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";
import { createDetectJob } from "./detect.js";
import { rebuildRollups } from "./rollups.js";

/** What the job handlers need. */
export type JobHandlerDeps = {
  db: Database;
  config: AnalyticsConfig;
  /** Seconds after an interval ends before it is anchored (the late-anchor detector waits longer). */
  anchorGraceSeconds?: number | undefined;
};

/**
 * The analysis job kinds, for the node's in-process workers and `gridledger worker`:
 * - `rollup-rebuild` {regionId, from, to} (Unix seconds): recomputes the region's rollups over the
 *   whole days covering [from, to) from the stored readings (see `rebuildRollups`).
 * - `analysis-refresh` {id}: recomputes a saved analysis' result.
 * - `detect` {regionId, hourStart}: every alert detector over one region and hour (see `detect.ts`).
 */
export function analyticsJobKinds(deps: JobHandlerDeps): AnyJobKind[] {
  const analyses = createAnalysisStore(deps.db, deps.config);
  const refresh = defineJobKind({
    kind: "analysis-refresh",
    parse: (params) => ({ id: String((params as { id?: unknown } | null)?.id) }),
    async run(_ctx, { id }) {
      const analysis = await analyses.refresh(id);
      return { id: analysis.id, refreshedAt: analysis.refreshedAt };
    },
  });
  const rebuild = defineJobKind({
    kind: "rollup-rebuild",
    parse(params) {
      const { regionId, from, to } = (params ?? {}) as { regionId?: unknown; from?: unknown; to?: unknown };
      if (typeof regionId !== "string" || !/^0x[0-9a-f]{64}$/.test(regionId)) {
        throw invalidJobParams("rollup-rebuild needs regionId (0x + 64 hex)", { regionId: String(regionId) });
      }
      return { regionId, from: unixSeconds(from, "from"), to: unixSeconds(to, "to") };
    },
    async run(_ctx, range) {
      const done = await rebuildRollups(deps.db, {
        ...range,
        utcOffsetSeconds: deps.config.utcOffsetMinutes * 60,
      });
      return { readings: done.readings, from: Number(done.from), to: Number(done.to) };
    },
  });
  const detect = createDetectJob({
    anchorGraceSeconds: deps.anchorGraceSeconds ?? defaults.anchorGraceSeconds,
    config: deps.config,
  });
  return [detect, refresh, rebuild];
}

/** The runner's handlers of the analysis job kinds (see {@link analyticsJobKinds}). */
export function createJobHandlers(deps: JobHandlerDeps): JobHandlers {
  return jobHandlersOf(analyticsJobKinds(deps));
}

function unixSeconds(value: unknown, name: string): bigint {
  if (
    (typeof value === "number" && Number.isSafeInteger(value)) ||
    (typeof value === "string" && /^\d+$/.test(value))
  ) {
    return BigInt(value);
  }
  throw invalidJobParams(`rollup-rebuild needs ${name} in Unix seconds`, { [name]: String(value) });
}
