import { useState } from "react";
import { client } from "../api.js";
import { formatTime } from "../format.js";
import { useI18n } from "../i18n.js";
import { useApi } from "../useApi.js";

/**
 * The node's health in the header: a dot and `OK` / `Degraded` (reasons on hover), opening a small
 * panel with the reasons, the anchoring backlog, the index lag and the job queue. Polls every 30 s.
 */
export function NodeStatus() {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState(false);
  const { data, error } = useApi("/v1/status", (signal) => client.GET("/v1/status", { signal }), {
    refreshMs: 30_000,
  });
  const state = error ? "unknown" : (data?.status ?? "unknown");
  const label =
    state === "ok" ? t("statusOk") : state === "degraded" ? t("statusDegraded") : t("statusUnknown");
  const reasons = error ? [error.message] : (data?.reasons ?? []);
  const lastAnchor = data?.anchoring.regions
    .map((region) => region.lastAnchor?.at ?? 0)
    .reduce((a, b) => Math.max(a, b), 0);
  return (
    <div className="node-status">
      <button
        type="button"
        className={`on-dark node-status-${state}`}
        data-testid="node-status"
        data-status={state}
        title={reasons.length ? reasons.join("\n") : label}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <span className="dot" aria-hidden="true" /> {label}
      </button>
      {open && data && (
        <div className="node-status-panel" data-testid="node-status-panel">
          {reasons.length > 0 && (
            <ul>
              {reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
          <dl>
            <dt>{t("statusPendingBatches")}</dt>
            <dd>{data.anchoring.pendingBatches}</dd>
            <dt>{t("statusQuarantined")}</dt>
            <dd>{data.anchoring.quarantinedBatches}</dd>
            <dt>{t("statusUnanchored")}</dt>
            <dd>{data.anchoring.unanchoredReadings}</dd>
            <dt>{t("statusLastAnchor")}</dt>
            <dd>{lastAnchor ? formatTime(lastAnchor, lang) : "—"}</dd>
            <dt>{t("statusIndexLag")}</dt>
            <dd>{data.indexing.lag ?? "—"}</dd>
            <dt>{t("statusJobs")}</dt>
            <dd>
              {data.jobs.queued} / {data.jobs.running}
            </dd>
          </dl>
        </div>
      )}
    </div>
  );
}
