import { describe, expect, it } from "vitest";
import { defaultAnalyticsConfig } from "../analyticsConfig.js";
import { anchorIsLate, detectLateAnchors, type IntervalAnchorState } from "./anchorLate.js";

const config = defaultAnalyticsConfig.detectors.anchorLate; // 900 s
const context = { utcOffsetMinutes: 480, regionName: "CN-GD (Guangdong)" };
const regionId = `0x${"56".repeat(32)}`;
const hour = 1_747_000_800n;
const grace = 300;

const interval = (q: number, patch: Partial<IntervalAnchorState> = {}): IntervalAnchorState => ({
  commodity: 1,
  intervalStart: hour + BigInt(q * 900),
  duration: 900,
  unbatched: 0,
  lastReceivedAt: null,
  batches: [],
  readings: [{ deviceId: `0x${"78".repeat(32)}`, seq: String(q + 1) }],
  ...patch,
});

describe("late-anchor detector", () => {
  it("calls readings not batched late after the interval's end plus the grace plus afterSeconds", () => {
    const unbatched = interval(0, { unbatched: 3, lastReceivedAt: hour + 950n });
    const due = hour + 900n + 300n + 900n;
    expect(anchorIsLate(unbatched, due - 1n, grace, config.afterSeconds)).toBe(false);
    expect(anchorIsLate(unbatched, due, grace, config.afterSeconds)).toBe(true);
  });

  it("counts from the arrival of readings that came in late", () => {
    const late = interval(0, { unbatched: 1, lastReceivedAt: hour + 7200n });
    expect(anchorIsLate(late, hour + 7200n + 899n, grace, config.afterSeconds)).toBe(false);
    expect(anchorIsLate(late, hour + 7200n + 900n, grace, config.afterSeconds)).toBe(true);
  });

  it("calls a pending batch late like unbatched readings, and a conflict at once", () => {
    const pending = interval(0, { batches: [{ part: 0, status: "pending", createdAt: hour + 1200n }] });
    expect(anchorIsLate(pending, hour + 2099n, grace, config.afterSeconds)).toBe(false);
    expect(anchorIsLate(pending, hour + 2100n, grace, config.afterSeconds)).toBe(true);
    const conflict = interval(0, { batches: [{ part: 0, status: "conflict", createdAt: hour + 1200n }] });
    expect(anchorIsLate(conflict, hour + 1300n, grace, config.afterSeconds)).toBe(true);
  });

  it("raises one alert per hour of late intervals, critical when a batch is in conflict", () => {
    const intervals = [
      interval(0, { unbatched: 4, lastReceivedAt: hour + 1000n }),
      interval(1, { batches: [{ part: 0, status: "pending", createdAt: hour + 2000n }] }),
      interval(3, { unbatched: 2, lastReceivedAt: hour + 3700n }), // not due yet
      interval(-4, { batches: [{ part: 1, status: "conflict", createdAt: hour - 1000n }] }),
    ];
    const alerts = detectLateAnchors(
      { regionId, intervals, now: hour + 4000n, anchorGraceSeconds: grace },
      config,
      context,
    );
    expect(alerts.map((a) => [a.periodStart, a.severity])).toEqual([
      [hour - 3600n, "critical"],
      [hour, "warning"],
    ]);
    expect(alerts[1]).toMatchObject({
      kind: "anchor_late",
      dedupeKey: `anchor_late:${regionId}:${hour}`,
      evidence: {
        unbatchedReadings: 4,
        pendingBatches: 1,
        conflictBatches: 0,
        anchorGraceSeconds: 300,
        afterSeconds: 900,
      },
    });
    expect(alerts[1]!.evidence.readings).toHaveLength(2);
    expect(alerts[1]!.message).toContain("2 electricity interval(s) of CN-GD (Guangdong)");
    expect(alerts[1]!.message).toContain(
      "4 readings not yet put in a batch, 1 batches built but not on chain",
    );
  });

  it("raises nothing when every interval is anchored in time", () => {
    expect(
      detectLateAnchors(
        {
          regionId,
          intervals: [interval(0, { unbatched: 1, lastReceivedAt: hour + 900n })],
          now: hour + 2000n,
          anchorGraceSeconds: grace,
        },
        config,
        context,
      ),
    ).toEqual([]);
  });
});
