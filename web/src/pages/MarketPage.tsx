import { useEffect, useState } from "react";
import { client, query } from "../api.js";
import { ErrorBox } from "../components/ErrorBox.js";
import { formatEnergy, shortHex } from "../format.js";
import { useI18n } from "../i18n.js";
import { marketPath } from "../marketApi.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { StringKey } from "../strings.js";
import { formatDateTime } from "../time.js";
import { useApi } from "../useApi.js";
import { HistoryChart } from "./MarketCharts.js";
import { MarketMine } from "./MarketMine.js";
import { MarketOrderForm } from "./MarketOrderForm.js";
import { MarketSlotPanel } from "./MarketSlotPanel.js";

/** Hours of past slots the page lists, and hours ahead. */
const pastHours = 6;
const aheadHours = 2;

/** The current slot start, moving once a slot (so the slot list's path stays the same in between). */
function useSlotClock(slotSeconds: number): number {
  const slotOf = () => Math.floor(Date.now() / 1000 / slotSeconds) * slotSeconds;
  const [slot, setSlot] = useState(slotOf);
  // biome-ignore lint/correctness/useExhaustiveDependencies: slotOf only depends on slotSeconds
  useEffect(() => {
    setSlot(slotOf());
    const timer = setInterval(() => setSlot(slotOf()), 10_000);
    return () => clearInterval(timer);
  }, [slotSeconds]);
  return slot;
}

/**
 * The market page (`#/market?market=…&slot=…`): the market of a community (its tariffs and slots),
 * the clearing price and volume of the last hours, one slot's book depth, result and audit, the
 * order form of the signed-in prosumer and its own orders, trades and settlement statement.
 */
export function MarketPage({ params }: { params: URLSearchParams }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const markets = useApi("/v1/market/markets", (signal) => client.GET("/v1/market/markets", { signal }));
  const wanted = params.get("market")?.toLowerCase();
  const list = markets.data?.markets ?? [];
  const market = list.find((m) => m.market.toLowerCase() === wanted) ?? list[0];
  const slotSeconds = Number(market?.slotSeconds ?? 900) || 900;
  const current = useSlotClock(slotSeconds);
  const range = query({ from: current - pastHours * 3600, to: current + aheadHours * 3600 });
  const from = String(current - pastHours * 3600);
  const to = String(current + aheadHours * 3600);
  const slots = useApi(
    market ? marketPath(market.market, `/slots${range}`) : null,
    (signal) =>
      client.GET("/v1/market/markets/{market}/slots", {
        params: { path: { market: market?.market ?? "" }, query: { from, to } },
        signal,
      }),
    {
      refreshMs: 10_000,
    },
  );
  const me = useApi(
    session.account ? "/v1/market/me" : null,
    (signal) => client.GET("/v1/market/me", { signal }),
    {
      refreshMs: 10_000,
    },
  );
  const rows = slots.data?.slots ?? [];
  const closesBefore = Number(market?.gateClosureSeconds ?? 300);
  // The next slots still open by this browser's clock (the list has only slots with orders).
  const nowSeconds = Math.floor(Date.now() / 1000);
  const firstOpen = Math.floor((nowSeconds + closesBefore) / slotSeconds + 1) * slotSeconds;
  const upcoming = [0, 1, 2, 3].map((k) => String(firstOpen + k * slotSeconds));
  const slot = params.get("slot") ?? rows.find((s) => s.status === "open")?.slot ?? upcoming[0]!;
  const book = useApi(
    market ? marketPath(market.market, `/slots/${slot}/book`) : null,
    (signal) =>
      client.GET("/v1/market/markets/{market}/slots/{slot}/book", {
        params: { path: { market: market?.market ?? "", slot } },
        signal,
      }),
    {
      refreshMs: 5_000,
    },
  );
  const open = [
    ...new Set([
      ...rows.filter((s) => s.status === "open").map((s) => s.slot),
      ...(book.data?.status === "open" ? [slot] : []),
      ...upcoming,
    ]),
  ].sort((a, b) => Number(a) - Number(b));
  return (
    <section data-testid="market-page">
      <h1>{t("marketTitle")}</h1>
      <p className="muted">{t("marketIntro")}</p>
      <ErrorBox error={markets.error} />
      {markets.data && !market && (
        <p className="muted" data-testid="market-none">
          {t("marketNone")}
        </p>
      )}
      {market && (
        <>
          <div className="figures" data-testid="market-info" data-market={market.market}>
            <span>
              {t("marketCommunity")}: <code title={market.community}>{shortHex(market.community, 4)}</code>
            </span>
            <span>
              {t("marketTariffs")}: {market.retailPrice} / {market.feedInPrice} {t("marketPriceUnit")}
            </span>
            <span>
              {t("marketSlotLength")}: {t("minutes", { n: slotSeconds / 60 })}
            </span>
            <span>{t("marketGateClosure", { minutes: closesBefore / 60 })}</span>
            <span>
              {t("marketRewardRate")}: {market.rewardRate}
            </span>
          </div>
          <MarketSlotPanel key={`${market.market}/${slot}`} market={market} slot={slot} book={book} />
          <MarketOrderForm
            market={market}
            openSlots={open}
            selected={slot}
            onPlaced={() => {
              slots.reload();
              me.reload();
            }}
          />
          <MarketMine me={me} />
          <section className="panel">
            <h2>{t("marketSlots")}</h2>
            <HistoryChart slots={rows} />
            <ErrorBox error={slots.error} />
            <div className="table-wrap">
              <table data-testid="market-slots">
                <thead>
                  <tr>
                    <th>{t("marketSlot")}</th>
                    <th>{t("colStatus")}</th>
                    <th>{t("marketPrice")}</th>
                    <th>{t("marketVolume")}</th>
                    <th>{t("marketOrders")}</th>
                    <th>{t("marketTrades")}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...rows].reverse().map((s) => (
                    <tr
                      key={s.slot}
                      data-testid="market-slot-row"
                      data-slot={s.slot}
                      data-status={s.status}
                      className={s.slot === slot ? "selected" : undefined}
                    >
                      <td>
                        <a href={href("/market", { market: market.market, slot: s.slot })}>
                          {formatDateTime(Number(s.slot), lang)}
                        </a>
                      </td>
                      <td>{t(`marketSlotStatus_${s.status}` as StringKey)}</td>
                      <td>{s.price ?? "—"}</td>
                      <td>{formatEnergy(s.volumeWh, lang)}</td>
                      <td>{s.orderCount}</td>
                      <td>{s.tradeCount}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </section>
  );
}
