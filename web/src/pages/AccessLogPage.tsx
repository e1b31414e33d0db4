import { useState } from "react";
import { type AccessLogVerdict, ApiError, answer, client, present, query } from "../api.js";
import { useRoleName } from "../components/Access.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { formatTime, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { navigate } from "../router.js";
import { useApi } from "../useApi.js";

const pageSize = 100;

/** A daily anchor of the log's head (`GET /v1/access-log/anchors`), as far as the dashboard shows it. */
/**
 * The access log for regulators and auditors: who read or changed what, with which role and purpose,
 * each row hash-chained to the one before; the chain verified on request, and its daily anchors.
 */
export function AccessLogPage({ params }: { params: URLSearchParams }) {
  const { t, lang } = useI18n();
  const roleName = useRoleName();
  const after = params.get("after") ?? undefined;
  const logQuery = present({ after: after === undefined ? undefined : Number(after), limit: pageSize });
  const log = useApi(`/v1/access-log${query(logQuery)}`, (signal) =>
    client.GET("/v1/access-log", { params: { query: logQuery }, signal }),
  );
  const anchors = useApi("/v1/access-log/anchors", (signal) =>
    client.GET("/v1/access-log/anchors", { signal }),
  );
  const [verdict, setVerdict] = useState<AccessLogVerdict>();
  const [verifyError, setVerifyError] = useState<ApiError>();
  const entries = log.data?.entries ?? [];
  const last = entries[entries.length - 1];

  const verify = async () => {
    setVerdict(undefined);
    setVerifyError(undefined);
    try {
      setVerdict(answer(await client.GET("/v1/access-log/verify")));
    } catch (error) {
      setVerifyError(error instanceof ApiError ? error : new ApiError(0, "CLIENT", String(error)));
    }
  };

  return (
    <section data-testid="access-log-page">
      <div className="row spread">
        <h1>{t("accessLogTitle")}</h1>
        <button type="button" className="primary" onClick={verify} data-testid="verify-log">
          {t("verifyLog")}
        </button>
      </div>
      <p className="muted">{t("accessLogHelp")}</p>
      {verdict && (
        <p
          className={verdict.ok ? "verdict ok" : "verdict bad"}
          data-testid="log-verdict"
          data-ok={String(verdict.ok)}
        >
          {verdict.ok
            ? t("logIntact", { entries: verdict.entries, head: shortHex(verdict.head) })
            : t("logBroken", { at: String(verdict.brokenAt ?? "?") })}
        </p>
      )}
      <ErrorBox error={verifyError ?? log.error} action="accesslog.read" />
      {log.data && entries.length === 0 && <p className="muted">{t("accessLogEmpty")}</p>}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table data-testid="access-log-table">
            <thead>
              <tr>
                <th>{t("colSeq")}</th>
                <th>{t("colTime")}</th>
                <th>{t("colActor")}</th>
                <th>{t("colRoles")}</th>
                <th>{t("colAction")}</th>
                <th>{t("colObject")}</th>
                <th>{t("colPurpose")}</th>
                <th>{t("colHash")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={String(entry.seq)} data-testid="log-row" data-action={entry.action}>
                  <td>{String(entry.seq)}</td>
                  <td>{formatTime(entry.at, lang)}</td>
                  <td>
                    <code title={entry.actor}>
                      {entry.actor.startsWith("0x") ? shortHex(entry.actor, 4) : entry.actor}
                    </code>
                  </td>
                  <td>{entry.roles.map(roleName).join(lang === "zh" ? "、" : ", ") || "—"}</td>
                  <td>
                    <code>{entry.action}</code> <span className="muted">{entry.method}</span>
                  </td>
                  <td className="hash">{entry.object}</td>
                  <td data-testid="log-purpose">{entry.purpose ?? "—"}</td>
                  <td>
                    <code title={entry.hash}>{shortHex(entry.hash, 4)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row">
        <button type="button" disabled={!after} onClick={() => navigate("/access-log")}>
          {t("clear")}
        </button>
        <button
          type="button"
          disabled={entries.length < pageSize || !last}
          onClick={() => last && navigate("/access-log", { after: String(last.seq) })}
        >
          {t("next")}
        </button>
      </div>
      <h2>{t("logAnchorsTitle")}</h2>
      <ErrorBox error={anchors.error} action="accesslog.read" />
      {anchors.data && !anchors.data.anchors.length && <p className="muted">{t("noLogAnchors")}</p>}
      {anchors.data && anchors.data.anchors.length > 0 && (
        <div className="table-wrap">
          <table data-testid="log-anchors">
            <thead>
              <tr>
                <th>{t("colDay")}</th>
                <th>{t("colCount")}</th>
                <th>{t("colHash")}</th>
                <th>{t("anchoredAt")}</th>
              </tr>
            </thead>
            <tbody>
              {anchors.data.anchors.map((anchor) => (
                <tr key={`${anchor.day}-${anchor.head}`}>
                  <td>{anchor.date}</td>
                  <td>{anchor.count}</td>
                  <td>
                    <code title={anchor.head}>{shortHex(anchor.head)}</code>
                  </td>
                  <td>{formatTime(anchor.anchoredAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
