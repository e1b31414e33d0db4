import type { Hex } from "viem";
import type { Queryable } from "../db/database.js";
import { toBigInt } from "../db/sql.js";

/** Electricity's commodity code in readings (docs/reading-format.md). */
const electricity = 1;

/**
 * The import and export deltas (Wh) of `devices` over [start, end) from the readings table: the sum of
 * their electricity readings whose interval lies in it. `anchoredOnly`: only readings of batches the
 * chain holds (status `anchored`). A device with no such reading is absent from the map (settles as 0).
 */
export async function meteredDeltas(
  db: Queryable,
  devices: readonly Hex[],
  range: { start: bigint; end: bigint; anchoredOnly: boolean },
): Promise<Map<Hex, { importWh: bigint; exportWh: bigint }>> {
  const metered = new Map<Hex, { importWh: bigint; exportWh: bigint }>();
  if (devices.length === 0) return metered;
  const { rows } = await db.query<{ device_id: string; import_wh: string; export_wh: string }>(
    `select r.device_id, sum(r.import_delta) as import_wh, sum(r.export_delta) as export_wh
       from readings r
       left join reading_batches b on b.region_id = r.region_id and b.commodity = r.commodity
         and b.interval_start = r.interval_start and b.part = r.part
      where r.device_id = any($1::text[]) and r.commodity = $2 and r.interval_start >= $3
        and r.interval_start + r.duration <= $4 and ($5::boolean = false or b.status = 'anchored')
      group by r.device_id`,
    [devices.map((d) => d.toLowerCase()), electricity, range.start, range.end, range.anchoredOnly],
  );
  for (const r of rows) {
    metered.set(r.device_id as Hex, { importWh: toBigInt(r.import_wh), exportWh: toBigInt(r.export_wh) });
  }
  return metered;
}
