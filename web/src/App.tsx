import { useEffect } from "react";
import { Gate } from "./components/Access.js";
import { NodeStatus } from "./components/NodeStatus.js";
import { SearchBox } from "./components/SearchBox.js";
import { WhoAmI } from "./components/WhoAmI.js";
import { useI18n } from "./i18n.js";
import { AccessLogPage } from "./pages/AccessLogPage.js";
import { AlertDetailPage } from "./pages/AlertDetailPage.js";
import { AlertsPage } from "./pages/AlertsPage.js";
import { DevicePage } from "./pages/DevicePage.js";
import { DevicesPage } from "./pages/DevicesPage.js";
import { ExplorerPage } from "./pages/ExplorerPage.js";
import { MarketPage } from "./pages/MarketPage.js";
import { OverviewPage } from "./pages/OverviewPage.js";
import { RegionPage } from "./pages/RegionPage.js";
import { href, type Route, useRoute } from "./router.js";
import { useSession } from "./session.js";

function page(route: Route) {
  const parts = route.path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "region" && parts[1]) return <RegionPage code={parts[1]} params={route.params} />;
  if (parts[0] === "alerts" && parts[1]) {
    return (
      <Gate action="alerts.read">
        <AlertDetailPage id={parts[1]} />
      </Gate>
    );
  }
  if (parts[0] === "alerts") {
    return (
      <Gate action="alerts.read">
        <AlertsPage params={route.params} />
      </Gate>
    );
  }
  if (parts[0] === "devices" && parts[1]) {
    return (
      <Gate action="readings.read">
        <DevicePage id={parts[1]} />
      </Gate>
    );
  }
  if (parts[0] === "devices") {
    return (
      <Gate action="devices.read">
        <DevicesPage />
      </Gate>
    );
  }
  if (parts[0] === "access-log") {
    return (
      <Gate action="accesslog.read">
        <AccessLogPage params={route.params} />
      </Gate>
    );
  }
  if (parts[0] === "explorer") return <ExplorerPage params={route.params} />;
  if (parts[0] === "market") return <MarketPage params={route.params} />;
  return <OverviewPage />;
}

/**
 * The dashboard: header (navigation, region search, language, who is signed in) and the page of the
 * hash route. Pages and links follow the actions the node grants this principal (GET /v1/auth/me).
 */
export function App() {
  const { t, lang, setLang } = useI18n();
  const session = useSession();
  const route = useRoute();
  const section = route.path.split("/")[1] ?? "";

  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = t("appTitle");
  }, [lang, t]);

  const nav = (to: string, label: string, active: boolean) => (
    <a href={href(to)} className={active ? "active" : undefined} aria-current={active ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header className="top">
        <a className="brand" href={href("/")}>
          <strong>{t("appTitle")}</strong>
          <span className="muted">{t("appSubtitle")}</span>
        </a>
        <nav>
          {nav("/", t("navOverview"), section === "")}
          {session.can("alerts.read") && nav("/alerts", t("navAlerts"), section === "alerts")}
          {session.can("devices.read") && nav("/devices", t("navDevices"), section === "devices")}
          {nav("/market", t("navMarket"), section === "market")}
          {nav("/explorer", t("navExplorer"), section === "explorer")}
          {session.can("accesslog.read") && nav("/access-log", t("navAccessLog"), section === "access-log")}
        </nav>
        <SearchBox />
        <NodeStatus />
        <div className="row">
          <button
            type="button"
            className="on-dark"
            title={t("languageTitle")}
            data-testid="language-toggle"
            onClick={() => setLang(lang === "zh" ? "en" : "zh")}
          >
            {t("language")}
          </button>
          <WhoAmI />
        </div>
      </header>
      <main>
        {session.notice && (
          <p className="notice" role="status" data-testid="session-notice">
            {t(session.notice)}
          </p>
        )}
        {page(route)}
      </main>
    </>
  );
}
