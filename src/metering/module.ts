import type { GridModule } from "../node/modules.js";
import { registerBatchRoutes } from "./batchRoutes.js";
import { registerMeteringRoutes } from "./meteringRoutes.js";
import { registerMqttRoutes } from "./mqttRoutes.js";

/**
 * Metering: signed readings in (HTTP, MQTT), checked and stored, batched per region and interval into
 * Merkle trees whose roots are anchored on chain. It publishes `readingsStored`, `batchAnchored` and
 * `incidents` (src/hooks/gridHooks.ts) inside its transactions and imports no other capability; its
 * anchorer follows MeterAnchor's `Anchored` events with its own event indexer (./anchorEvents.ts),
 * synced when a crash left an anchor to reconcile.
 */
export const meteringModule: GridModule = {
  name: "metering",
  migrations: ["0002_metering.sql", "0004_batch_quarantine.sql"],
  routes(app, context) {
    if (context.metering) {
      registerMeteringRoutes(app, context.metering, context.db);
      registerBatchRoutes(app, context.metering);
    }
    if (context.mqtt) registerMqttRoutes(app, context.mqtt);
  },
};
