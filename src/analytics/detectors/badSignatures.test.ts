import { describe, expect, it } from "vitest";
import { defaultAnalyticsConfig } from "../analyticsConfig.js";
import { detectBadSignatures, type SignatureFailures } from "./badSignatures.js";

const config = defaultAnalyticsConfig.detectors.badSignatures; // 5 within 10 minutes
const context = { utcOffsetMinutes: 0 };
const hour = 1_747_000_800n;
const deviceId = `0x${"34".repeat(32)}`;
/** Failures at the given minutes after the hour's start (negative: before it). */
const at = (minutes: [number, number][]): SignatureFailures[] =>
  minutes.map(([m, failures]) => ({ deviceId, minute: hour + BigInt(m * 60), failures }));

describe("bad-signature detector", () => {
  it("raises a burst of `count` refused signatures within the window once", () => {
    const alerts = detectBadSignatures(
      at([
        [3, 2],
        [5, 1],
        [9, 2],
        [11, 4],
      ]),
      hour,
      config,
      context,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: "bad_signatures",
      severity: "critical",
      deviceId,
      periodStart: hour + 180n,
      dedupeKey: `bad_signatures:${deviceId}:${hour + 540n}`,
      evidence: { failures: 5, threshold: 5, readings: [] },
    });
    expect(alerts[0]!.message).toContain("5 readings signed in the name of this device were refused");
  });

  it("ignores fewer failures than the count, or the same number spread beyond the window", () => {
    expect(detectBadSignatures(at([[1, 4]]), hour, config, context)).toEqual([]);
    expect(
      detectBadSignatures(
        at([
          [0, 3],
          [10, 2],
        ]),
        hour,
        config,
        context,
      ),
    ).toEqual([]);
  });

  it("leaves a burst that began in the previous hour to that hour, and raises a later burst again", () => {
    const failures = at([
      [-2, 5],
      [1, 3],
      [40, 6],
    ]);
    const alerts = detectBadSignatures(failures, hour, config, context);
    expect(alerts.map((a) => a.periodStart)).toEqual([hour + 2400n]);
    expect(detectBadSignatures(failures, hour - 3600n, config, context)).toHaveLength(1);
  });
});
