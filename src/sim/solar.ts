import { localTime } from "./simClock.js";

const rad = Math.PI / 180;

/** Solar declination in degrees on day `n` of the year (Cooper 1969). */
export function declinationDeg(n: number): number {
  return 23.45 * Math.sin((2 * Math.PI * (284 + n)) / 365);
}

/** Equation of time in minutes on day `n` of the year (apparent minus mean solar time; Whitman 2007 fit). */
export function equationOfTimeMin(n: number): number {
  const b = (2 * Math.PI * (n - 81)) / 364;
  return 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
}

/**
 * Cosine of the solar zenith angle at Unix time `t` at a place (degrees north, east):
 * cos θz = sin φ sin δ + cos φ cos δ cos ω, with ω = 15° × (apparent solar time − 12 h).
 * Negative when the sun is below the horizon.
 */
export function cosZenith(t: number, latitude: number, longitude: number): number {
  const { dayOfYear, hour } = localTime(t, 0);
  const solarHour = hour + longitude / 15 + equationOfTimeMin(dayOfYear) / 60;
  const omega = 15 * (solarHour - 12) * rad;
  const phi = latitude * rad;
  const delta = declinationDeg(dayOfYear) * rad;
  return Math.sin(phi) * Math.sin(delta) + Math.cos(phi) * Math.cos(delta) * Math.cos(omega);
}

/** Unix time of apparent solar noon on the UTC day that contains `t`, at `longitude` degrees east. */
export function solarNoon(t: number, longitude: number): number {
  const { dayIndex, dayOfYear } = localTime(t, 0);
  return dayIndex * 86_400 + (12 - longitude / 15 - equationOfTimeMin(dayOfYear) / 60) * 3600;
}

/** Clear-sky global horizontal irradiance in W/m² from cos θz (Haurwitz 1945): 1098 cos θz e^(−0.057 / cos θz). */
export function clearSkyIrradiance(cosZ: number): number {
  return cosZ <= 0 ? 0 : 1098 * cosZ * Math.exp(-0.057 / cosZ);
}

/** Share of clear-sky irradiance that gets through a cloud cover of 0–1 (Kasten & Czeplak 1980): 1 − 0.75 c^3.4. */
export function cloudTransmission(cloudCover: number): number {
  return 1 - 0.75 * Math.max(0, Math.min(1, cloudCover)) ** 3.4;
}

/** Performance ratio of a PV system: inverter, wiring, soiling and temperature losses together. */
export const pvPerformanceRatio = 0.8;

/**
 * AC power in W of a horizontal PV array of `capacityW` peak watts (at 1000 W/m²) at time `t`,
 * with `transmission` the share of clear-sky irradiance the clouds let through.
 */
export function pvPowerW(
  capacityW: number,
  t: number,
  place: { latitude: number; longitude: number },
  transmission = 1,
): number {
  const irradiance = clearSkyIrradiance(cosZenith(t, place.latitude, place.longitude)) * transmission;
  return (capacityW * irradiance * pvPerformanceRatio) / 1000;
}
