import { useState } from "react";
import { alertText } from "../alertText.js";
import { type Alert, ApiError, answer, client } from "../api.js";
import { formatTime, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { StringKey } from "../strings.js";
import { ErrorBox } from "./ErrorBox.js";

/** Labels of an alert's kind, severity and status, falling back to the raw value for a kind the dashboard does not know. */
export function useAlertLabels() {
  const { t, has } = useI18n();
  const label = (prefix: string, value: string) => {
    const key = `${prefix}${value}`;
    return has(key) ? t(key as StringKey) : value.replaceAll("_", " ");
  };
  return {
    kind: (kind: string) => label("kind_", kind),
    severity: (severity: string) => label("severity_", severity),
    status: (status: string) => label("status_", status),
  };
}

/**
 * Acknowledges or resolves an alert (POST /v1/alerts/:id/acknowledge|resolve, with an optional note):
 * the node records the signed-in account as who acted, so no name is asked.
 */
export function useAlertAction(onDone: (alert: Alert) => void) {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState<string>();
  const act = async (alert: Alert, action: "acknowledge" | "resolve", note?: string) => {
    setBusy(alert.id);
    try {
      const init = {
        params: { path: { id: alert.id } },
        body: note?.trim() ? { note: note.trim() } : {},
      };
      const result = answer(
        action === "acknowledge"
          ? await client.POST("/v1/alerts/{id}/acknowledge", init)
          : await client.POST("/v1/alerts/{id}/resolve", init),
      );
      setError(undefined);
      onDone(result.alert);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, "CLIENT", String(caught)));
    } finally {
      setBusy(undefined);
    }
  };
  return { act, error, busy };
}

/** Acknowledge and resolve buttons of one alert, as its status allows; none without `alerts.write`. */
export function AlertButtons(props: {
  alert: Alert;
  busy: boolean;
  onAct(alert: Alert, action: "acknowledge" | "resolve", note?: string): void;
  /** Offer a note to record with the action (the alert's page). */
  withNote?: boolean;
}) {
  const { t } = useI18n();
  const session = useSession();
  const [note, setNote] = useState("");
  const { alert } = props;
  if (!session.can("alerts.write") || alert.status === "resolved") return null;
  return (
    <span className="row">
      {props.withNote && (
        <input
          name="note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder={t("note")}
          maxLength={500}
          data-testid="alert-note"
        />
      )}
      {alert.status === "open" && (
        <button
          type="button"
          disabled={props.busy}
          data-testid="acknowledge"
          onClick={() => props.onAct(alert, "acknowledge", note)}
        >
          {t("acknowledge")}
        </button>
      )}
      <button
        type="button"
        disabled={props.busy}
        data-testid="resolve"
        onClick={() => props.onAct(alert, "resolve", note)}
      >
        {t("resolve")}
      </button>
    </span>
  );
}

/** A table of alerts with their status, who handled them, and actions. */
export function AlertsTable({ alerts, onChanged }: { alerts: Alert[]; onChanged(alert: Alert): void }) {
  const { t, lang } = useI18n();
  const labels = useAlertLabels();
  const { act, error, busy } = useAlertAction(onChanged);
  const session = useSession();
  const acts = session.can("alerts.write");
  if (alerts.length === 0) return <p className="muted">{t("noAlerts")}</p>;
  return (
    <>
      <ErrorBox error={error} />
      <div className="table-wrap">
        <table data-testid="alerts-table">
          <thead>
            <tr>
              <th>{t("colTime")}</th>
              <th>{t("colSeverity")}</th>
              <th>{t("colKind")}</th>
              <th>{t("colRegion")}</th>
              <th>{t("colDevice")}</th>
              <th>{t("colMessage")}</th>
              <th>{t("colStatus")}</th>
              <th>{t("colWho")}</th>
              <th>{acts ? t("colActions") : ""}</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((alert) => (
              <tr
                key={alert.id}
                data-testid={`alert-${alert.id}`}
                data-kind={alert.kind}
                data-status={alert.status}
              >
                <td>{formatTime(alert.createdAt, lang)}</td>
                <td>
                  <span className={`severity ${alert.severity}`}>{labels.severity(alert.severity)}</span>
                </td>
                <td>{labels.kind(alert.kind)}</td>
                <td>{alert.region ? <a href={href(`/region/${alert.region}`)}>{alert.region}</a> : "—"}</td>
                <td>
                  <code title={alert.deviceId ?? undefined}>{shortHex(alert.deviceId)}</code>
                </td>
                <td title={alert.message} data-testid="alert-text">
                  {alertText(alert, lang)}
                </td>
                <td data-testid="alert-status">{labels.status(alert.status)}</td>
                <td>
                  <Actor who={alert.resolvedBy ?? alert.acknowledgedBy} />
                </td>
                <td>
                  <span className="row">
                    <a href={href(`/alerts/${alert.id}`)}>{t("details")}</a>
                    <AlertButtons alert={alert} busy={busy === alert.id} onAct={act} />
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Who acted on an alert: an account's address shortened (whole in the title), or an older free-text name. */
export function Actor({ who }: { who: string | null }) {
  if (!who) return <>—</>;
  if (/^0x[0-9a-fA-F]{40}$/.test(who)) return <code title={who}>{shortHex(who, 4)}</code>;
  return <>{who}</>;
}
