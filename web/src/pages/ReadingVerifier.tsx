import { type FormEvent, useEffect, useState } from "react";
import { ApiError, answer, client, type StoredReading } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import {
  checkProof,
  type ProofCheckResult,
  ProofDetails,
  VerificationResult,
} from "../components/ProofCheck.js";
import { useI18n } from "../i18n.js";
import { href } from "../router.js";

type Outcome =
  | { kind: "checked"; result: ProofCheckResult; receivedAt?: string | undefined }
  | { kind: "not-anchored"; error: ApiError; stored: StoredReading }
  | { kind: "error"; error: ApiError | Error };

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * Looks a reading up (device id and seq), shows it with its Merkle proof and the root anchored on
 * chain, and verifies the proof in the browser; or verifies a pasted proof, e.g. one altered on purpose.
 */
export function ReadingVerifier({ device, seq }: { device: string; seq: string }) {
  const { t } = useI18n();
  const [deviceId, setDeviceId] = useState(device);
  const [seqText, setSeqText] = useState(seq);
  const [pasted, setPasted] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  const lookUp = async (id: string, n: string) => {
    setBusy(true);
    setOutcome(undefined);
    const params = { path: { deviceId: id.trim(), seq: n.trim() } };
    try {
      const stored = answer(await client.GET("/v1/readings/{deviceId}/{seq}", { params }));
      try {
        const proof = answer(await client.GET("/v1/readings/{deviceId}/{seq}/proof", { params }));
        setOutcome({ kind: "checked", result: await checkProof(proof), receivedAt: stored.receivedAt });
      } catch (error) {
        if (error instanceof ApiError && error.code === "READING_NOT_ANCHORED") {
          setOutcome({ kind: "not-anchored", error, stored });
        } else throw error;
      }
    } catch (error) {
      setOutcome({ kind: "error", error: asError(error) });
    } finally {
      setBusy(false);
    }
  };

  // A link from an alert's evidence (#/explorer?device=…&seq=…) looks the reading up at once.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the link changes
  useEffect(() => {
    setDeviceId(device);
    setSeqText(seq);
    if (device && seq) void lookUp(device, seq);
  }, [device, seq]);

  const submitLookup = (event: FormEvent) => {
    event.preventDefault();
    if (device === deviceId.trim() && seq === seqText.trim()) void lookUp(deviceId, seqText);
    else window.location.hash = href("/explorer", { device: deviceId.trim(), seq: seqText.trim() });
  };

  const submitPasted = async (event: FormEvent) => {
    event.preventDefault();
    let proof: unknown;
    try {
      proof = JSON.parse(pasted);
    } catch (error) {
      setOutcome({
        kind: "error",
        error: new Error(t("invalidJson", { message: (error as Error).message })),
      });
      return;
    }
    setBusy(true);
    try {
      setOutcome({ kind: "checked", result: await checkProof((proof ?? {}) as Record<string, unknown>) });
    } catch (error) {
      setOutcome({ kind: "error", error: asError(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" data-testid="reading-verifier">
      <h2>{t("lookupTitle")}</h2>
      <p className="muted">{t("lookupHelp")}</p>
      <form className="filters" onSubmit={submitLookup}>
        <label className="grow">
          {t("deviceId")}
          <input
            name="deviceId"
            value={deviceId}
            onChange={(e) => setDeviceId(e.target.value)}
            spellCheck={false}
            required
            data-testid="lookup-device"
          />
        </label>
        <label>
          {t("seq")}
          <input
            name="seq"
            value={seqText}
            onChange={(e) => setSeqText(e.target.value)}
            inputMode="numeric"
            required
            data-testid="lookup-seq"
          />
        </label>
        <button type="submit" className="primary" disabled={busy} data-testid="lookup-submit">
          {t("lookUp")}
        </button>
      </form>
      <details>
        <summary>{t("pasteTitle")}</summary>
        <p className="muted">{t("pasteHelp")}</p>
        <form onSubmit={submitPasted}>
          <textarea
            rows={8}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            spellCheck={false}
            data-testid="proof-json"
          />
          <button
            type="submit"
            className="primary"
            disabled={busy || !pasted.trim()}
            data-testid="verify-pasted"
          >
            {t("verifyPasted")}
          </button>
        </form>
      </details>
      {busy && <p className="muted">{t("loading")}</p>}
      {outcome?.kind === "error" && <ErrorBox error={outcome.error} />}
      {outcome?.kind === "not-anchored" && (
        <div data-testid="not-anchored">
          <p className="warn">{t("notAnchoredYet")}</p>
          <ErrorBox error={outcome.error} />
        </div>
      )}
      {outcome?.kind === "checked" && (
        <>
          <VerificationResult result={outcome.result} />
          <ProofDetails result={outcome.result} receivedAt={outcome.receivedAt} />
        </>
      )}
    </section>
  );
}
