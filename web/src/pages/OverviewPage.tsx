import { useEffect } from "react";
import { client, type OverviewRegion } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { Figure } from "../components/Figure.js";
import { formatCo2, formatEnergy, formatNumber, formatQuantity, formatShare, formatTce } from "../format.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";
import { formatClock, offsetText, setZone } from "../time.js";
import { useApi } from "../useApi.js";
import { SuppressedNote } from "./RegionPage.js";

const refreshMs = 10_000;

/** Every region as a tile with today's figures, refreshed every 10 s, above the node's own counters. */
export function OverviewPage() {
  const { t, lang } = useI18n();
  const overview = useApi("/v1/stats/overview", (signal) => client.GET("/v1/stats/overview", { signal }), {
    refreshMs,
  });
  const stats = useApi("/v1/metering/stats", (signal) => client.GET("/v1/metering/stats", { signal }), {
    refreshMs,
  });
  const chain = useApi("/v1/chain", (signal) => client.GET("/v1/chain", { signal }), { refreshMs });
  const offset = overview.data?.utcOffsetMinutes;
  useEffect(() => {
    if (offset !== undefined) setZone(offset);
  }, [offset]);

  return (
    <section>
      <div className="row spread">
        <h1>{t("overviewTitle")}</h1>
        <div className="muted">
          {overview.data &&
            t("overviewDate", {
              date: overview.data.date,
              offset: offsetText(overview.data.utcOffsetMinutes),
            })}
          {" · "}
          {overview.updatedAt && t("updatedAt", { time: formatClock(overview.updatedAt, lang) })} (
          {t("autoRefresh")})
        </div>
      </div>
      <div className="strip" data-testid="node-stats">
        <Figure
          label={t("nodeReadings")}
          value={stats.data ? formatNumber(stats.data.readings, lang, 0) : "—"}
        />
        <Figure
          label={t("nodeDevices")}
          value={stats.data ? formatNumber(stats.data.devices, lang, 0) : "—"}
        />
        <Figure
          label={t("nodeBatches")}
          value={stats.data ? formatNumber(stats.data.anchored, lang, 0) : "—"}
        />
        <Figure label={t("nodeBlock")} value={chain.data ? `#${chain.data.blockNumber}` : "—"} />
      </div>
      <ErrorBox error={overview.error ?? stats.error} />
      {!overview.data && !overview.error && <p className="muted">{t("loading")}</p>}
      {overview.data?.regions.length === 0 && <p className="muted">{t("overviewEmpty")}</p>}
      <div className="tiles">
        {overview.data?.regions.map((region) => (
          <RegionTile key={region.code} region={region} />
        ))}
      </div>
    </section>
  );
}

function RegionTile({ region }: { region: OverviewRegion }) {
  const { t, lang } = useI18n();
  const [first, second] = lang === "zh" ? [region.nameZh, region.nameEn] : [region.nameEn, region.nameZh];
  return (
    <article className="tile" data-testid={`tile-${region.code}`}>
      <a className="tile-head" href={href(`/region/${region.code}`)}>
        <h2>{first}</h2>
        <span className="muted">
          {second} · {region.code}
        </span>
      </a>
      {region.suppressed ? (
        <SuppressedNote reason={region.reason} />
      ) : (
        <div className="figures">
          <Figure
            label={t("consumption")}
            value={formatEnergy(region.consumptionWh, lang)}
            testId="consumption"
          />
          <Figure
            label={t("generation")}
            value={formatEnergy(region.generationWh, lang)}
            testId="generation"
          />
          <Figure
            label={t("renewableShare")}
            value={formatShare(region.renewableShare, lang)}
            hint={t("renewableShareHint")}
            testId="renewable-share"
          />
          <Figure
            label={t("gasConsumption")}
            value={formatQuantity(region.gasLitres, "gas", lang)}
            testId="gas"
          />
          <Figure label={t("tce")} value={formatTce(region.tce, lang)} />
          <Figure label={t("co2")} value={formatCo2(region.co2Kg, lang)} />
          <Figure label={t("completeness")} value={formatShare(region.completeness, lang)} />
        </div>
      )}
      <a
        className={(region.openAlerts ?? 0) > 0 ? "badge warn" : "badge"}
        href={href("/alerts", { region: region.code, status: "open" })}
        data-testid="open-alerts"
      >
        {t("openAlerts")}: {region.openAlerts}
      </a>
    </article>
  );
}
