import { existsSync, readFileSync } from "node:fs";
import { BaseError } from "../core/errors.js";

/**
 * Analytics settings: day boundaries, standard coal equivalent (GB/T 2589) and CO2 factors, and the
 * thresholds of every alert detector. Read from a JSON file (`--analytics-config`, env
 * `GRIDLEDGER_ANALYTICS_CONFIG`, or `<data-dir>/analytics.json` when it exists) over these defaults.
 */
export const defaultAnalyticsConfig = {
  /** Days and months start at midnight at this offset from UTC (China Standard Time by default). */
  utcOffsetMinutes: 480,
  tce: {
    /** `equivalent` (当量值, the energy content of electricity) or `equal-value` (等价值, the coal burnt to make it). */
    electricityMethod: "equivalent" as "equivalent" | "equal-value",
    electricityEquivalentKgcePerKwh: 0.1229,
    /** The equal-value coefficient follows the year's coal consumption of thermal power supply. */
    electricityEqualValueKgcePerKwh: 0.3,
    naturalGasKgcePerM3: 1.2143,
    heatKgcePerMj: 0.03412,
  },
  co2: {
    /** Grid average emission factor (kg CO2 per kWh) per region code; `default` for any other region. */
    gridKgPerKwh: { default: 0.5703 } as Record<string, number>,
    naturalGasKgPerM3: 2.1622,
    heatKgPerMj: 0.11,
  },
  detectors: {
    /** A device missing at least this many of an hour's intervals; a region below this completeness. */
    gap: { minMissingIntervals: 2, regionCompletenessBelow: 0.9 },
    /** A consuming meter reporting zero import and export for this many intervals in a row. */
    zeroRun: { minIntervals: 16 },
    /**
     * Robust z-score of an hour against the device's own earlier hours: it must exceed `threshold`
     * above the median and above the highest earlier hour, by at least `minWh` over that hour.
     */
    spike: { threshold: 3.5, historyHours: 168, minHistory: 24, minWh: 1000 },
    /** Export (Wh) in an hour on a device registered with no generation source. */
    exportWithoutGeneration: { minWh: 1 },
    /** |feeder − Σ members| / feeder beyond this share of the feeder's flow in an hour: loss or theft. */
    communityBalance: { tolerance: 0.08, minFeederWh: 1000 },
    /** This many refused signatures of one device within the window: tampering. */
    badSignatures: { count: 5, windowMinutes: 10 },
    /** An interval not anchored this long after its end plus the anchor grace. */
    anchorLate: { afterSeconds: 900 },
  },
};

export type AnalyticsConfig = typeof defaultAnalyticsConfig;

type Json = Record<string, unknown>;

function invalid(path: string, message: string): BaseError {
  return new BaseError("CONFIG_INVALID_ANALYTICS", `analytics config: ${path} ${message}`, {
    details: { path },
  });
}

/** Merges `given` over `base`, checking that every key exists and every value has the default's type. */
function merge(base: Json, given: unknown, path: string, openKeys: boolean): Json {
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw invalid(path || "(top level)", "must be an object");
  }
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(given as Json)) {
    const where = path ? `${path}.${key}` : key;
    const current = base[key] ?? (openKeys ? base.default : undefined);
    if (current === undefined)
      throw invalid(where, `is not a setting; known: ${Object.keys(base).join(", ")}`);
    if (typeof current === "object" && current !== null) {
      out[key] = merge(current as Json, value, where, key === "gridKgPerKwh");
    } else if (typeof current === "number") {
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw invalid(where, `must be a non-negative number, got ${JSON.stringify(value)}`);
      }
      out[key] = value;
    } else if (typeof value !== typeof current) {
      throw invalid(where, `must be a ${typeof current}, got ${JSON.stringify(value)}`);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Defaults merged with `overrides` (an object as in the JSON file); a coded error names a bad setting. */
export function analyticsConfigOf(overrides: unknown = {}): AnalyticsConfig {
  const config = merge(defaultAnalyticsConfig as unknown as Json, overrides, "", false) as AnalyticsConfig;
  if (!["equivalent", "equal-value"].includes(config.tce.electricityMethod)) {
    throw invalid(
      "tce.electricityMethod",
      `must be "equivalent" or "equal-value", got "${config.tce.electricityMethod}"`,
    );
  }
  if (!Number.isInteger(config.utcOffsetMinutes) || Math.abs(config.utcOffsetMinutes) > 14 * 60) {
    throw invalid("utcOffsetMinutes", `must be whole minutes within ±840, got ${config.utcOffsetMinutes}`);
  }
  return config;
}

/** Reads the analytics config file, or the defaults when `path` is undefined or (for the implicit path) missing. */
export function loadAnalyticsConfig(
  path: string | undefined,
  options: { required?: boolean } = {},
): AnalyticsConfig {
  if (path === undefined || (!options.required && !existsSync(path))) return analyticsConfigOf();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new BaseError("CONFIG_INVALID_ANALYTICS", `cannot read the analytics config ${path}`, {
      details: { path },
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BaseError("CONFIG_INVALID_ANALYTICS", `the analytics config ${path} is not valid JSON`, {
      details: { path },
      cause: error,
    });
  }
  return analyticsConfigOf(parsed);
}
