import type { GridModule } from "../node/modules.js";
import { registryHandler } from "./registryIndexer.js";
import { registerRegistryRoutes } from "./registryRoutes.js";

/**
 * Registry: organisations, regions and devices as the chain holds them, mirrored into the database by
 * the event indexer (handler "registry"). Governance, which changes them, is its own module
 * (src/governance/module.ts).
 */
export const registryModule: GridModule = {
  name: "registry",
  migrations: ["0001_init.sql", "0005_registry.sql", "0010_indexer_cursors.sql"],
  async routes(app, context) {
    await app.register(async (scope) => registerRegistryRoutes(scope, context));
  },
  eventHandlers: ({ contracts, fromBlock, hooks }) => [registryHandler(contracts, fromBlock, hooks)],
};
