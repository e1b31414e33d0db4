import { useEffect } from "react";
import { NodeStatus } from "./components/NodeStatus.js";
import { SearchBox } from "./components/SearchBox.js";
import { useI18n } from "./i18n.js";
import { AlertDetailPage } from "./pages/AlertDetailPage.js";
import { AlertsPage } from "./pages/AlertsPage.js";
import { ExplorerPage } from "./pages/ExplorerPage.js";
import { OverviewPage } from "./pages/OverviewPage.js";
import { RegionPage } from "./pages/RegionPage.js";
import { href, type Route, useRoute } from "./router.js";
import { useSession } from "./session.js";

function page(route: Route) {
  const parts = route.path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "region" && parts[1]) return <RegionPage code={parts[1]} params={route.params} />;
  if (parts[0] === "alerts" && parts[1]) return <AlertDetailPage id={parts[1]} />;
  if (parts[0] === "alerts") return <AlertsPage params={route.params} />;
  if (parts[0] === "explorer") return <ExplorerPage params={route.params} />;
  return <OverviewPage />;
}

/** The dashboard: header (navigation, region search, language, sign-in) and the page of the hash route. */
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
          {nav("/alerts", t("navAlerts"), section === "alerts")}
          {nav("/explorer", t("navExplorer"), section === "explorer")}
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
          {session.token ? (
            <button
              type="button"
              className="on-dark"
              onClick={session.signOut}
              title={t("signOut")}
              data-testid="signed-in"
            >
              {session.name ? t("signedInAs", { name: session.name }) : t("signedInToken")} · {t("signOut")}
            </button>
          ) : (
            <button type="button" className="on-dark" onClick={session.openSignIn}>
              {t("signIn")}
            </button>
          )}
        </div>
      </header>
      <main>{page(route)}</main>
    </>
  );
}
