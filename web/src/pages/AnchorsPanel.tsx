import { useState } from "react";
import { ApiError, answer, type Batch, client, type OnchainAnchor, present, query } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { formatQuantity, formatTime, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import type { StringKey } from "../strings.js";
import { dateInputToUnix, zoneLabel } from "../time.js";
import { useApi } from "../useApi.js";

const pageSize = 20;
const commodityNames: Record<number, string> = { 1: "electricity", 2: "gas", 3: "heat", 4: "water" };

/** Batches anchored per region and interval, each with a button that reads its root back from the chain. */
export function AnchorsPanel() {
  const { t, lang, zone, has } = useI18n();
  const [region, setRegion] = useState("");
  // No date by default and newest first: the latest anchored intervals are always on the first page
  // (a "today" default hid yesterday's intervals, which the demo anchors during its first minutes).
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [offset, setOffset] = useState(0);
  const regions = useApi("/v1/regions", (signal) => client.GET("/v1/regions", { signal }));
  const batchQuery = present({
    region,
    from: dateInputToUnix(from, false, zone),
    to: dateInputToUnix(to, true, zone),
    limit: pageSize,
    offset,
    order: "desc" as const,
  });
  const batches = useApi(
    `/v1/anchors${query(batchQuery)}`,
    (signal) => client.GET("/v1/anchors", { params: { query: batchQuery }, signal }),
    { refreshMs: 10_000 },
  );
  const [onchain, setOnchain] = useState<Record<string, OnchainAnchor | ApiError>>({});
  const label = (key: string, fallback: string) => (has(key) ? t(key as StringKey) : fallback);
  const keyOf = (b: Batch) => `${b.regionId}:${b.commodity}:${b.intervalStart}:${b.part}`;
  const readOnChain = async (b: Batch) => {
    try {
      const anchor = answer(
        await client.GET("/v1/anchors/onchain", {
          params: {
            query: {
              region: b.region ?? b.regionId,
              commodity: b.commodity,
              intervalStart: b.intervalStart,
              part: b.part,
            },
          },
        }),
      );
      setOnchain((old) => ({ ...old, [keyOf(b)]: anchor }));
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
      <p className="muted">{t("anchorsNewestFirst")}</p>
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
          {zoneLabel(lang, zone)}
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
          {zoneLabel(lang, zone)}
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
                    <td data-testid="anchor-interval">{formatTime(b.intervalStart, lang)}</td>
                    <td>{label(`commodity_${commodityNames[b.commodity]}`, String(b.commodity))}</td>
                    <td>{b.part}</td>
                    <td>{b.leafCount}</td>
                    <td data-testid="anchor-import">{formatQuantity(b.importTotal, b.commodity, lang)}</td>
                    <td>{formatQuantity(b.exportTotal, b.commodity, lang)}</td>
                    <td>
                      <code title={b.root}>{shortHex(b.root)}</code>
                    </td>
                    <td>{label(`batchStatus_${b.status}`, b.status)}</td>
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
