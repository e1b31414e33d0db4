import { describe, expect, it } from "vitest";
import { alignDown, defaultStart, dueAt, dueIntervals, localTime, type SimPace } from "./simClock.js";

describe("simulated clock", () => {
  it("reads local time in China Standard Time", () => {
    const newYear = Date.UTC(2024, 11, 31, 16) / 1000; // 2025-01-01 00:00 in Beijing
    expect(localTime(newYear)).toMatchObject({ dayOfYear: 1, hour: 0, weekday: 3, weekend: false });
    expect(localTime(newYear - 900)).toMatchObject({ dayOfYear: 366, hour: 23.75, weekday: 2 });
    expect(localTime(newYear + 3 * 86_400 + 1800)).toMatchObject({ hour: 0.5, weekday: 6, weekend: true });
  });

  it("aligns intervals to the epoch and starts a new simulation a day back", () => {
    expect(alignDown(1_000_000_123, 900)).toBe(999_999_900);
    expect(defaultStart(1_000_000_123, 900)).toBe(999_999_900 - 86_400);
  });

  it("steps one 15-minute interval every 15 s at speed 60", () => {
    const now = 1_750_000_000;
    const next = defaultStart(now, 900);
    const pace: SimPace = { originReal: now, originSim: next, speed: 60, lagSeconds: 1 };
    expect(dueIntervals(next, 900, pace, now)).toBe(0);
    expect(dueIntervals(next, 900, pace, now + 14.9)).toBe(0);
    expect(dueIntervals(next, 900, pace, now + 15)).toBe(1);
    expect(dueIntervals(next, 900, pace, now + 45)).toBe(3);
    expect(dueAt(next, 900, pace)).toBe(now + 15);
    expect(dueAt(next + 900, 900, pace)).toBe(now + 30);
  });

  it("never publishes an interval before it has closed in real time, then continues in real time", () => {
    const now = 1_750_000_000;
    const next = alignDown(now, 900) - 2 * 900;
    const pace: SimPace = { originReal: now, originSim: next, speed: 1e6, lagSeconds: 1 };
    // Far ahead of real time by speed, but only the closed intervals are due.
    const closed = Math.floor((now + 10 - 1 - next) / 900);
    expect(dueIntervals(next, 900, pace, now + 10)).toBe(closed);
    const current = alignDown(now, 900);
    expect(dueAt(current, 900, pace)).toBe(current + 900 + 1);
    expect(dueIntervals(current, 900, pace, current + 900)).toBe(0);
    expect(dueIntervals(current, 900, pace, current + 901)).toBe(1);
  });
});
