import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatEnergy, formatNumber } from "../format.js";
import { useI18n } from "../i18n.js";
import type { Book, SlotRow } from "../marketApi.js";
import { depthPoints } from "../marketView.js";
import { formatTick, zoneName } from "../time.js";

/** The depth chart of one slot's book: bids (buy) and offers (sell), cumulative Wh per price. */
export function DepthChart({ book }: { book: Book }) {
  const { t, lang } = useI18n();
  const data = depthPoints(book);
  if (data.length === 0) {
    return (
      <p className="muted" data-testid="market-book-empty">
        {t("marketBookEmpty")}
      </p>
    );
  }
  return (
    <figure className="chart" data-testid="market-depth">
      <figcaption>
        {t("marketDepth")} (Wh, {t("marketPriceUnit")})
      </figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="price" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} />
          <YAxis width={72} tickFormatter={(v: number) => formatNumber(v, lang, 0)} />
          <Tooltip
            labelFormatter={(label) => `${label} ${t("marketPriceUnit")}`}
            formatter={(v: unknown) => formatEnergy(Number(v), lang)}
          />
          <Legend />
          <Line
            type="stepBefore"
            dataKey="bids"
            name={t("marketBids")}
            stroke="#27ae60"
            isAnimationActive={false}
          />
          <Line
            type="stepAfter"
            dataKey="asks"
            name={t("marketAsks")}
            stroke="#c0392b"
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Clearing price (line) and traded volume (bars) of the slots that cleared. */
export function HistoryChart({ slots }: { slots: SlotRow[] }) {
  const { t, lang, zone } = useI18n();
  const data = slots
    .filter((s) => s.status === "cleared" || s.status === "settled")
    .map((s) => ({
      slot: Number(s.slot),
      price: s.price === null ? null : Number(s.price),
      volume: Number(s.volumeWh),
    }));
  if (data.length === 0) return null;
  const tick = (slot: number) => formatTick(slot, "hour", zone);
  return (
    <figure className="chart" data-testid="market-history">
      <figcaption>
        {t("marketHistory")} ({t("marketPriceUnit")}, Wh, {t("timesIn", { zone: zoneName(zone) })})
      </figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="slot" tickFormatter={tick} minTickGap={24} />
          <YAxis yAxisId="volume" width={72} tickFormatter={(v: number) => formatNumber(v, lang, 0)} />
          <YAxis yAxisId="price" orientation="right" width={48} allowDecimals={false} />
          <Tooltip labelFormatter={(label) => `${tick(Number(label))} (${zoneName(zone)})`} />
          <Legend />
          <Bar
            yAxisId="volume"
            dataKey="volume"
            name={t("marketVolume")}
            fill="#3fa7d6"
            isAnimationActive={false}
          />
          <Line
            yAxisId="price"
            type="stepAfter"
            dataKey="price"
            name={t("marketPrice")}
            stroke="#e07a1f"
            connectNulls={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}
