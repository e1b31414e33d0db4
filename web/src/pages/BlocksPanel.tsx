import { client } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { formatNumber, formatTime, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { useApi } from "../useApi.js";

/** The latest blocks and their transactions, with the contract and function each one called. */
export function BlocksPanel() {
  const { t, lang } = useI18n();
  const blocks = useApi(
    "/v1/chain/blocks?limit=15",
    (signal) => client.GET("/v1/chain/blocks", { params: { query: { limit: 15 } }, signal }),
    { refreshMs: 10_000 },
  );
  return (
    <section className="panel">
      <div className="row spread">
        <h2>{t("blocksTitle")}</h2>
        <button type="button" onClick={blocks.reload}>
          {t("refresh")}
        </button>
      </div>
      <ErrorBox error={blocks.error} />
      {blocks.data && (
        <div className="table-wrap">
          <table data-testid="blocks-table">
            <thead>
              <tr>
                <th>{t("colBlock")}</th>
                <th>{t("colTime")}</th>
                <th>{t("colGasUsed")}</th>
                <th>{t("colTx")}</th>
                <th>{t("colFrom")}</th>
                <th>{t("colContract")}</th>
                <th>{t("colMethod")}</th>
              </tr>
            </thead>
            <tbody>
              {blocks.data.blocks.flatMap((block) =>
                (block.transactions.length ? block.transactions : [undefined]).map((tx, i) => (
                  <tr key={`${block.number}:${tx?.hash ?? "none"}`}>
                    {i === 0 && (
                      <>
                        <td rowSpan={Math.max(1, block.transactions.length)}>
                          <span title={block.hash}>#{block.number}</span>
                        </td>
                        <td rowSpan={Math.max(1, block.transactions.length)}>
                          {formatTime(block.timestamp, lang)}
                        </td>
                        <td rowSpan={Math.max(1, block.transactions.length)} data-testid="block-gas">
                          {formatNumber(Number(block.gasUsed), lang, 0)}
                        </td>
                      </>
                    )}
                    <td>
                      <code title={tx?.hash}>{shortHex(tx?.hash)}</code>
                    </td>
                    <td>
                      <code title={tx?.from}>{shortHex(tx?.from, 4)}</code>
                    </td>
                    <td>{tx?.contract ?? (tx ? <code>{shortHex(tx.to, 4)}</code> : "—")}</td>
                    <td>{tx?.created ? t("deployed") : (tx?.method ?? "—")}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
