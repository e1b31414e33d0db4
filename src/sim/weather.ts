import type { Province } from "./provinces.js";
import { clamp, hashString, unit, valueNoise } from "./random.js";
import { localTime } from "./simClock.js";
import { cloudTransmission } from "./solar.js";

// Separate random streams per quantity, so that e.g. wind does not follow the clouds by accident.
const streams = { cloud: 11, flicker: 12, temperature: 13, wind: 14, windRegime: 15 } as const;

function seasonal(mean: number, swing: number, peakDay: number, dayOfYear: number): number {
  return mean + swing * Math.cos((2 * Math.PI * (dayOfYear - peakDay)) / 365);
}

/**
 * Daily cloud cover of a province, 0 (clear) to 1 (overcast), on local day `dayIndex` (days since
 * 1970-01-01): a seeded weather process — a moving average of daily draws (weights 0.5, 0.3, 0.2, so
 * cloudy spells last a few days) around the province's seasonal mean.
 */
export function cloudCover(seed: number, province: Province, dayIndex: number): number {
  const stream = hashString(province.code) ^ streams.cloud;
  const draw = (d: number) => unit(seed, stream, d);
  const mix = 0.5 * draw(dayIndex) + 0.3 * draw(dayIndex - 1) + 0.2 * draw(dayIndex - 2);
  const { dayOfYear } = localTime(dayIndex * 86_400, 0);
  const mean = seasonal(province.cloudMean, province.cloudSwing, province.cloudPeakDay, dayOfYear);
  return clamp(mean + (mix - 0.5) * 1.8, 0, 1);
}

/** A day whose cloud cover is at least this is "cloudy". */
export const cloudyThreshold = 0.7;

/**
 * Share of clear-sky irradiance reaching the ground at time `t`: the day's cover through
 * Kasten–Czeplak, flickering with passing clouds (strongest on half-cloudy days).
 */
export function skyTransmission(seed: number, province: Province, t: number): number {
  const cover = cloudCover(seed, province, localTime(t).dayIndex);
  const brokenness = 4 * cover * (1 - cover);
  const flicker = 2 * valueNoise(seed, hashString(province.code) ^ streams.flicker, t, 1200) - 1;
  return clamp(cloudTransmission(cover) * (1 + 0.5 * brokenness * flicker), 0.05, 1);
}

/**
 * Air temperature in °C at time `t`: seasonal cosine peaking in mid-July (day 200), a diurnal cosine
 * peaking at 15:00 local time (±4 °C) and a slowly varying weather anomaly (±3 °C).
 */
export function temperatureC(seed: number, province: Province, t: number): number {
  const { dayOfYear, hour } = localTime(t);
  const season = seasonal(province.temperatureMeanC, province.temperatureSwingC, 200, dayOfYear);
  const diurnal = 4 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
  const anomaly = 6 * (valueNoise(seed, hashString(province.code) ^ streams.temperature, t, 172_800) - 0.5);
  return season + diurnal + anomaly;
}

/**
 * Hub-height wind speed in m/s at time `t`: smooth noise (3-hour gusts blended with 2-day weather
 * regimes) mapped through a Weibull distribution (shape 2) whose mean follows the province's season,
 * a little stronger in the afternoon.
 */
export function windSpeedMs(seed: number, province: Province, t: number): number {
  const stream = hashString(province.code);
  const u =
    0.55 * valueNoise(seed, stream ^ streams.wind, t, 10_800) +
    0.45 * valueNoise(seed, stream ^ streams.windRegime, t, 172_800);
  const { dayOfYear, hour } = localTime(t);
  const mean = seasonal(province.windMeanMs, province.windSwingMs, province.windPeakDay, dayOfYear);
  const scale = mean / 0.886; // mean of a Weibull with shape 2 is 0.886 × scale
  const diurnal = 1 + 0.15 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
  return scale * Math.sqrt(-Math.log(1 - clamp(u, 0, 0.999))) * diurnal;
}

/** Power curve of a wind farm in W: nothing below 3 m/s (cut-in), cubic up to rated at 12 m/s, shut down at 25 m/s. */
export function windPowerW(capacityW: number, speedMs: number): number {
  const cutIn = 3;
  const rated = 12;
  const cutOut = 25;
  if (speedMs < cutIn || speedMs >= cutOut) return 0;
  if (speedMs >= rated) return capacityW;
  return (capacityW * (speedMs ** 3 - cutIn ** 3)) / (rated ** 3 - cutIn ** 3);
}
