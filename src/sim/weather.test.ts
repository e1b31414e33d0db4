import { describe, expect, it } from "vitest";
import { provinceOf, provinces } from "./provinces.js";
import { cloudCover, temperatureC, windPowerW, windSpeedMs } from "./weather.js";

const day0 = Math.floor(Date.UTC(2025, 0, 1) / 86_400_000);

describe("weather process", () => {
  it("draws cloud cover between 0 and 1, the same for the same seed and different for another", () => {
    for (const province of provinces) {
      const series = Array.from({ length: 365 }, (_, i) => cloudCover(3, province, day0 + i));
      expect(Math.min(...series)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...series)).toBeLessThanOrEqual(1);
      expect(series).toEqual(Array.from({ length: 365 }, (_, i) => cloudCover(3, province, day0 + i)));
      expect(series).not.toEqual(Array.from({ length: 365 }, (_, i) => cloudCover(4, province, day0 + i)));
    }
  });

  it("keeps cloudy spells for a few days (consecutive days are correlated)", () => {
    const series = Array.from({ length: 2000 }, (_, i) => cloudCover(5, provinceOf("CN-ZJ"), day0 + i));
    const mean = series.reduce((a, b) => a + b, 0) / series.length;
    let covariance = 0;
    let variance = 0;
    for (let i = 1; i < series.length; i++) {
      covariance += ((series[i] ?? 0) - mean) * ((series[i - 1] ?? 0) - mean);
      variance += ((series[i] ?? 0) - mean) ** 2;
    }
    expect(covariance / variance).toBeGreaterThan(0.4);
  });

  it("makes Gansu sunnier than Guangdong, and its winters colder", () => {
    const meanCover = (code: string) =>
      Array.from({ length: 365 }, (_, i) => cloudCover(1, provinceOf(code), day0 + i)).reduce(
        (a, b) => a + b,
      ) / 365;
    expect(meanCover("CN-GS")).toBeLessThan(meanCover("CN-GD") - 0.15);
    const january = Date.UTC(2025, 0, 15, 4) / 1000;
    const july = Date.UTC(2025, 6, 15, 4) / 1000;
    expect(temperatureC(1, provinceOf("CN-GS"), january)).toBeLessThan(
      temperatureC(1, provinceOf("CN-GD"), january) - 10,
    );
    for (const province of provinces) {
      expect(temperatureC(1, province, july)).toBeGreaterThan(temperatureC(1, province, january));
    }
  });

  it("turns wind into power along a cut-in, cubic, rated and cut-out curve", () => {
    expect(windPowerW(1000, 2.9)).toBe(0);
    expect(windPowerW(1000, 7.5)).toBeGreaterThan(0);
    expect(windPowerW(1000, 7.5)).toBeLessThan(500);
    expect(windPowerW(1000, 12)).toBe(1000);
    expect(windPowerW(1000, 24.9)).toBe(1000);
    expect(windPowerW(1000, 25)).toBe(0);
    const speeds = Array.from({ length: 1000 }, (_, i) =>
      windSpeedMs(1, provinceOf("CN-GS"), 1.7e9 + i * 3600),
    );
    expect(Math.min(...speeds)).toBeGreaterThanOrEqual(0);
    const mean = speeds.reduce((a, b) => a + b) / speeds.length;
    expect(mean).toBeGreaterThan(4);
    expect(mean).toBeLessThan(10);
  });
});
