import type { GridModule } from "../node/modules.js";
import { registerJobRoutes } from "./jobRoutes.js";

/**
 * Jobs: the queue in the database (`jobs`, `job_runs`), the runner the node's workers and
 * `gridledger worker` share, the scheduler that runs the modules' schedules, and the kind registry
 * every module's `jobKinds` go through (./jobKinds.ts). It runs other modules' jobs without knowing them.
 */
export const jobsModule: GridModule = {
  name: "jobs",
  migrations: ["0003_analytics.sql"],
  routes: (app, context) => registerJobRoutes(app, { db: context.db }),
};
