import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { Series } from "../api.js";
import { formatNumber, formatTick } from "../format.js";
import { useI18n } from "../i18n.js";
import type { StringKey } from "../strings.js";

/** Colours of the energy sources (GB-style: coal dark, renewables green/blue/yellow). */
const sourceColours: Record<string, string> = {
  solar: "#f2b705",
  wind: "#3fa7d6",
  hydro: "#1f5fa8",
  coal: "#4a4a4a",
  gas: "#e07a1f",
  nuclear: "#8e44ad",
  biomass: "#5c8a2e",
  other: "#9e9e9e",
  none: "#bdbdbd",
};

const kwh = (wh: string | undefined) => (wh === undefined ? 0 : Number(wh) / 1000);

/** The region's load (consumption and generation) and its generation by source, in kWh per bucket. */
export function RegionCharts({ series }: { series: Series }) {
  const { t, lang, has } = useI18n();
  const sources = [...new Set(series.points.flatMap((p) => Object.keys(p.generationBySource ?? {})))].filter(
    (source) => series.points.some((p) => Number(p.generationBySource[source] ?? 0) !== 0),
  );
  const data = series.points.map((p) => ({
    start: p.start,
    consumption: kwh(p.consumption),
    generation: kwh(p.generation),
    ...Object.fromEntries(sources.map((source) => [source, kwh(p.generationBySource[source])])),
  }));
  const tick = (start: number) => formatTick(start, series.granularity, lang);
  const value = (v: unknown) => `${formatNumber(Number(v), lang, 2)} kWh`;
  const sourceName = (source: string) => (has(source) ? t(source as StringKey) : source);

  if (data.length === 0)
    return (
      <p className="muted" data-testid="chart-empty">
        {t("chartEmpty")}
      </p>
    );
  return (
    <div className="charts">
      <figure className="chart" data-testid="chart-load">
        <figcaption>{t("chartLoad")} (kWh)</figcaption>
        <ResponsiveContainer width="100%" height={280}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="start" tickFormatter={tick} minTickGap={24} />
            <YAxis width={72} tickFormatter={(v: number) => formatNumber(v, lang, 1)} />
            <Tooltip labelFormatter={(label) => tick(Number(label))} formatter={value} />
            <Legend />
            <Line
              type="monotone"
              dataKey="consumption"
              name={t("consumption")}
              stroke="#c0392b"
              dot={data.length < 3}
              isAnimationActive={false}
            />
            <Line
              type="monotone"
              dataKey="generation"
              name={t("generation")}
              stroke="#27ae60"
              dot={data.length < 3}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure className="chart" data-testid="chart-sources">
        <figcaption>{t("chartSources")} (kWh)</figcaption>
        {sources.length === 0 ? (
          <p className="muted">{t("noData")}</p>
        ) : (
          <ResponsiveContainer width="100%" height={280}>
            <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="start" tickFormatter={tick} minTickGap={24} />
              <YAxis width={72} tickFormatter={(v: number) => formatNumber(v, lang, 1)} />
              <Tooltip labelFormatter={(label) => tick(Number(label))} formatter={value} />
              <Legend />
              {sources.map((source) => (
                <Area
                  key={source}
                  type="monotone"
                  dataKey={source}
                  name={sourceName(source)}
                  stackId="sources"
                  stroke={sourceColours[source] ?? "#777"}
                  fill={sourceColours[source] ?? "#777"}
                  fillOpacity={0.6}
                  dot={data.length < 3}
                  isAnimationActive={false}
                />
              ))}
            </AreaChart>
          </ResponsiveContainer>
        )}
      </figure>
    </div>
  );
}
