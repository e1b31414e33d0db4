import { useState } from "react";
import { ApiError, answer, client } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { formatEnergy, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { type Book, type MarketInfo, marketPath, type SlotAudit, type SlotResult } from "../marketApi.js";
import type { StringKey } from "../strings.js";
import { formatDateTime } from "../time.js";
import { type ApiState, useApi } from "../useApi.js";
import { DepthChart } from "./MarketCharts.js";

/**
 * One slot: its status and gate closure, the depth of its book while open, its clearing result once
 * cleared (roots, transactions), and the audit button with a clear verified / not verified verdict.
 */
export function MarketSlotPanel({
  market,
  slot,
  book,
}: {
  market: MarketInfo;
  slot: string;
  book: ApiState<Book>;
}) {
  const { t, lang } = useI18n();
  const status = book.data?.status;
  const cleared = status === "cleared" || status === "settled";
  const result = useApi(
    cleared ? marketPath(market.market, `/slots/${slot}/result`) : null,
    (signal) =>
      client.GET("/v1/market/markets/{market}/slots/{slot}/result", {
        params: { path: { market: market.market, slot } },
        signal,
      }),
    {
      refreshMs: 10_000,
    },
  );
  return (
    <section className="panel" data-testid="market-slot" data-slot={slot} data-status={status ?? ""}>
      <h2>
        {t("marketSlot")} {formatDateTime(Number(slot), lang)}{" "}
        {status && (
          <span className="badge" data-testid="market-slot-status">
            {t(`marketSlotStatus_${status}` as StringKey)}
          </span>
        )}
      </h2>
      {book.data && (
        <p className="muted">
          {t("marketClosesAt")} {formatDateTime(Number(book.data.closesAt), lang)}
        </p>
      )}
      <ErrorBox error={book.error} />
      {book.data && !cleared && <DepthChart book={book.data} />}
      {book.data && !cleared && <p className="muted small">{t("marketDepthNote")}</p>}
      {status && !cleared && status !== "open" && <p className="muted">{t("marketNotCleared")}</p>}
      {cleared && <ResultView result={result.data} error={result.error} />}
      {cleared && <AuditButton market={market} slot={slot} />}
    </section>
  );
}

function ResultView({ result, error }: { result: SlotResult | undefined; error: ApiError | undefined }) {
  const { t, lang } = useI18n();
  if (error) return <ErrorBox error={error} />;
  if (!result) return <p className="muted">{t("loading")}</p>;
  const row = (label: StringKey, value: string | null | undefined, testId?: string) => (
    <tr>
      <th>{t(label)}</th>
      <td data-testid={testId}>
        <code title={value ?? undefined}>{value ? shortHex(value, 10) : "—"}</code>
      </td>
    </tr>
  );
  return (
    <div className="table-wrap" data-testid="market-result">
      <h3>{t("marketResult")}</h3>
      <table>
        <tbody>
          <tr>
            <th>{t("marketPrice")}</th>
            <td data-testid="market-result-price">
              {result.price === null ? t("marketNoPrice") : `${result.price} ${t("marketPriceUnit")}`}
            </td>
          </tr>
          <tr>
            <th>{t("marketVolume")}</th>
            <td data-testid="market-result-volume">{formatEnergy(result.volumeWh, lang)}</td>
          </tr>
          <tr>
            <th>{t("marketTrades")}</th>
            <td>{result.trades.length}</td>
          </tr>
          <tr>
            <th>{t("marketMechanism")}</th>
            <td>
              {result.mechanism} / {result.rule}
            </td>
          </tr>
          {row("marketOrdersRoot", result.ordersRoot)}
          {row("marketTradesRoot", result.tradesRoot)}
          {row("marketClearTx", result.clearTx)}
          {row("marketSettlementRoot", result.settlementRoot, "market-settlement-root")}
          {row("marketSettleTx", result.settleTx)}
        </tbody>
      </table>
    </div>
  );
}

/** Runs `GET …/audit` on demand and shows the verdict and each check. */
function AuditButton({ market, slot }: { market: MarketInfo; slot: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [audit, setAudit] = useState<SlotAudit>();
  const [error, setError] = useState<ApiError>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setAudit(
        answer(
          await client.GET("/v1/market/markets/{market}/slots/{slot}/audit", {
            params: { path: { market: market.market, slot } },
          }),
        ),
      );
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, "CLIENT", String(caught)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={run} data-testid="market-audit">
          {busy ? t("marketAuditing") : t("marketAudit")}
        </button>
        <span className="muted small">{t("marketAuditHelp")}</span>
      </div>
      <ErrorBox error={error} />
      {audit && (
        <div data-testid="market-audit-result" data-verified={String(audit.verified)}>
          <p className={`verdict ${audit.verified ? "ok" : "bad"}`} role="status">
            {audit.verified ? `✔ ${t("marketVerified")}` : `✘ ${t("marketNotVerified")}`}
          </p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t("marketCheck")}</th>
                  <th />
                  <th>{t("marketExpected")}</th>
                  <th>{t("marketActual")}</th>
                </tr>
              </thead>
              <tbody>
                {audit.checks.map((check) => (
                  <tr key={check.name}>
                    <td>{check.name}</td>
                    <td className={check.ok ? "ok" : "bad"}>{check.ok ? "✔" : "✘"}</td>
                    <td>
                      <code title={check.expected}>{shortHex(check.expected, 10)}</code>
                    </td>
                    <td>
                      <code title={check.actual}>{shortHex(check.actual, 10)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
