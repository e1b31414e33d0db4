import { useState } from "react";
import type { AlertDetail } from "../api.js";
import { formatQuantity, formatTime, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";
import type { StringKey } from "../strings.js";
import { checkProof, type ProofCheckResult, VerificationResult } from "./ProofCheck.js";

/**
 * The readings behind an alert as a table: device and seq, the interval in the node's zone, import
 * and export with the commodity's unit, proof status, a button that verifies the proof here and a
 * link to verify it in the explorer. The alert's raw evidence (JSON) is behind a toggle below.
 */
export function EvidenceTable({
  readings,
  evidence,
}: {
  readings: AlertDetail["readings"];
  evidence: unknown;
}) {
  const { t, lang } = useI18n();
  const [checks, setChecks] = useState<Record<string, ProofCheckResult>>({});
  return (
    <>
      {readings.length === 0 && <p className="muted">{t("noData")}</p>}
      {readings.length > 0 && (
        <div className="table-wrap">
          <table data-testid="evidence-readings">
            <thead>
              <tr>
                <th>{t("colDevice")}</th>
                <th>{t("seq")}</th>
                <th>{t("colInterval")}</th>
                <th>{t("colImport")}</th>
                <th>{t("colExport")}</th>
                <th>{t("colProof")}</th>
                <th>{t("colVerify")}</th>
              </tr>
            </thead>
            <tbody>
              {readings.map((r) => {
                const key = `${r.deviceId}:${r.seq}`;
                const check = checks[key];
                const reading = r.reading;
                const commodity = String(reading?.commodity ?? "electricity");
                return (
                  <tr key={key} data-testid="evidence-row">
                    <td>
                      <code title={r.deviceId}>{shortHex(r.deviceId)}</code>
                    </td>
                    <td>{r.seq}</td>
                    <td data-testid="evidence-interval">
                      {reading ? formatTime(Number(reading.intervalStart), lang) : "—"}
                    </td>
                    <td data-testid="evidence-import">
                      {reading ? formatQuantity(String(reading.importDelta), commodity, lang) : "—"}
                    </td>
                    <td>{reading ? formatQuantity(String(reading.exportDelta), commodity, lang) : "—"}</td>
                    <td>{t(`proofStatus_${r.proofStatus}` as StringKey)}</td>
                    <td>
                      <span className="row">
                        {r.proof && !check && (
                          <button
                            type="button"
                            data-testid="evidence-verify"
                            onClick={async () => {
                              const result = await checkProof(r.proof!);
                              setChecks((old) => ({ ...old, [key]: result }));
                            }}
                          >
                            {t("lookUp")}
                          </button>
                        )}
                        <a href={href("/explorer", { device: r.deviceId.replace(/^0x/, ""), seq: r.seq })}>
                          {t("verifyInExplorer")}
                        </a>
                      </span>
                      {check && <VerificationResult result={check} />}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <details data-testid="raw-evidence">
        <summary>{t("rawEvidence")}</summary>
        <pre className="evidence">{JSON.stringify(evidence, null, 2)}</pre>
      </details>
    </>
  );
}
