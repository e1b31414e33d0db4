import { useState } from "react";
import { ApiError, api, type Batch, type OnchainAnchor, query, type Region } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { formatEnergy, formatTime, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { useApi } from "../useApi.js";

const pageSize = 20;
const commodityNames: Record<number, string> = { 1: "electricity", 2: "gas", 3: "heat", 4: "water" };

const unixOf = (date: string, endOfDay: boolean) =>
  /^\d{4}-\d{2}-\d{2}$/.test(date)
    ? new Date(`${date}T00:00:00`).getTime() / 1000 + (endOfDay ? 86_400 : 0)
    : undefined;

/** Batches anchored per region and interval, each with a button that reads its root back from the chain. */
export function AnchorsPanel() {
  const { t, lang } = useI18n();
  const [region, setRegion] = useState("");
  // The node lists batches oldest first: start at today so the newest intervals are at hand.
  const [from, setFrom] = useState(() => new Date().toLocaleDateString("sv"));
  const [to, setTo] = useState("");
  const [offset, setOffset] = useState(0);
  const regions = useApi<{ regions: Region[] }>("/v1/regions");
  const batches = useApi<{ batches: Batch[] }>(
    `/v1/anchors${query({ region, from: unixOf(from, false), to: unixOf(to, true), limit: pageSize, offset })}`,
    { refreshMs: 10_000 },
  );
  const [onchain, setOnchain] = useState<Record<string, OnchainAnchor | ApiError>>({});
  const keyOf = (b: Batch) => `${b.regionId}:${b.commodity}:${b.intervalStart}:${b.part}`;
  const readOnChain = async (b: Batch) => {
    try {
      const answer = await api<OnchainAnchor>(
        `/v1/anchors/onchain${query({ region: b.region, commodity: b.commodity, intervalStart: b.intervalStart, part: b.part })}`,
      );
      setOnchain((old) => ({ ...old, [keyOf(b)]: answer }));
    } catch (error) {
      setOnchain((old) => ({
        ...old,
        [keyOf(b)]: error instanceof ApiError ? error : new ApiError(0, "CLIENT", String(error)),
      }));
    }
  };
  return (
    <section className="panel">
      <h2>{t("anchorsTitle")}</h2>
      <div className="filters">
        <label>
          {t("filterRegion")}
          <select
            value={region}
            onChange={(e) => {
              setRegion(e.target.value);
              setOffset(0);
            }}
            data-testid="anchors-region"
          >
            <option value="">{t("any")}</option>
            {regions.data?.regions.map((r) => (
              <option key={r.code} value={r.code}>
                {lang === "zh" ? r.nameZh : r.nameEn} ({r.code})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filterFrom")}
          <input
            type="date"
            data-testid="anchors-from"
            value={from}
            onChange={(e) => {
              setFrom(e.target.value);
              setOffset(0);
            }}
          />
        </label>
        <label>
          {t("filterTo")}
          <input
            type="date"
            value={to}
            onChange={(e) => {
              setTo(e.target.value);
              setOffset(0);
            }}
          />
        </label>
      </div>
      <ErrorBox error={batches.error} />
      {batches.data?.batches.length === 0 && <p className="muted">{t("noAnchors")}</p>}
      {batches.data && batches.data.batches.length > 0 && (
        <div className="table-wrap">
          <table data-testid="anchors-table">
            <thead>
              <tr>
                <th>{t("colRegion")}</th>
                <th>{t("colInterval")}</th>
                <th>{t("colCommodity")}</th>
                <th>{t("colPart")}</th>
                <th>{t("colLeaves")}</th>
                <th>{t("colImport")}</th>
                <th>{t("colExport")}</th>
                <th>{t("colRoot")}</th>
                <th>{t("colAnchorStatus")}</th>
                <th>{t("colTx")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {batches.data.batches.map((b) => {
                const chain = onchain[keyOf(b)];
                return (
                  <tr key={keyOf(b)}>
                    <td>{b.region ?? shortHex(b.regionId)}</td>
                    <td>{formatTime(b.intervalStart, lang)}</td>
                    <td>{commodityNames[b.commodity] ?? b.commodity}</td>
                    <td>{b.part}</td>
                    <td>{b.leafCount}</td>
                    <td>{b.commodity === 1 ? formatEnergy(b.importTotal, lang) : b.importTotal}</td>
                    <td>{b.commodity === 1 ? formatEnergy(b.exportTotal, lang) : b.exportTotal}</td>
                    <td>
                      <code title={b.root}>{shortHex(b.root)}</code>
                    </td>
                    <td>{b.status}</td>
                    <td>
                      <code title={b.txHash ?? undefined}>{shortHex(b.txHash)}</code>
                      {b.blockNumber !== null && ` #${b.blockNumber}`}
                    </td>
                    <td>
                      {chain === undefined ? (
                        <button type="button" onClick={() => void readOnChain(b)} disabled={!b.region}>
                          {t("checkOnChain")}
                        </button>
                      ) : chain instanceof ApiError ? (
                        <ErrorBox error={chain} />
                      ) : !chain.anchored ? (
                        t("onChainMissing")
                      ) : chain.root === b.root.toLowerCase() ? (
                        <span className="ok">{t("onChainMatches")}</span>
                      ) : (
                        <span className="bad">{t("onChainDiffers")}</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className="row">
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - pageSize))}
        >
          {t("previous")}
        </button>
        <button
          type="button"
          disabled={(batches.data?.batches.length ?? 0) < pageSize}
          onClick={() => setOffset(offset + pageSize)}
        >
          {t("next")}
        </button>
      </div>
    </section>
  );
}
