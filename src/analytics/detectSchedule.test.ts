import { describe, expect, it } from "vitest";
import { detectDedupeKey, hourOf, hoursToSchedule } from "./detectSchedule.js";

const H = 3600;
// 2025-03-01T10:00:00Z
const t0 = 1_740_823_200;

describe("hoursToSchedule", () => {
  it("schedules every hour since the cursor that ended at least the settle time ago", () => {
    const plan = hoursToSchedule({
      cursor: t0,
      earliest: undefined,
      now: t0 + 3 * H + 600,
      settleSeconds: 600,
      maxHours: 100,
    });
    expect(plan.hours).toEqual([t0, t0 + H, t0 + 2 * H]);
    expect(plan.next).toBe(t0 + 3 * H);
  });

  it("waits for an hour to settle: one second short of end + settle is not yet", () => {
    const early = hoursToSchedule({
      cursor: t0,
      earliest: undefined,
      now: t0 + H + 599,
      settleSeconds: 600,
      maxHours: 100,
    });
    expect(early).toEqual({ hours: [], next: t0 });
    const ready = hoursToSchedule({
      cursor: t0,
      earliest: undefined,
      now: t0 + H + 600,
      settleSeconds: 600,
      maxHours: 100,
    });
    expect(ready).toEqual({ hours: [t0], next: t0 + H });
  });

  it("starts a region's first run at the hour of its earliest rollup", () => {
    const plan = hoursToSchedule({
      cursor: undefined,
      earliest: t0 + 1234,
      now: t0 + H + 1800,
      settleSeconds: 0,
      maxHours: 100,
    });
    expect(plan).toEqual({ hours: [t0], next: t0 + H });
  });

  it("starts a region without rollups at the current hour, scheduling nothing yet", () => {
    const plan = hoursToSchedule({
      cursor: undefined,
      earliest: undefined,
      now: t0 + 1800,
      settleSeconds: 300,
      maxHours: 100,
    });
    expect(plan).toEqual({ hours: [], next: t0 });
  });

  it("never schedules an hour twice across runs", () => {
    const seen: number[] = [];
    let cursor: number | undefined;
    for (const now of [t0 + 30, t0 + 2 * H + 100, t0 + 2 * H + 200, t0 + 5 * H + 10, t0 + 9 * H]) {
      const plan = hoursToSchedule({ cursor, earliest: t0 - 3 * H, now, settleSeconds: 60, maxHours: 2 });
      seen.push(...plan.hours);
      cursor = plan.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    // Contiguous from the earliest rollup's hour.
    expect(seen).toEqual(seen.map((_, i) => t0 - 3 * H + i * H));
  });

  it("spreads a long catch-up over runs, at most maxHours each", () => {
    const now = t0 + 48 * H;
    const first = hoursToSchedule({ cursor: t0, earliest: undefined, now, settleSeconds: 0, maxHours: 24 });
    expect(first.hours).toHaveLength(24);
    expect(first.next).toBe(t0 + 24 * H);
    const second = hoursToSchedule({
      cursor: first.next,
      earliest: undefined,
      now,
      settleSeconds: 0,
      maxHours: 24,
    });
    expect(second.hours[0]).toBe(t0 + 24 * H);
    expect(second.hours).toHaveLength(24);
    expect(second.next).toBe(t0 + 48 * H);
  });
});

describe("hoursToSchedule while a region's readings are still arriving", () => {
  it("judges only the hours its data has moved past", () => {
    // Meters replaying a day: the newest data is of hour t0 + 5 h, so hours up to t0 + 4 h are judged.
    const plan = hoursToSchedule({
      cursor: t0,
      earliest: undefined,
      now: t0 + 30 * H,
      settleSeconds: 600,
      maxHours: 100,
      dataUntil: t0 + 5 * H,
    });
    expect(plan.hours).toEqual([t0, t0 + H, t0 + 2 * H, t0 + 3 * H, t0 + 4 * H]);
    expect(plan.next).toBe(t0 + 5 * H);
  });
});

describe("hourOf and detectDedupeKey", () => {
  it("floors to the UTC hour and names the job by region and hour", () => {
    expect(hourOf(t0 + H - 1)).toBe(t0);
    expect(hourOf(t0)).toBe(t0);
    expect(detectDedupeKey("0xab", t0)).toBe(`detect:0xab:${t0}`);
  });
});
