import { useI18n } from "../i18n.js";
import { AnchorsPanel } from "./AnchorsPanel.js";
import { BlocksPanel } from "./BlocksPanel.js";
import { ReadingVerifier } from "./ReadingVerifier.js";

/** The blockchain explorer: verify a reading, anchors by region and interval, latest blocks. */
export function ExplorerPage({ params }: { params: URLSearchParams }) {
  const { t } = useI18n();
  return (
    <section data-testid="explorer-page">
      <h1>{t("explorerTitle")}</h1>
      <ReadingVerifier device={params.get("device") ?? ""} seq={params.get("seq") ?? ""} />
      <AnchorsPanel />
      <BlocksPanel />
    </section>
  );
}
