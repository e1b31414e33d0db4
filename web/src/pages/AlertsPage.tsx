import { type FormEvent, useState } from "react";
import { client, present, query } from "../api.js";
import { AlertsTable, useAlertLabels } from "../components/AlertsTable.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { useI18n } from "../i18n.js";
import { navigate } from "../router.js";
import { dateInputToUnix, zoneLabel } from "../time.js";
import { useApi } from "../useApi.js";

const pageSize = 50;
/** Kinds the detectors and ingest raise (src/analytics/detectors, src/metering/ingest.ts); the list also offers any other kind it has seen. */
const knownKinds = [
  "reading_conflict",
  "register_regression",
  "sequence_gap",
  "data_gap",
  "region_data_gap",
  "zero_run",
  "spike",
  "export_without_generation",
  "community_imbalance",
  "bad_signatures",
  "anchor_late",
  "anchor_conflict",
  "chain_text_sanitised",
  "batch_quarantined",
];
const filterNames = ["region", "kind", "status", "severity", "from", "to"] as const;
type Filters = Record<(typeof filterNames)[number], string>;

/** Alerts with filters (region, type, status, severity, time) in the address, so a filtered view can be shared. */
export function AlertsPage({ params }: { params: URLSearchParams }) {
  const { t, lang, zone } = useI18n();
  const labels = useAlertLabels();
  const filters = Object.fromEntries(filterNames.map((name) => [name, params.get(name) ?? ""])) as Filters;
  const offset = Number(params.get("offset") ?? 0) || 0;
  const [draft, setDraft] = useState<Filters>(filters);
  const regions = useApi("/v1/regions", (signal) => client.GET("/v1/regions", { signal }));
  const alertQuery = present({
    region: filters.region,
    kind: filters.kind,
    status: filters.status,
    severity: filters.severity,
    // Days of the date pickers start at midnight in the node's zone, not the browser's.
    from: dateInputToUnix(filters.from, false, zone)?.toString(),
    to: dateInputToUnix(filters.to, true, zone)?.toString(),
    limit: pageSize,
    offset: offset || undefined,
  });
  const alerts = useApi(
    `/v1/alerts${query(alertQuery)}`,
    (signal) => client.GET("/v1/alerts", { params: { query: alertQuery }, signal }),
    { refreshMs: 10_000 },
  );
  const kinds = [...new Set([...knownKinds, ...(alerts.data?.alerts.map((a) => a.kind) ?? [])])];

  const apply = (event?: FormEvent) => {
    event?.preventDefault();
    navigate("/alerts", { ...draft });
  };
  const field = (name: keyof Filters) => ({
    value: draft[name],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value }),
  });
  const total = alerts.data?.total ?? 0;
  return (
    <section data-testid="alerts-page">
      <h1>{t("alertsTitle")}</h1>
      <form className="filters" onSubmit={apply}>
        <label>
          {t("filterRegion")}
          <select name="region" {...field("region")}>
            <option value="">{t("any")}</option>
            {regions.data?.regions.map((r) => (
              <option key={r.code} value={r.code}>
                {r.nameZh} {r.nameEn} ({r.code})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filterKind")}
          <select name="kind" {...field("kind")}>
            <option value="">{t("any")}</option>
            {kinds.map((kind) => (
              <option key={kind} value={kind}>
                {labels.kind(kind)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filterStatus")}
          <select name="status" {...field("status")}>
            <option value="">{t("any")}</option>
            {["open", "acknowledged", "resolved"].map((status) => (
              <option key={status} value={status}>
                {labels.status(status)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filterSeverity")}
          <select name="severity" {...field("severity")}>
            <option value="">{t("any")}</option>
            {["critical", "warning", "info"].map((severity) => (
              <option key={severity} value={severity}>
                {labels.severity(severity)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filterFrom")}
          {zoneLabel(lang, zone)}
          <input type="date" name="from" {...field("from")} />
        </label>
        <label>
          {t("filterTo")}
          {zoneLabel(lang, zone)}
          <input type="date" name="to" {...field("to")} />
        </label>
        <div className="row">
          <button type="submit" className="primary">
            {t("apply")}
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(Object.fromEntries(filterNames.map((name) => [name, ""])) as Filters);
              navigate("/alerts");
            }}
          >
            {t("clear")}
          </button>
        </div>
      </form>
      <ErrorBox error={alerts.error} />
      {!alerts.data && !alerts.error && <p className="muted">{t("loading")}</p>}
      {alerts.data && (
        <>
          <p className="muted" data-testid="alerts-count">
            {t("alertsCount", { shown: alerts.data.alerts.length, total })}
          </p>
          <AlertsTable alerts={alerts.data.alerts} onChanged={alerts.reload} />
          <div className="row">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() =>
                navigate("/alerts", { ...filters, offset: Math.max(0, offset - pageSize) || undefined })
              }
            >
              {t("previous")}
            </button>
            <button
              type="button"
              disabled={offset + pageSize >= total}
              onClick={() => navigate("/alerts", { ...filters, offset: offset + pageSize })}
            >
              {t("next")}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
