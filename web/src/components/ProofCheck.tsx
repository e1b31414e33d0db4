import { ApiError, answer, client, type OnchainAnchor, present } from "../api.js";
import { formatTime, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import type { StringKey } from "../strings.js";
import { bytesToHex } from "../verify/hex.js";
import { encodeReadingJson } from "../verify/readingMessage.js";
import {
  browserDigest,
  type DeviceKeyInfo,
  type Verification,
  verifyReadingProof,
} from "../verify/verifyProof.js";
import { ErrorBox } from "./ErrorBox.js";
import { readingFieldView } from "./readingFields.js";

/** A proof checked in the browser, with what was fetched to check it. */
export type ProofCheckResult = {
  proof: Record<string, unknown>;
  anchor: OnchainAnchor | undefined;
  anchorError: ApiError | undefined;
  deviceError: ApiError | undefined;
  verification: Verification;
  implementation: string;
};

const asApiError = (error: unknown) =>
  error instanceof ApiError ? error : new ApiError(0, "CLIENT", String((error as Error)?.message ?? error));

/**
 * Checks a proof (JSON) in the browser: fetches the root the chain anchors for its batch
 * (GET /v1/anchors/onchain) and the device's registered key, then verifies everything with SHA-256
 * computed here (WebCrypto).
 */
export async function checkProof(proof: Record<string, unknown>): Promise<ProofCheckResult> {
  const batch = (proof.batch ?? {}) as Record<string, unknown>;
  const reading = (proof.reading ?? {}) as Record<string, unknown>;
  let anchor: OnchainAnchor | undefined;
  let anchorError: ApiError | undefined;
  let device: DeviceKeyInfo | undefined;
  let deviceError: ApiError | undefined;
  await Promise.all([
    client
      .GET("/v1/anchors/onchain", {
        params: {
          // A proof without its batch's region asks for none: the node refuses it (REQUEST_INVALID).
          query: present({
            region: String(batch.region ?? ""),
            commodity: Number(batch.commodity),
            intervalStart: Number(batch.intervalStart),
            part: Number(batch.part ?? 0),
          }),
        },
      })
      .then(
        (result) => {
          anchor = answer(result);
        },
        (error) => {
          anchorError = asApiError(error);
        },
      ),
    client
      .GET("/v1/devices/{deviceId}", { params: { path: { deviceId: String(reading.deviceId ?? "") } } })
      .then(
        (result) => {
          device = answer(result);
        },
        (error) => {
          deviceError = asApiError(error);
        },
      ),
  ]);
  const { digest, implementation } = browserDigest();
  const verification = await verifyReadingProof({ proof, anchor, device, digest });
  return { proof, anchor, anchorError, deviceError, verification, implementation };
}

/** The verdict (verified / not verified, with the reason) and every check behind it. */
export function VerificationResult({ result }: { result: ProofCheckResult }) {
  const { t } = useI18n();
  const { verification } = result;
  const checkText = (id: string, ok: boolean, detail?: string) =>
    t(`check_${id}_${ok ? "ok" : "fail"}` as StringKey, { detail: detail ?? "" });
  const failed = verification.checks.find((check) => !check.ok);
  const reason = verification.malformed
    ? t("malformedProof", { message: verification.malformed })
    : failed && checkText(failed.id, false, failed.detail);
  return (
    <div
      className={verification.verified ? "verdict ok" : "verdict bad"}
      data-testid="verification"
      data-verified={verification.verified ? "true" : "false"}
      role="status"
    >
      <div className="verdict-title">{verification.verified ? t("verified") : t("notVerified")}</div>
      <div>
        {verification.verified ? t("verifiedExplain") : t("notVerifiedReason", { reason: reason ?? "" })}
      </div>
      {verification.checks.length > 0 && (
        <ul className="checks">
          {verification.checks.map((check) => (
            <li
              key={check.id}
              className={check.ok ? "ok" : "bad"}
              data-testid={`check-${check.id}`}
              data-ok={check.ok}
            >
              <span aria-hidden="true">{check.ok ? "✓" : "✗"}</span>{" "}
              {checkText(check.id, check.ok, check.detail)}
              {check.detail && (check.id === "leaf" || check.id === "path" || check.id === "chainRoot") && (
                <div className="hash" title={t("computed")}>
                  {check.detail}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="muted small">{t("hashWith", { impl: result.implementation })}</div>
      <ErrorBox error={result.anchorError} />
      <ErrorBox error={result.deviceError} />
    </div>
  );
}

/** The reading, its proof and the chain's anchor, side by side. */
export function ProofDetails({
  result,
  receivedAt,
}: {
  result: ProofCheckResult;
  receivedAt?: string | undefined;
}) {
  const { t, lang, has } = useI18n();
  const proof = result.proof as {
    reading?: Record<string, unknown>;
    leafHash?: string;
    leafIndex?: number;
    treeSize?: number;
    auditPath?: unknown[];
    root?: string;
    anchor?: { contract?: string; txHash?: string; blockNumber?: number };
  };
  let message = "—";
  try {
    message = bytesToHex(encodeReadingJson(proof.reading));
  } catch (error) {
    message = (error as Error).message;
  }
  const anchor = result.anchor;
  return (
    <div className="columns">
      <div>
        <h3>{t("reading")}</h3>
        <dl className="fields" data-testid="reading-fields">
          {Object.entries(proof.reading ?? {}).map(([key, value]) => {
            const view = readingFieldView(key, value, proof.reading, lang, t, has);
            return (
              <div key={key} data-field={key}>
                <dt title={key}>{view.label}</dt>
                <dd className={view.value === String(value) ? "hash" : undefined} title={String(value)}>
                  {view.value}
                </dd>
              </div>
            );
          })}
          {receivedAt && (
            <div>
              <dt>{t("receivedAt")}</dt>
              <dd>{formatTime(receivedAt, lang)}</dd>
            </div>
          )}
          <div>
            <dt>{t("message90")}</dt>
            <dd className="hash">{message}</dd>
          </div>
        </dl>
      </div>
      <div>
        <h3>{t("proof")}</h3>
        <dl className="fields" data-testid="proof-fields">
          <div>
            <dt>{t("leafHash")}</dt>
            <dd className="hash">{String(proof.leafHash)}</dd>
          </div>
          <div>
            <dt>{t("leafIndex")}</dt>
            <dd>{String(proof.leafIndex)}</dd>
          </div>
          <div>
            <dt>{t("treeSize")}</dt>
            <dd>{String(proof.treeSize)}</dd>
          </div>
          <div>
            <dt>{t("auditPath")}</dt>
            <dd>
              <ol className="hash">
                {(proof.auditPath ?? []).map((step, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the path's order is its meaning
                  <li key={i}>{String(step)}</li>
                ))}
              </ol>
            </dd>
          </div>
          <div>
            <dt>{t("proofRoot")}</dt>
            <dd className="hash" data-testid="proof-root">
              {String(proof.root)}
            </dd>
          </div>
        </dl>
        <h3>{t("onChainRoot")}</h3>
        <dl className="fields" data-testid="chain-fields">
          <div>
            <dt>{t("onChainRoot")}</dt>
            <dd className="hash" data-testid="chain-root">
              {anchor ? (anchor.anchored ? anchor.root : t("onChainMissing")) : "—"}
            </dd>
          </div>
          <div>
            <dt>{t("onChainLeafCount")}</dt>
            <dd>{anchor?.anchored ? anchor.leafCount : "—"}</dd>
          </div>
          <div>
            <dt>{t("anchoredAt")}</dt>
            <dd>{formatTime(anchor?.anchoredAt ?? null, lang)}</dd>
          </div>
          <div>
            <dt>{t("contract")}</dt>
            <dd className="hash">{anchor?.contract ?? proof.anchor?.contract ?? "—"}</dd>
          </div>
          <div>
            <dt>{t("anchorTx")}</dt>
            <dd className="hash" title={proof.anchor?.txHash}>
              {shortHex(proof.anchor?.txHash, 10)}
              {proof.anchor?.blockNumber !== undefined && ` (#${proof.anchor.blockNumber})`}
            </dd>
          </div>
        </dl>
      </div>
    </div>
  );
}
