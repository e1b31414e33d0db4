import type { Queryable } from "../db/database.js";
import { deviceReach } from "./access.js";
import type { Principal } from "./principal.js";

/**
 * The regions whose statistics are not broken down for `principal` (k-anonymity for the public):
 * those with fewer than `k` registered devices, unless the principal holds a role that reaches the
 * region's devices (all-reach roles, or a region-scoped binding of that region). Region code → reason.
 */
export async function suppressedRegions(
  db: Queryable,
  principal: Principal,
  k: number,
): Promise<Map<string, string>> {
  const reach = [deviceReach(principal, "readings.read"), deviceReach(principal, "devices.read")];
  if (reach.some((r) => r.all)) return new Map();
  const { rows } = await db.query<{ code: string; n: number }>(
    `select r.code, count(d.device_id)::int as n from regions r left join devices d on d.region_id = r.region_id
      group by r.code having count(d.device_id) < $1`,
    [k],
  );
  const suppressed = new Map<string, string>();
  for (const { code } of rows) {
    if (reach.some((r) => !r.all && r.regions.includes(code.toUpperCase()))) continue;
    suppressed.set(code, `fewer than ${k} devices in region ${code}: not broken down (minimum group size)`);
  }
  return suppressed;
}
