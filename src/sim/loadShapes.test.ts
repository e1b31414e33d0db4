import { describe, expect, it } from "vitest";
import { climateFactor, evEnergyWh, evSession, shapeAt } from "./loadShapes.js";
import { provinceOf } from "./provinces.js";

const hours = Array.from({ length: 96 }, (_, i) => i / 4);
const argmax = (f: (h: number) => number) => hours.reduce((best, h) => (f(h) > f(best) ? h : best), 0);

describe("load shapes", () => {
  it("give households their evening peak on weekdays and weekends, and a morning peak on weekdays", () => {
    for (const weekend of [false, true]) {
      const peak = argmax((h) => shapeAt("household", h, weekend));
      expect(peak).toBeGreaterThanOrEqual(18);
      expect(peak).toBeLessThanOrEqual(21.5);
      expect(shapeAt("household", 20, weekend)).toBeGreaterThan(2 * shapeAt("household", 3.5, weekend));
    }
    expect(shapeAt("household", 7.5, false)).toBeGreaterThan(shapeAt("household", 10.5, false));
    // At the weekend people sleep in, and stay home at midday.
    expect(shapeAt("household", 7, true)).toBeLessThan(shapeAt("household", 7, false));
    expect(shapeAt("household", 12.5, true)).toBeGreaterThan(shapeAt("household", 12.5, false));
  });

  it("average 1 over a weekday, so a daily energy parameter means what it says", () => {
    for (const shape of ["household", "office", "factory"] as const) {
      const mean = hours.reduce((sum, h) => sum + shapeAt(shape, h, false), 0) / hours.length;
      expect(mean).toBeCloseTo(1, 2);
    }
  });

  it("work office hours on weekdays only and run factories on two shifts", () => {
    expect(shapeAt("office", 10, false)).toBeGreaterThan(3 * shapeAt("office", 10, true));
    expect(shapeAt("office", 10, false)).toBeGreaterThan(3 * shapeAt("office", 2, false));
    expect(shapeAt("factory", 20, false)).toBeGreaterThan(2 * shapeAt("factory", 3, false));
  });

  it("raise loads in heat and cold, never below the mild-weather load", () => {
    const gd = provinceOf("CN-GD");
    expect(climateFactor(gd, 20)).toBe(1);
    expect(climateFactor(gd, 34)).toBeGreaterThan(1.5);
    expect(climateFactor(provinceOf("CN-GS"), -10)).toBeGreaterThan(1.3);
  });
});

describe("EV charger sessions", () => {
  const charger = { powerW: 7000, minSessionWh: 6000, maxSessionWh: 40_000 };
  const firstDay = Math.floor(Date.UTC(2025, 0, 6) / 86_400_000); // a Monday

  it("plug in on weekday evenings and deliver between the session bounds", () => {
    let sessions = 0;
    for (let day = firstDay; day < firstDay + 5 * 8; day += 1) {
      const weekday = (day + 4) % 7;
      if (weekday === 0 || weekday === 6) continue;
      const session = evSession(9, 1234, charger, day);
      if (!session) continue;
      sessions++;
      const localHour = ((session.start + 8 * 3600) % 86_400) / 3600;
      expect(localHour).toBeGreaterThanOrEqual(17.5);
      expect(localHour).toBeLessThanOrEqual(22);
      const wh = (session.powerW * (session.end - session.start)) / 3600;
      expect(wh).toBeGreaterThanOrEqual(6000 - 1e-6);
      expect(wh).toBeLessThanOrEqual(40_000 + 1e-6);
    }
    expect(sessions).toBeGreaterThan(15);
  });

  it("meter the same energy whether a day is taken whole or in 15-minute intervals", () => {
    const from = firstDay * 86_400 - 8 * 3600;
    let parts = 0;
    for (let k = 0; k < 3 * 96; k++)
      parts += evEnergyWh(9, 1234, charger, from + k * 900, from + (k + 1) * 900);
    expect(parts).toBeCloseTo(evEnergyWh(9, 1234, charger, from, from + 3 * 86_400), 6);
    expect(parts).toBeGreaterThan(0);
  });
});
