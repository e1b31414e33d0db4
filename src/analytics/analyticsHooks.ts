import type { GridHooks } from "../hooks/gridHooks.js";
import { insertAlerts } from "./alertStore.js";
import { addToRollups } from "./rollups.js";

/**
 * Registers analytics on the node's hooks: stored readings are added to the hourly and daily rollups
 * and incidents recorded as alerts, inside the transaction that published them (so the rollups stay
 * exact and survive a crash with the readings). Days start at midnight `utcOffsetSeconds` from UTC.
 * Answers a function that unregisters both handlers.
 */
export function registerAnalyticsHooks(
  hooks: Pick<GridHooks, "readingsStored" | "incidents">,
  options: { utcOffsetSeconds: number },
): () => void {
  const offRollups = hooks.readingsStored.on((tx, { readings }) =>
    addToRollups(tx, readings, options.utcOffsetSeconds),
  );
  const offAlerts = hooks.incidents.on(async (tx, incidents) => {
    await insertAlerts(tx, incidents);
  });
  return () => {
    offRollups();
    offAlerts();
  };
}
