import { defaults } from "../core/config.js";
import { BaseError } from "../core/errors.js";
import type { Database } from "../db/database.js";
import { createAnalysisStore } from "./analyses.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";
import { createDetectJob } from "./detect.js";
import type { JobHandlers } from "./jobTypes.js";
import { rebuildRollups } from "./rollups.js";

/** What the job handlers need. */
export type JobHandlerDeps = {
  db: Database;
  config: AnalyticsConfig;
  /** Seconds after an interval ends before it is anchored (the late-anchor detector waits longer). */
  anchorGraceSeconds?: number | undefined;
};

/**
 * The handlers of every analysis job kind, for the node's in-process workers and `gridledger worker`:
 * - `rollup-rebuild` {regionId, from, to} (Unix seconds): recomputes the region's rollups over the
 *   whole days covering [from, to) from the stored readings (see `rebuildRollups`).
 * - `analysis-refresh` {id}: recomputes a saved analysis' result.
 * - `detect` {regionId, hourStart}: every alert detector over one region and hour (see `detect.ts`).
 */
export function createJobHandlers(deps: JobHandlerDeps): JobHandlers {
  const analyses = createAnalysisStore(deps.db, deps.config);
  return {
    detect: createDetectJob({ anchorGraceSeconds: deps.anchorGraceSeconds ?? defaults.anchorGraceSeconds }),
    async "analysis-refresh"(_ctx, params: { id?: unknown }) {
      const analysis = await analyses.refresh(String(params.id));
      return { id: analysis.id, refreshedAt: analysis.refreshedAt };
    },
    async "rollup-rebuild"(_ctx, params: { regionId?: unknown; from?: unknown; to?: unknown }) {
      const regionId = params.regionId;
      if (typeof regionId !== "string" || !/^0x[0-9a-f]{64}$/.test(regionId)) {
        throw new BaseError("JOB_PARAMS_INVALID", "rollup-rebuild needs regionId (0x + 64 hex)", {
          details: { regionId: String(regionId) },
        });
      }
      const from = unixSeconds(params.from, "from");
      const to = unixSeconds(params.to, "to");
      const done = await rebuildRollups(deps.db, {
        regionId,
        from,
        to,
        utcOffsetSeconds: deps.config.utcOffsetMinutes * 60,
      });
      return { readings: done.readings, from: Number(done.from), to: Number(done.to) };
    },
  };
}

function unixSeconds(value: unknown, name: string): bigint {
  if (
    (typeof value === "number" && Number.isSafeInteger(value)) ||
    (typeof value === "string" && /^\d+$/.test(value))
  ) {
    return BigInt(value);
  }
  throw new BaseError("JOB_PARAMS_INVALID", `rollup-rebuild needs ${name} in Unix seconds`, {
    details: { [name]: String(value) },
  });
}
