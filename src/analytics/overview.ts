import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import { commodities } from "../metering/readingFormat.js";
import { openAlertCounts } from "./alertStore.js";
import type { AnalyticsConfig } from "./analyticsConfig.js";
import { co2Micrograms, coalEquivalentMicrograms, kilogramsOf, ratio, tonnesOf } from "./energyMeasures.js";
import { periodFloor } from "./periods.js";
import { allRegions, regionSeries, type SeriesTotals } from "./statsQuery.js";

/** One region's day on the overview: electricity, tce and CO2 of every commodity, alerts. */
export type OverviewRegion = {
  code: string;
  nameZh: string;
  nameEn: string;
  consumptionWh: string;
  generationWh: string;
  renewableWh: string;
  renewableShare: number | null;
  gasLitres: string;
  tce: string;
  co2Kg: string;
  completeness: number | null;
  activeDevices: number;
  openAlerts: number;
};

/**
 * The overview of one day (`date` YYYY-MM-DD at the UTC offset; today by default): every region's
 * electricity consumption and generation, renewable share, tce and CO2 of all commodities, data
 * completeness over all commodities, and its open alerts (neither acknowledged nor resolved).
 */
export async function overview(
  db: Queryable,
  config: AnalyticsConfig,
  options: { date?: string | undefined; now: number },
): Promise<{ date: string; from: number; to: number; utcOffsetMinutes: number; regions: OverviewRegion[] }> {
  const offset = config.utcOffsetMinutes * 60;
  let from: number;
  if (options.date === undefined) from = periodFloor(Math.floor(options.now / 1000), "day", offset);
  else {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(options.date);
    const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
    if (!match || Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(match[3])) {
      throw new BaseError("STATS_INVALID_DATE", `date must be a day as YYYY-MM-DD, got "${options.date}"`, {
        details: { date: options.date },
      });
    }
    from = ms / 1000 - offset;
  }
  const date = new Date((from + offset) * 1000).toISOString().slice(0, 10);
  const [regions, open] = await Promise.all([allRegions(db), openAlertCounts(db)]);
  const now = Math.floor(options.now / 1000);
  const result: OverviewRegion[] = [];
  for (const region of regions) {
    let tce = 0n;
    let co2 = 0n;
    let expected = 0;
    let received = 0;
    let electricity: SeriesTotals | undefined;
    let gas = "0";
    for (const commodity of [commodities.electricity, commodities.gas, commodities.heat]) {
      const { totals } = await regionSeries(db, config, region, {
        commodity,
        granularity: "day",
        from,
        to: from + 86400,
        now,
      });
      tce += coalEquivalentMicrograms(commodity, BigInt(totals.consumption), config);
      co2 += co2Micrograms(commodity, BigInt(totals.consumption), region.code, config);
      expected += totals.expectedReadings;
      received += totals.receivedReadings;
      if (commodity === commodities.electricity) electricity = totals;
      if (commodity === commodities.gas) gas = totals.consumption;
    }
    result.push({
      code: region.code,
      nameZh: region.nameZh,
      nameEn: region.nameEn,
      consumptionWh: electricity!.consumption,
      generationWh: electricity!.generation,
      renewableWh: electricity!.renewable,
      renewableShare: electricity!.renewableShare,
      gasLitres: gas,
      tce: tonnesOf(tce),
      co2Kg: kilogramsOf(co2),
      completeness: expected > 0 ? Math.min(1, ratio(BigInt(received), BigInt(expected))!) : null,
      activeDevices: electricity!.activeDevices,
      openAlerts: open.get(region.regionId) ?? 0,
    });
  }
  return { date, from, to: from + 86400, utcOffsetMinutes: config.utcOffsetMinutes, regions: result };
}
