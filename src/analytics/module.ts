import type { GridModule } from "../node/modules.js";
import { registerAlertRoutes } from "./alertRoutes.js";
import { createAnalysisStore } from "./analyses.js";
import { registerAnalysisRoutes } from "./analysisRoutes.js";
import { analyticsConfigOf } from "./analyticsConfig.js";
import { registerAnalyticsHooks } from "./analyticsHooks.js";
import { ensureRollups } from "./analyticsService.js";
import { detectionSchedule } from "./detectSchedule.js";
import { analyticsJobKinds } from "./jobHandlers.js";
import { registerStatsRoutes } from "./statsRoutes.js";

/**
 * Analytics: hourly and daily rollups kept as readings are stored (on metering's `readingsStored`),
 * alerts (metering's `incidents` and the detectors' findings), statistics, saved analyses and the
 * `detect`, `analysis-refresh` and `rollup-rebuild` jobs.
 */
export const analyticsModule: GridModule = {
  name: "analytics",
  migrations: ["0003_analytics.sql"],
  routes(app, context) {
    const analytics = context.analytics ?? analyticsConfigOf();
    registerAlertRoutes(app, { db: context.db, metering: context.metering });
    registerStatsRoutes(app, { db: context.db, analytics, minGroupSize: context.minGroupSize });
    registerAnalysisRoutes(app, createAnalysisStore(context.db, analytics));
  },
  hooks: (hooks, { analytics }) =>
    void registerAnalyticsHooks(hooks, { utcOffsetSeconds: analytics.utcOffsetMinutes * 60 }),
  jobKinds: ({ db, analytics, anchorGraceSeconds }) =>
    analyticsJobKinds({ db, config: analytics, anchorGraceSeconds }),
  start: async ({ db, analytics }) => void (await ensureRollups(db, analytics)),
  schedules: ({ db, anchorGraceSeconds }) => [
    detectionSchedule(db, { settleSeconds: anchorGraceSeconds + 300 }),
  ],
};
