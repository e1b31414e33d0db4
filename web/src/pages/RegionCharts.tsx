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
import { energyAxis } from "../chartScale.js";
import { formatEnergy, formatNumber } from "../format.js";
import { useI18n } from "../i18n.js";
import type { StringKey } from "../strings.js";
import { formatTick, zoneName } from "../time.js";

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
  unknown: "#bdbdbd",
};

const wh = (value: string | undefined) => (value === undefined ? 0 : Number(value));

/**
 * The region's load (consumption and generation) and its generation by source per bucket, as steps
 * (one flat segment per interval, not a smoothed curve), up to now (buckets that have not started are
 * not drawn), in a unit chosen by the range (Wh, kWh, MWh, GWh) with ticks that read differently, and
 * times at the node's offset, named in the captions.
 */
export function RegionCharts({ series, now }: { series: Series; now: number }) {
  const { t, lang, has, zone } = useI18n();
  const points = series.points.filter((p) => p.start <= now);
  const sources = [...new Set(points.flatMap((p) => Object.keys(p.generationBySource ?? {})))].filter(
    (source) => points.some((p) => Number(p.generationBySource[source] ?? 0) !== 0),
  );
  const load = energyAxis(points.flatMap((p) => [wh(p.consumption), wh(p.generation)]));
  const stacked = energyAxis(
    points.map((p) => sources.reduce((sum, source) => sum + wh(p.generationBySource[source]), 0)),
  );
  const data = points.map((p) => ({
    start: p.start,
    consumption: wh(p.consumption) / load.factor,
    generation: wh(p.generation) / load.factor,
    ...Object.fromEntries(
      sources.map((source) => [source, wh(p.generationBySource[source]) / stacked.factor]),
    ),
  }));
  const tick = (start: number) => formatTick(start, series.granularity, zone);
  const sourceName = (source: string) => (has(source) ? t(source as StringKey) : source);
  const caption = (title: string, unit: string) =>
    `${title} (${unit}, ${t("timesIn", { zone: zoneName(zone) })})`;
  const yAxis = (axis: typeof load) => (
    <YAxis
      width={72}
      ticks={axis.ticks}
      domain={[axis.ticks[0] ?? 0, axis.ticks.at(-1) ?? 1]}
      tickFormatter={(v: number) => formatNumber(v, lang, axis.decimals)}
    />
  );
  const value = (factor: number) => (v: unknown) => formatEnergy(Number(v) * factor, lang);
  const dot = data.length <= 48 ? { r: 2 } : false;

  if (data.length === 0)
    return (
      <p className="muted" data-testid="chart-empty">
        {t("chartEmpty")}
      </p>
    );
  return (
    <div className="charts">
      <figure className="chart" data-testid="chart-load">
        <figcaption>{caption(t("chartLoad"), load.unit)}</figcaption>
        <ResponsiveContainer width="100%" height={280}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="start" tickFormatter={tick} minTickGap={24} />
            {yAxis(load)}
            <Tooltip
              labelFormatter={(label) => `${tick(Number(label))} (${zoneName(zone)})`}
              formatter={value(load.factor)}
            />
            <Legend />
            <Line
              type="stepAfter"
              dataKey="consumption"
              name={t("consumption")}
              stroke="#c0392b"
              dot={dot}
              isAnimationActive={false}
            />
            <Line
              type="stepAfter"
              dataKey="generation"
              name={t("generation")}
              stroke="#27ae60"
              dot={dot}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure className="chart" data-testid="chart-sources">
        <figcaption>{caption(t("chartSources"), stacked.unit)}</figcaption>
        {sources.length === 0 ? (
          <p className="muted">{t("noData")}</p>
        ) : (
          <ResponsiveContainer width="100%" height={280}>
            <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="start" tickFormatter={tick} minTickGap={24} />
              {yAxis(stacked)}
              <Tooltip
                labelFormatter={(label) => `${tick(Number(label))} (${zoneName(zone)})`}
                formatter={value(stacked.factor)}
              />
              <Legend />
              {sources.map((source) => (
                <Area
                  key={source}
                  type="stepAfter"
                  dataKey={source}
                  name={sourceName(source)}
                  stackId="sources"
                  stroke={sourceColours[source] ?? "#777"}
                  fill={sourceColours[source] ?? "#777"}
                  fillOpacity={0.6}
                  dot={dot}
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
