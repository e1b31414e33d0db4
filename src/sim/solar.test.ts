import { describe, expect, it } from "vitest";
import { provinceOf } from "./provinces.js";
import { cloudTransmission, cosZenith, pvPowerW, solarNoon } from "./solar.js";
import { cloudCover, cloudyThreshold, skyTransmission } from "./weather.js";

const guangdong = provinceOf("CN-GD");
const zhejiang = provinceOf("CN-ZJ");
const gansu = provinceOf("CN-GS");
/** Unix time of local midnight (UTC+8) on a date. */
const localMidnight = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 1000 - 8 * 3600;

function dailyPvWh(place: { latitude: number; longitude: number }, midnight: number, transmission = () => 1) {
  let wh = 0;
  for (let t = midnight; t < midnight + 86_400; t += 300)
    wh += (pvPowerW(1000, t + 150, place, transmission()) * 300) / 3600;
  return wh;
}

describe("PV model", () => {
  it("yields nothing at night", () => {
    const midnight = localMidnight(2025, 6, 21);
    for (const hour of [0, 2, 4, 21, 23]) {
      expect(pvPowerW(5000, midnight + hour * 3600, guangdong)).toBe(0);
      expect(pvPowerW(5000, midnight + hour * 3600, gansu)).toBe(0);
    }
  });

  it("peaks within a quarter of an hour of solar noon, which comes later in the west of China", () => {
    for (const province of [guangdong, zhejiang, gansu]) {
      const midnight = localMidnight(2025, 3, 20);
      let best = midnight;
      for (let t = midnight; t < midnight + 86_400; t += 60) {
        if (pvPowerW(1000, t, province) > pvPowerW(1000, best, province)) best = t;
      }
      expect(Math.abs(best - solarNoon(midnight + 43_200, province.longitude))).toBeLessThan(900);
    }
    // Lanzhou (103.8° E) sees the sun highest about an hour after Hangzhou (120.2° E) on the same clock.
    const day = localMidnight(2025, 3, 20) + 43_200;
    expect(solarNoon(day, gansu.longitude) - solarNoon(day, zhejiang.longitude)).toBeCloseTo(3936, -2);
  });

  it("yields more at lower latitude in winter and about 1 kW per kWp under a clear summer noon sky", () => {
    const winter = localMidnight(2025, 12, 21);
    const same = (latitude: number) => ({ latitude, longitude: 113.3 });
    expect(dailyPvWh(same(23.1), winter)).toBeGreaterThan(dailyPvWh(same(30.3), winter));
    expect(dailyPvWh(same(30.3), winter)).toBeGreaterThan(dailyPvWh(same(36.1), winter));
    const noon = solarNoon(localMidnight(2025, 6, 21) + 43_200, guangdong.longitude);
    expect(pvPowerW(1000, noon, guangdong)).toBeGreaterThan(750);
    expect(pvPowerW(1000, noon, guangdong)).toBeLessThan(900);
    expect(cosZenith(noon, guangdong.latitude, guangdong.longitude)).toBeGreaterThan(0.99);
  });

  it("yields less on cloudy days than on clear ones", () => {
    expect(cloudTransmission(0)).toBe(1);
    expect(cloudTransmission(1)).toBeCloseTo(0.25);
    const first = Math.floor(localMidnight(2025, 4, 1) / 86_400) + 1;
    const days = Array.from({ length: 90 }, (_, i) => first + i);
    const cloudy = days.filter((d) => cloudCover(7, zhejiang, d) >= cloudyThreshold);
    const clear = days.filter((d) => cloudCover(7, zhejiang, d) <= 0.3);
    expect(cloudy.length).toBeGreaterThan(3);
    expect(clear.length).toBeGreaterThan(3);
    const energy = (day: number) => {
      const midnight = day * 86_400 - 8 * 3600;
      let t = midnight;
      let wh = 0;
      for (; t < midnight + 86_400; t += 300) {
        wh += (pvPowerW(1000, t + 150, zhejiang, skyTransmission(7, zhejiang, t + 150)) * 300) / 3600;
      }
      return wh;
    };
    const mean = (list: number[]) => list.reduce((a, d) => a + energy(d), 0) / list.length;
    expect(mean(cloudy)).toBeLessThan(0.6 * mean(clear));
  });
});
