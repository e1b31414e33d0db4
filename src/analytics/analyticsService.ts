import type { Database } from "../db/database.js";
import { getMeta, setMeta } from "../db/metaStore.js";
import { enqueueJob } from "../jobs/jobQueue.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";

/** node_meta key: the UTC offset the rollups' days were built with. */
export const rollupsMetaKey = "analytics.rollups";
/** Days of readings one `rollup-rebuild` job covers. */
const rebuildChunkSeconds = 7 * 86400;

/**
 * Queues `rollup-rebuild` jobs (a week of readings each) for every region with readings when the
 * rollups were never built for this database (readings stored before they existed) or were built
 * with another UTC offset; then records the offset. Answers how many jobs it queued.
 */
export async function ensureRollups(db: Database, config: AnalyticsConfig): Promise<number> {
  return db.transaction(async (tx) => {
    const built = await getMeta<{ utcOffsetMinutes: number }>(tx, rollupsMetaKey);
    if (built?.utcOffsetMinutes === config.utcOffsetMinutes) return 0;
    const { rows } = await tx.query<{ region_id: string; first: string; last: string }>(
      `select region_id, min(interval_start)::text as first, max(interval_start)::text as last
         from readings group by region_id`,
    );
    let queued = 0;
    for (const row of rows) {
      for (let from = Number(row.first); from <= Number(row.last); from += rebuildChunkSeconds) {
        const to = Math.min(from + rebuildChunkSeconds, Number(row.last) + 1);
        const id = await enqueueJob(
          tx,
          "rollup-rebuild",
          { regionId: row.region_id, from, to },
          {
            dedupeKey: `rollup-rebuild:${row.region_id}:${from}:${config.utcOffsetMinutes}`,
          },
        );
        if (id !== null) queued += 1;
      }
    }
    await setMeta(tx, rollupsMetaKey, { utcOffsetMinutes: config.utcOffsetMinutes });
    return queued;
  });
}
