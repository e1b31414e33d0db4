import { useEffect, useState } from "react";
import { client, query } from "../api.js";
import { Gate } from "../components/Access.js";
import { AlertsTable } from "../components/AlertsTable.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { Figure } from "../components/Figure.js";
import { formatCo2, formatEnergy, formatNumber, formatPower, formatShare, formatTce } from "../format.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { dayStartAt } from "../time.js";
import { useApi } from "../useApi.js";
import { RegionCharts } from "./RegionCharts.js";

const ranges = { today: 1, "7d": 7, "30d": 30 } as const;
type RangeName = keyof typeof ranges;
type Granularity = "hour" | "day" | "month";
const defaultGranularity: Record<RangeName, Granularity> = { today: "hour", "7d": "hour", "30d": "day" };
const granularities: readonly Granularity[] = ["hour", "day", "month"];
const day = 86_400;

/**
 * [from, to) of the last `days` days ending now, days starting at midnight at `offsetMinutes` from
 * UTC: `to` is the end of the current hour, so hours that have not happened yet are not drawn as 0.
 */
function rangeOf(days: number, offsetMinutes: number, now = Date.now() / 1000) {
  const todayStart = dayStartAt(now, offsetMinutes);
  return {
    from: todayStart - (days - 1) * day,
    to: Math.min(todayStart + day, Math.floor(now / 3600) * 3600 + 3600),
  };
}

/** A region: its figures and charts over today, 7 or 30 days, CSV downloads and its alerts. */
export function RegionPage({ code, params }: { code: string; params: URLSearchParams }) {
  const { t, lang, zone } = useI18n();
  const session = useSession();
  const rangeParam = params.get("range");
  const range: RangeName = rangeParam === "7d" || rangeParam === "30d" ? rangeParam : "today";
  const granularity = granularities.find((g) => g === params.get("granularity")) ?? defaultGranularity[range];
  const setParams = (next: { range?: string; granularity?: string }) => {
    window.location.hash = href(`/region/${code}`, { range, granularity, ...next });
  };

  const regions = useApi(`/v1/regions${query({ search: code })}`, (signal) =>
    client.GET("/v1/regions", { params: { query: { search: code } }, signal }),
  );
  const region = regions.data?.regions.find((r) => r.code.toLowerCase() === code.toLowerCase());
  // Days start at the node's configured UTC offset (China Standard Time by default).
  const offsetMinutes = zone;
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() / 1000), 60_000);
    return () => clearInterval(timer);
  }, []);
  const { from, to } = rangeOf(ranges[range], offsetMinutes, now);
  const seriesQuery = {
    region: code,
    commodity: "electricity" as const,
    granularity,
    from: String(from),
    to: String(to),
  };
  const series = useApi(
    region ? `/v1/stats/series${query(seriesQuery)}` : null,
    (signal) => client.GET("/v1/stats/series", { params: { query: seriesQuery }, signal }),
    { refreshMs: 10_000 },
  );
  const alertQuery = { region: region?.code, limit: 20 };
  const alerts = useApi(
    region && session.can("alerts.read") ? `/v1/alerts${query(alertQuery)}` : null,
    (signal) => client.GET("/v1/alerts", { params: { query: alertQuery }, signal }),
    { refreshMs: 10_000 },
  );

  if (regions.data && !region) {
    return (
      <section>
        <p className="error">{t("regionNotFound", { code })}</p>
      </section>
    );
  }
  const totals = series.data?.totals;
  const [first, second] = region
    ? lang === "zh"
      ? [region.nameZh, region.nameEn]
      : [region.nameEn, region.nameZh]
    : [code, ""];
  return (
    <section data-testid="region-page" data-region={region?.code}>
      <div className="row spread">
        <div>
          <h1 data-testid="region-title">
            {first} <span className="muted">{second}</span>
          </h1>
          {region && (
            <div className="muted">
              {region.code} · {t("operator")} <code>{region.operator}</code> · {t("interval")}{" "}
              {region.intervalSeconds / 60} min
            </div>
          )}
        </div>
        <div className="row">
          <fieldset className="segmented">
            {(Object.keys(ranges) as RangeName[]).map((name) => (
              <button
                key={name}
                type="button"
                aria-pressed={name === range}
                data-testid={`range-${name}`}
                onClick={() => setParams({ range: name, granularity: defaultGranularity[name] })}
              >
                {t(name === "today" ? "rangeToday" : name === "7d" ? "range7d" : "range30d")}
              </button>
            ))}
          </fieldset>
          <label className="row">
            {t("granularity")}
            <select value={granularity} onChange={(e) => setParams({ granularity: e.target.value })}>
              <option value="hour">{t("granHour")}</option>
              <option value="day">{t("granDay")}</option>
              <option value="month">{t("granMonth")}</option>
            </select>
          </label>
        </div>
      </div>
      <ErrorBox error={regions.error ?? series.error} />
      {series.data?.suppressed && <SuppressedNote reason={series.data.reason} />}
      {totals && !series.data?.suppressed && (
        <div className="strip" data-testid="region-totals">
          <Figure
            label={t("consumption")}
            value={formatEnergy(totals.consumption, lang)}
            testId="total-consumption"
          />
          <Figure
            label={t("generation")}
            value={formatEnergy(totals.generation, lang)}
            testId="total-generation"
          />
          <Figure label={t("netExport")} value={formatEnergy(totals.netExport, lang)} />
          <Figure
            label={t("renewableShare")}
            value={formatShare(totals.renewableShare, lang)}
            hint={t("renewableShareHint")}
          />
          <Figure label={t("tce")} value={formatTce(totals.tce, lang)} testId="total-tce" />
          <Figure label={t("co2")} value={formatCo2(totals.co2Kg, lang)} testId="total-co2" />
          <Figure
            label={t("completeness")}
            value={formatShare(totals.completeness, lang)}
            testId="total-completeness"
          />
          <Figure label={t("peakDemand")} value={formatPower(totals.peakDemandW, lang)} />
          <Figure label={t("activeDevices")} value={formatNumber(totals.activeDevices, lang, 0)} />
        </div>
      )}
      {series.data && !series.data.suppressed ? (
        <RegionCharts series={series.data} now={now} />
      ) : (
        !series.error && !series.data && <p className="muted">{t("loading")}</p>
      )}
      {region && (
        <p className="row">
          <a
            href={`/v1/stats/series${query({ ...seriesQuery, format: "csv" })}`}
            download
            data-testid="csv-link"
          >
            {t("downloadCsv")}
          </a>
          <a href={`/v1/stats/series${query(seriesQuery)}`} target="_blank" rel="noreferrer">
            {t("downloadJson")}
          </a>
        </p>
      )}
      <h2>{t("regionAlerts")}</h2>
      <Gate action="alerts.read">
        <ErrorBox error={alerts.error} action="alerts.read" />
        {alerts.data && <AlertsTable alerts={alerts.data.alerts} onChanged={alerts.reload} />}
        {region && <a href={href("/alerts", { region: region.code })}>{t("allAlertsOfRegion")}</a>}
      </Gate>
    </section>
  );
}

/** What the public sees of a region with fewer devices than the node's minimum group size. */
export function SuppressedNote({ reason }: { reason?: string | undefined }) {
  const { t } = useI18n();
  // The node names k in its reason ("fewer than 5 devices in region …").
  const size = Number(/fewer than (\d+)/.exec(reason ?? "")?.[1] ?? Number.NaN);
  return (
    <p className="notice" data-testid="suppressed">
      {Number.isFinite(size) ? t("notShownFewer", { k: size }) : t("notShownFewerAny")}
    </p>
  );
}
