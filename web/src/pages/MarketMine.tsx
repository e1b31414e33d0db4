import { formatEnergy, formatNumber, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import type { MarketMe } from "../marketApi.js";
import { meterProofLink } from "../marketView.js";
import { href } from "../router.js";
import type { StringKey } from "../strings.js";
import { formatDateTime } from "../time.js";
import type { ApiState } from "../useApi.js";

/**
 * The signed-in account's part of the market (`GET /v1/market/me`): its escrow, its orders, its
 * trades, and its settlement statement, each line with its meter proofs.
 */
export function MarketMine({ me }: { me: ApiState<MarketMe> }) {
  const { t, lang } = useI18n();
  const data = me.data;
  if (!data) return null;
  const money = (fen: string) => `${formatNumber(Number(fen), lang, 0)} ${t("marketMoneyUnit")}`;
  const statusLabel = (status: string) => t(`marketOrderStatus_${status}` as StringKey);
  return (
    <section className="panel" data-testid="market-mine">
      <h2>{t("marketMine")}</h2>
      <div className="figures" data-testid="market-escrow">
        <span>
          {t("marketEscrow")} — {t("marketBalance")}: <strong>{money(data.escrow.balance)}</strong>
        </span>
        <span>
          {t("marketLocked")}: {money(data.escrow.locked)}
        </span>
        <span>
          {t("marketAvailable")}: {money(data.escrow.available)}
        </span>
      </div>
      <h3>{t("marketMyOrders")}</h3>
      {data.orders.length === 0 ? (
        <p className="muted">{t("marketNoOrders")}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="market-my-orders">
            <thead>
              <tr>
                <th>{t("marketSlot")}</th>
                <th>{t("marketSide")}</th>
                <th>{t("marketDevice")}</th>
                <th>{t("marketEnergy")}</th>
                <th>{t("marketLimitPrice")}</th>
                <th>{t("colStatus")}</th>
              </tr>
            </thead>
            <tbody>
              {data.orders.slice(0, 50).map((o) => (
                <tr
                  key={o.digest}
                  data-testid="market-my-order"
                  data-digest={o.digest}
                  data-status={o.status}
                >
                  <td>
                    <a href={href("/market", { market: o.order.market, slot: o.order.slot })}>
                      {formatDateTime(Number(o.order.slot), lang)}
                    </a>
                  </td>
                  <td>{o.order.side === "buy" ? t("marketBuy") : t("marketSell")}</td>
                  <td>
                    <code title={o.order.device}>{shortHex(o.order.device, 4)}</code>
                  </td>
                  <td>{formatEnergy(o.order.energyWh, lang)}</td>
                  <td>{o.order.limitPrice}</td>
                  <td title={o.reason}>{statusLabel(o.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>{t("marketMyTrades")}</h3>
      {data.trades.length === 0 ? (
        <p className="muted">{t("marketNoTrades")}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="market-my-trades">
            <thead>
              <tr>
                <th>{t("marketSlot")}</th>
                <th>{t("marketEnergy")}</th>
                <th>{t("marketPrice")}</th>
              </tr>
            </thead>
            <tbody>
              {data.trades.slice(0, 50).map((trade) => (
                <tr key={`${trade.slot}/${trade.buy}/${trade.sell}`}>
                  <td>{formatDateTime(Number(trade.slot), lang)}</td>
                  <td>{formatEnergy(trade.energyWh, lang)}</td>
                  <td>
                    {trade.price} {t("marketPriceUnit")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>{t("marketStatement")}</h3>
      {data.statement.length === 0 ? (
        <p className="muted">{t("marketNoStatement")}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="market-statement">
            <thead>
              <tr>
                <th>{t("marketSlot")}</th>
                <th>{t("marketDevice")}</th>
                <th>{t("marketTraded")}</th>
                <th>{t("marketMetered")}</th>
                <th>{t("marketDelivered")}</th>
                <th>{t("marketTradeValue")}</th>
                <th>{t("marketGridValue")}</th>
                <th>{t("marketReward")}</th>
                <th>{t("marketMeterProof")}</th>
              </tr>
            </thead>
            <tbody>
              {data.statement.slice(0, 50).map(({ slot, line, meterProofs, settlementRoot }) => (
                <tr key={`${slot}/${line.device}/${line.side}`} data-testid="market-statement-line">
                  <td title={settlementRoot ? t("marketSettledAs", { root: settlementRoot }) : undefined}>
                    {formatDateTime(Number(slot), lang)}
                  </td>
                  <td>
                    <code title={line.device}>{shortHex(line.device, 4)}</code>{" "}
                    {line.side === 0 ? t("marketBuy") : t("marketSell")}
                  </td>
                  <td>{formatEnergy(line.tradedWh, lang)}</td>
                  <td>{formatEnergy(line.meteredWh, lang)}</td>
                  <td>{formatEnergy(line.deliveredWh, lang)}</td>
                  <td>{money(line.tradeValue)}</td>
                  <td>{money(line.gridValue)}</td>
                  <td>{formatEnergy(line.rewardWh, lang)}</td>
                  <td>
                    {meterProofs.map((path, i) => (
                      <a key={path} href={meterProofLink(path)} data-testid="market-meter-proof">
                        {t("colProof")} {meterProofs.length > 1 ? i + 1 : ""}
                      </a>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
