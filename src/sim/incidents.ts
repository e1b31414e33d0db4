import type { Scenario } from "./scenario.js";
import { localTime } from "./simClock.js";
import type { IntervalEnergy } from "./simulateInterval.js";

/** The meter that under-reports in the demo, and when (local hours, China Standard Time). */
export const demoTheft = {
  device: "CN-GD/c01/enterprise-01",
  fromHour: 13,
  toHour: 15,
  reportedShare: 0.5,
} as const;

/**
 * Incidents the demo simulator stages so its alerts have something real to show: from 13:00 to
 * 15:00 local time every day, the first enterprise of Guangdong's first community reports only half
 * of the energy it imports (a bypassed meter), while its community's feeder meter still measures all
 * of it — the community-balance detector sees the feeder deliver far more than the members record.
 * Answers the energies with the incident applied (the input is left as it is). Pure.
 */
export function stageIncidents(
  scenario: Scenario,
  energies: readonly IntervalEnergy[],
  start: number,
): IntervalEnergy[] {
  const { hour } = localTime(start);
  if (hour < demoTheft.fromHour || hour >= demoTheft.toHour) return [...energies];
  return energies.map((energy, i) =>
    scenario.devices[i]?.name === demoTheft.device
      ? { ...energy, importDelta: (energy.importDelta * BigInt(demoTheft.reportedShare * 100)) / 100n }
      : energy,
  );
}
