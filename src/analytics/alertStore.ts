import { alertCondition, type DeviceReach } from "../auth/access.js";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";
import type { Incident } from "../hooks/gridHooks.js";
import type { AlertDraft } from "./detectors/detectorTypes.js";
import { resolveRegion } from "./statsQuery.js";

/** Where an alert stands: open → acknowledged → resolved (or open → resolved). */
export type AlertStatus = "open" | "acknowledged" | "resolved";
export const alertStatuses: readonly AlertStatus[] = ["open", "acknowledged", "resolved"];
export const alertSeverities = ["info", "warning", "critical"] as const;

/** An alert as the API shows it. */
export type Alert = {
  id: string;
  kind: string;
  severity: string;
  status: AlertStatus;
  /** Region code, when the alert is about a region the node knows. */
  region: string | null;
  regionId: string | null;
  deviceId: string | null;
  message: string;
  /** Unix start of the data the alert is about. */
  periodStart: number | null;
  createdAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  note: string | null;
  evidence: Record<string, unknown>;
};

/** Filters of {@link AlertStore.list}; lists are alternatives (kind a or b). */
export type AlertFilter = {
  /** Region code, regionId or name (see `resolveRegion`). */
  region?: string | undefined;
  deviceId?: string | undefined;
  kinds?: readonly string[] | undefined;
  statuses?: readonly string[] | undefined;
  severities?: readonly string[] | undefined;
  /** Created at or after `from` and before `to`. */
  from?: Date | undefined;
  to?: Date | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  /** Only alerts inside this reach (src/auth/access.ts `alertCondition`); all when absent. */
  reach?: DeviceReach | undefined;
};

/** Longest name in `by` (who acknowledged or resolved) and longest note. */
export const maxByLength = 100;
export const maxNoteLength = 2000;

const columns = `a.id::text as id, a.kind, a.severity, a.status, r.code, a.region_id, a.device_id, a.message,
  a.period_start::text as period_start, a.created_at, a.acknowledged_by, a.acknowledged_at, a.resolved_by,
  a.resolved_at, a.note, a.evidence`;

function alertOf(row: Record<string, unknown>): Alert {
  const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);
  return {
    id: row.id as string,
    kind: row.kind as string,
    severity: row.severity as string,
    status: row.status as AlertStatus,
    region: (row.code as string | null) ?? null,
    regionId: (row.region_id as string | null) ?? null,
    deviceId: (row.device_id as string | null) ?? null,
    message: row.message as string,
    periodStart: row.period_start === null ? null : Number(row.period_start),
    createdAt: iso(row.created_at)!,
    acknowledgedBy: (row.acknowledged_by as string | null) ?? null,
    acknowledgedAt: iso(row.acknowledged_at),
    resolvedBy: (row.resolved_by as string | null) ?? null,
    resolvedAt: iso(row.resolved_at),
    note: (row.note as string | null) ?? null,
    evidence: (row.evidence as Record<string, unknown> | null) ?? {},
  };
}

function invalid(message: string, details: Record<string, unknown> = {}): BaseError {
  return new BaseError("REQUEST_INVALID", message, { details });
}

/** An alert id (a positive integer, as a decimal string); REQUEST_INVALID otherwise. */
export function parseAlertId(raw: string | number | bigint): string {
  const text = String(raw).trim();
  if (!/^[1-9][0-9]{0,18}$/.test(text) || BigInt(text) >= 2n ** 63n) {
    throw invalid(`an alert id is a positive integer, got "${raw}"`, { id: String(raw) });
  }
  return text;
}

function checkBy(by: unknown): string {
  const name = typeof by === "string" ? by.trim() : "";
  if (name === "" || name.length > maxByLength) {
    throw invalid(`"by" must name who acts on the alert, 1 to ${maxByLength} characters`, {
      by: typeof by === "string" ? by.slice(0, 120) : by === undefined ? null : String(by),
    });
  }
  return name;
}

function checkNote(note: unknown): string | null {
  if (note === undefined || note === null) return null;
  if (typeof note !== "string" || note.length > maxNoteLength) {
    throw invalid(`"note" must be text of at most ${maxNoteLength} characters`);
  }
  return note.trim() === "" ? null : note.trim();
}

