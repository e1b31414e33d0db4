import type { GridModule } from "../node/modules.js";
import { registerGovernanceRoutes } from "./governanceRoutes.js";

/**
 * Governance: seats and quorum, proposals of encoded calls (the friendly forms of proposalForms.ts),
 * votes, the timelock queue and execution. It keeps no tables: proposals and votes are read from the
 * Governor on chain.
 */
export const governanceModule: GridModule = {
  name: "governance",
  migrations: [],
  routes(app, context) {
    registerGovernanceRoutes(app, context);
  },
};
