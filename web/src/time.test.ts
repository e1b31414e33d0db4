// A browser (here: the test process) in another zone than the node's must still show the node's times.
process.env.TZ = "America/New_York";

import { afterEach, describe, expect, it } from "vitest";
import { formatTime } from "./format.js";
import {
  dateInputOf,
  dateInputToUnix,
  dayStartAt,
  formatClock,
  formatDateTime,
  formatTick,
  setZone,
  zoneName,
} from "./time.js";

/** 2026-12-02 06:00 UTC, 14:00 in China (UTC+8), 01:00 in New York. */
const at = Date.UTC(2026, 11, 2, 6) / 1000;

describe("times in the node's zone", () => {
  afterEach(() => setZone(0));

  it("shows an alert's time at the node's offset, labelled, whatever the browser's zone", () => {
    setZone(480);
    expect(formatTime(at, "en")).toBe("2026-12-02 14:00 (UTC+8)");
    expect(formatTime(at, "zh")).toBe("2026-12-02 14:00（UTC+8）");
    expect(formatTime(new Date(at * 1000).toISOString(), "en")).toBe("2026-12-02 14:00 (UTC+8)");
    expect(formatTime(at + 43, "en")).toBe("2026-12-02 14:00:43 (UTC+8)");
    expect(formatTime(null, "en")).toBe("—");
  });

  it("names zones with half hours and west of Greenwich, and UTC before the node answers", () => {
    expect(formatDateTime(at, "en")).toBe("2026-12-02 06:00 (UTC)");
    expect(zoneName(-210)).toBe("UTC−3:30");
    expect(formatDateTime(at, "en", 345)).toBe("2026-12-02 11:45 (UTC+5:45)");
    expect(formatDateTime(at, "en", -300)).toBe("2026-12-02 01:00 (UTC−5)");
    expect(formatClock(at + 523, "zh", 480)).toBe("14:08:43（UTC+8）");
  });

  it("draws chart ticks at the node's offset", () => {
    expect(formatTick(at, "hour", 480)).toBe("12-02 14:00");
    expect(formatTick(Date.UTC(2026, 11, 1, 16) / 1000, "day", 480)).toBe("12-02");
    expect(formatTick(Date.UTC(2026, 10, 30, 16) / 1000, "month", 480)).toBe("2026-12");
  });

  it("reads a date picker's day at the node's offset, not the browser's", () => {
    const midnight = Date.UTC(2026, 11, 1, 16) / 1000; // 2026-12-02 00:00 UTC+8
    expect(dateInputToUnix("2026-12-02", false, 480)).toBe(midnight);
    expect(dateInputToUnix("2026-12-02", true, 480)).toBe(midnight + 86_400);
    expect(dateInputToUnix("2026-12", false, 480)).toBeUndefined();
    expect(dateInputOf(at, 480)).toBe("2026-12-02");
    // 23:30 UTC on the 1st is already the 2nd in China.
    expect(dateInputOf(Date.UTC(2026, 11, 1, 23, 30) / 1000, 480)).toBe("2026-12-02");
    expect(dayStartAt(at, 480)).toBe(midnight);
  });
});