function checkList(values: readonly string[] | undefined, allowed: readonly string[], what: string) {
  for (const value of values ?? []) {
    if (!allowed.includes(value)) {
      throw invalid(`unknown ${what} "${value}"; expected ${allowed.join(", ")}`, { [what]: value });
    }
  }
}

/** The alert lifecycle: list with filters, get, acknowledge and resolve (with who, when and a note). */
export function createAlertStore(db: Queryable) {
  async function find(id: string): Promise<Alert | undefined> {
    const { rows } = await db.query<Record<string, unknown>>(
      `select ${columns} from alerts a left join regions r on r.region_id = a.region_id where a.id = $1`,
      [id],
    );
    return rows[0] && alertOf(rows[0]);
  }

  async function get(rawId: string | number | bigint): Promise<Alert> {
    const id = parseAlertId(rawId);
    const alert = await find(id);
    if (!alert) throw new BaseError("ALERT_NOT_FOUND", `no alert has id ${id}`, { details: { id } });
    return alert;
  }

  /** Why a transition did not apply: the alert is missing or already past the wanted state. */
  async function refusal(id: string, action: "acknowledge" | "resolve"): Promise<BaseError> {
    const alert = await find(id);
    if (!alert) return new BaseError("ALERT_NOT_FOUND", `no alert has id ${id}`, { details: { id } });
    const details = { id, status: alert.status };
    if (alert.status === "resolved") {
      return new BaseError(
        "ALERT_ALREADY_RESOLVED",
        `alert ${id} was resolved by ${alert.resolvedBy} at ${alert.resolvedAt}; it cannot be ${action}d again`,
        { details: { ...details, resolvedBy: alert.resolvedBy, resolvedAt: alert.resolvedAt } },
      );
    }
    return new BaseError(
      "ALERT_ALREADY_ACKNOWLEDGED",
      `alert ${id} was acknowledged by ${alert.acknowledgedBy} at ${alert.acknowledgedAt}`,
      { details: { ...details, acknowledgedBy: alert.acknowledgedBy, acknowledgedAt: alert.acknowledgedAt } },
    );
  }

  /** Moves an alert from one of `from` to `to` in one statement, so two people cannot both do it. */
  async function transition(
    rawId: string | number | bigint,
    action: "acknowledge" | "resolve",
    by: unknown,
    note: unknown,
  ): Promise<Alert> {
    const id = parseAlertId(rawId);
    const who = checkBy(by);
    const text = checkNote(note);
    const set =
      action === "acknowledge"
        ? "status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now()"
        : "status = 'resolved', resolved_by = $2, resolved_at = now()";
    const from = action === "acknowledge" ? "('open')" : "('open', 'acknowledged')";
    const { rows } = await db.query<{ id: string }>(
      `update alerts set ${set},
              note = case when $3::text is null then note when note is null then $3::text else note || E'\\n' || $3::text end
        where id = $1 and status in ${from}
        returning id::text as id`,
      [id, who, text],
    );
    if (rows.length === 0) throw await refusal(id, action);
    return (await find(id))!;
  }

  return {
    get,

    /** Alerts matching the filter, newest first, and how many match in all. */
    async list(filter: AlertFilter = {}): Promise<{ alerts: Alert[]; total: number }> {
      checkList(filter.statuses, alertStatuses, "status");
      checkList(filter.severities, alertSeverities, "severity");
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: (p: string) => string, value: unknown) => {
        params.push(value);
        where.push(sql(`$${params.length}`));
      };
      if (filter.region !== undefined && filter.region.trim() !== "") {
        add((p) => `a.region_id = ${p}`, (await resolveRegion(db, filter.region)).regionId);
      }
      if (filter.deviceId) add((p) => `a.device_id = ${p}`, filter.deviceId.toLowerCase());
      if (filter.kinds?.length) add((p) => `a.kind = any(${p}::text[])`, filter.kinds);
      if (filter.statuses?.length) add((p) => `a.status = any(${p}::text[])`, filter.statuses);
      if (filter.severities?.length) add((p) => `a.severity = any(${p}::text[])`, filter.severities);
      if (filter.from) add((p) => `a.created_at >= ${p}`, filter.from);
      if (filter.to) add((p) => `a.created_at < ${p}`, filter.to);
      if (filter.reach && !filter.reach.all) {
        where.push(
          alertCondition(filter.reach, (value) => {
            params.push(value);
            return `$${params.length}`;
          }),
        );
      }
      const clause = where.length ? `where ${where.join(" and ")}` : "";
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
      const offset = Math.max(filter.offset ?? 0, 0);
      const [page, count] = await Promise.all([
        db.query<Record<string, unknown>>(
          `select ${columns} from alerts a left join regions r on r.region_id = a.region_id ${clause}
            order by a.created_at desc, a.id desc limit ${limit} offset ${offset}`,
          params,
        ),
        db.query<{ n: number }>(`select count(*)::int as n from alerts a ${clause}`, params),
      ]);
      return { alerts: page.rows.map(alertOf), total: count.rows[0]?.n ?? 0 };
    },

    /** open → acknowledged; ALERT_ALREADY_ACKNOWLEDGED or ALERT_ALREADY_RESOLVED otherwise. */
    acknowledge(id: string | number | bigint, by: unknown, note?: unknown): Promise<Alert> {
      return transition(id, "acknowledge", by, note);
    },

    /** open or acknowledged → resolved; ALERT_ALREADY_RESOLVED otherwise. */
    resolve(id: string | number | bigint, by: unknown, note?: unknown): Promise<Alert> {
      return transition(id, "resolve", by, note);
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;

/**
 * Open alerts (neither acknowledged nor resolved) per region id: the overview's `openAlerts`, the
 * same alerts as `GET /v1/alerts?region=…&status=open` lists.
 */
export async function openAlertCounts(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ region_id: string; n: number }>(
    `select region_id, count(*)::int as n from alerts
      where status = 'open' and region_id is not null group by region_id`,
  );
  return new Map(rows.map((row) => [row.region_id, row.n]));
}

/** A record for a person's attention (see the `alerts` table): an {@link Incident} of any module. */
export type AlertInput = Incident;

/**
 * Records alerts, 500 per statement (in the caller's transaction when `q` is one); an alert whose
 * `dedupeKey` is already recorded is skipped (`on conflict do nothing`), so a detector that runs
 * twice, or a device that repeats a refused reading, raises it once. Answers how many new alerts were
 * recorded per kind.
 */
export async function insertAlerts(
  q: Queryable,
  alerts: readonly AlertInput[],
): Promise<Record<string, number>> {
  const recorded: Record<string, number> = {};
  for (let i = 0; i < alerts.length; i += 500) {
    const { rows } = await q.query<{ kind: string }>(
      `insert into alerts (kind, severity, region_id, device_id, message, evidence, period_start, dedupe_key)
       select kind, severity, region_id, device_id, message, coalesce(evidence, '{}'::jsonb), period_start, dedupe_key
         from jsonb_to_recordset($1::jsonb)
           as x(kind text, severity text, region_id text, device_id text, message text, evidence jsonb,
                period_start bigint, dedupe_key text)
       on conflict (dedupe_key) do nothing
       returning kind`,
      [
        JSON.stringify(
          alerts.slice(i, i + 500).map((a) => ({
            kind: a.kind,
            severity: a.severity,
            region_id: a.regionId ?? null,
            device_id: a.deviceId ?? null,
            message: a.message,
            evidence: a.evidence ?? {},
            period_start: a.periodStart?.toString() ?? null,
            dedupe_key: a.dedupeKey ?? null,
          })),
        ),
      ],
    );
    for (const row of rows) recorded[row.kind] = (recorded[row.kind] ?? 0) + 1;
  }
  return recorded;
}

/** Records detector alerts of a region (see {@link insertAlerts}). */
export function recordAlerts(
  db: Queryable,
  regionId: string,
  drafts: readonly AlertDraft[],
): Promise<Record<string, number>> {
  return insertAlerts(
    db,
    drafts.map((d) => ({ ...d, regionId })),
  );
}
