import { describe, expect, it } from "vitest";
import { formatDuration } from "./output.js";

describe("formatDuration", () => {
  it("prints a voting period in days, hours and minutes with the raw seconds beside it", () => {
    expect(formatDuration(604_800)).toBe("7 days (604800 s)");
    expect(formatDuration(5_400)).toBe("1 h 30 min (5400 s)");
    expect(formatDuration(90_061)).toBe("1 day 1 h 1 min 1 s (90061 s)");
    expect(formatDuration(0)).toBe("0 s (0 s)");
  });
});
