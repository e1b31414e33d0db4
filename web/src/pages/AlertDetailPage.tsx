import { alertText } from "../alertText.js";
import { client } from "../api.js";
import { AlertButtons, useAlertAction, useAlertLabels } from "../components/AlertsTable.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { EvidenceTable } from "../components/EvidenceTable.js";
import { readingFieldView } from "../components/readingFields.js";
import { formatTime } from "../format.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";
import { useApi } from "../useApi.js";
import { hexToBytes, normalHex } from "../verify/hex.js";
import { decodeReadingMessage } from "../verify/readingMessage.js";

/**
 * A refused reading kept as evidence (`refusedMessage`: its 90 bytes) decoded beside the stored
 * reading with the same seq, differing fields marked: what a conflicting duplicate tried to change.
 */
function RefusedComparison({
  evidence,
  stored,
}: {
  evidence: unknown;
  stored: Record<string, unknown> | undefined;
}) {
  const { t, lang, has } = useI18n();
  const hex = (evidence as { refusedMessage?: unknown } | null)?.refusedMessage;
  let refused: Record<string, string> | undefined;
  try {
    refused = typeof hex === "string" ? decodeReadingMessage(hexToBytes(hex)) : undefined;
  } catch {
    refused = undefined;
  }
  if (!refused) return null;
  return (
    <>
      <h2>{t("refusedComparison")}</h2>
      <div className="table-wrap">
        <table data-testid="refused-comparison">
          <thead>
            <tr>
              <th>{t("field")}</th>
              <th>{t("storedReading")}</th>
              <th>{t("refusedReading")}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(refused).map(([field, value]) => {
              const before = stored?.[field] === undefined ? "—" : String(stored[field]);
              const differs = stored !== undefined && before !== value;
              const shown = readingFieldView(field, value, refused, lang, t, has);
              const storedShown = readingFieldView(field, stored?.[field], stored, lang, t, has);
              return (
                <tr
                  key={field}
                  className={differs ? "differs" : undefined}
                  data-differs={differs}
                  data-field={field}
                >
                  <td title={field}>{shown.label}</td>
                  <td className="hash" title={before}>
                    {storedShown.value}
                  </td>
                  <td className="hash" title={value}>
                    {shown.value}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** One alert: what happened, who handled it, its evidence readings with their proofs, each verifiable here. */
export function AlertDetailPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const labels = useAlertLabels();
  const detail = useApi(`/v1/alerts/${encodeURIComponent(id)}`, (signal) =>
    client.GET("/v1/alerts/{id}", { params: { path: { id } }, signal }),
  );
  const { act, error, busy } = useAlertAction(detail.reload);
  const alert = detail.data?.alert;

  return (
    <section data-testid="alert-detail">
      <a href={href("/alerts")}>← {t("backToAlerts")}</a>
      <ErrorBox error={detail.error ?? error} />
      {alert && (
        <>
          <div className="row spread">
            <h1>
              {t("alertTitle", { id: alert.id })}: {labels.kind(alert.kind)}
            </h1>
            <AlertButtons alert={alert} busy={busy === alert.id} onAct={act} withNote />
          </div>
          <dl className="fields">
            <div>
              <dt>{t("colSeverity")}</dt>
              <dd>
                <span className={`severity ${alert.severity}`}>{labels.severity(alert.severity)}</span>
              </dd>
            </div>
            <div>
              <dt>{t("colStatus")}</dt>
              <dd data-testid="alert-status">{labels.status(alert.status)}</dd>
            </div>
            <div>
              <dt>{t("colMessage")}</dt>
              <dd>
                <span data-testid="alert-text">{alertText(alert, lang)}</span>
                <div className="small muted" data-testid="original-message">
                  {t("originalMessage")}: <span lang="en">{alert.message}</span>
                </div>
              </dd>
            </div>
            <div>
              <dt>{t("colRegion")}</dt>
              <dd>{alert.region ? <a href={href(`/region/${alert.region}`)}>{alert.region}</a> : "—"}</dd>
            </div>
            <div>
              <dt>{t("colDevice")}</dt>
              <dd className="hash">{alert.deviceId ?? "—"}</dd>
            </div>
            <div>
              <dt>{t("colTime")}</dt>
              <dd>
                {formatTime(alert.createdAt, lang)}
                {alert.periodStart !== null && ` (${formatTime(alert.periodStart, lang)})`}
              </dd>
            </div>
            {alert.acknowledgedBy && (
              <div>
                <dt>{t("status_acknowledged")}</dt>
                <dd>
                  {t("acknowledgedBy", {
                    who: alert.acknowledgedBy,
                    when: formatTime(alert.acknowledgedAt, lang),
                  })}
                </dd>
              </div>
            )}
            {alert.resolvedBy && (
              <div>
                <dt>{t("status_resolved")}</dt>
                <dd>
                  {t("resolvedBy", { who: alert.resolvedBy, when: formatTime(alert.resolvedAt, lang) })}
                </dd>
              </div>
            )}
            {alert.note && (
              <div>
                <dt>{t("note")}</dt>
                <dd>{alert.note}</dd>
              </div>
            )}
          </dl>
          <h2>{t("evidenceReadings")}</h2>
          <EvidenceTable readings={detail.data?.readings ?? []} evidence={alert.evidence} />
          <RefusedComparison
            evidence={alert.evidence}
            stored={
              detail.data?.readings.find(
                (r) =>
                  normalHex(r.deviceId) === normalHex(alert.deviceId ?? "") &&
                  r.seq === String((alert.evidence as { seq?: unknown } | null)?.seq),
              )?.reading ?? undefined
            }
          />
        </>
      )}
    </section>
  );
}
