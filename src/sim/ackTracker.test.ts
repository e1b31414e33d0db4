import { describe, expect, it } from "vitest";
import { createAckTracker, parseAckPayload } from "./ackTracker.js";

const readings = (devices: string[], seq: bigint) =>
  devices.map((device) => ({ device, seq, payload: `${device}#${seq}` }));
/** A tracker with the given intervals added and all of their readings published at `now`. */
function tracked(intervals: { start: number; devices: string[]; seq: bigint }[], now = 0) {
  const tracker = createAckTracker<string, string>();
  for (const { start, devices, seq } of intervals)
    tracker.add(start, `after ${start}`, readings(devices, seq));
  tracker.take(now, Number.POSITIVE_INFINITY);
  return tracker;
}

describe("ack tracker", () => {
  it("commits an interval only when it and every earlier interval are answered", () => {
    const tracker = tracked([
      { start: 0, devices: ["a", "b"], seq: 1n },
      { start: 900, devices: ["a", "b"], seq: 2n },
    ]);
    expect(tracker.settle("a", { status: "accepted", seq: "2" })).toBe(true);
    expect(tracker.settle("b", { status: "accepted", seq: 2 })).toBe(true);
    expect(tracker.commit()).toBeUndefined();
    expect(tracker.settle("a", { status: "duplicate", seq: "1" })).toBe(true);
    expect(tracker.settle("b", { status: "accepted", seq: "1" })).toBe(true);
    expect(tracker.commit()).toEqual({ start: 900, snapshot: "after 900" });
    expect(tracker.batchesInFlight()).toBe(0);
    expect(tracker.counts).toMatchObject({ sent: 4, accepted: 3, duplicate: 1, rejected: 0 });
  });

  it("publishes oldest first and keeps at most a window of readings unanswered", () => {
    const tracker = createAckTracker<string, string>();
    tracker.add(0, "s0", readings(["a", "b", "c"], 1n));
    tracker.add(900, "s1", readings(["a", "b", "c"], 2n));
    expect(tracker.take(0, 4).map((r) => r.payload)).toEqual(["a#1", "b#1", "c#1", "a#2"]);
    expect(tracker.take(0, 4)).toEqual([]);
    tracker.settle("b", { status: "accepted", seq: "1" });
    expect(tracker.take(1, 4).map((r) => r.payload)).toEqual(["b#2"]);
    expect(tracker.published()).toBe(4);
    expect(tracker.pending()).toBe(5);
  });

  it("matches an ack without seq to the device's oldest published reading", () => {
    const tracker = tracked([
      { start: 0, devices: ["a"], seq: 1n },
      { start: 900, devices: ["a"], seq: 2n },
    ]);
    tracker.settle("a", { status: "accepted" });
    expect(tracker.commit()).toEqual({ start: 0, snapshot: "after 0" });
    expect(tracker.pending()).toBe(1);
  });

  it("ignores answers it is not waiting for, such as the second ack of a re-published reading", () => {
    const tracker = tracked([{ start: 0, devices: ["a"], seq: 1n }]);
    expect(tracker.settle("a", { status: "accepted", seq: "1" })).toBe(true);
    expect(tracker.settle("a", { status: "duplicate", seq: "1" })).toBe(false);
    expect(tracker.settle("z", { status: "accepted", seq: "1" })).toBe(false);
    expect(tracker.counts).toMatchObject({ accepted: 1, duplicate: 0 });
  });

  it("puts readings unanswered past their timeout back in front of the outbox", () => {
    const tracker = createAckTracker<string, string>();
    tracker.add(0, "s0", readings(["a", "b", "c"], 1n));
    tracker.take(100, 3);
    tracker.add(900, "s1", readings(["a"], 2n));
    tracker.settle("b", { status: "accepted", seq: "1" });
    expect(tracker.requeueOverdue(109, 10)).toBe(0);
    expect(tracker.requeueOverdue(110, 10)).toBe(2);
    expect(tracker.take(110, 10).map((r) => r.payload)).toEqual(["a#1", "c#1", "a#2"]);
    expect(tracker.requeueOverdue(115, 10)).toBe(0);
    expect(tracker.counts).toMatchObject({ sent: 4, resent: 2 });
    // A late answer to the first publication still settles it.
    tracker.settle("c", { status: "accepted", seq: "1" });
    expect(tracker.published()).toBe(2);
  });

  it("counts rejections by code and remembers the last one", () => {
    const tracker = tracked([{ start: 0, devices: ["a", "b"], seq: 7n }]);
    tracker.settle("a", { status: "rejected", code: "READING_BAD_SIGNATURE", message: "bad", seq: "7" });
    tracker.settle("b", { status: "rejected", seq: "7" });
    expect(tracker.counts.rejectedByCode).toEqual({ READING_BAD_SIGNATURE: 1, UNKNOWN: 1 });
    expect(tracker.counts.lastRejection).toEqual({ device: "b", seq: "7", code: "UNKNOWN", message: "" });
    expect(tracker.commit()).toEqual({ start: 0, snapshot: "after 0" });
  });

  it("keeps a reading the node could not store in flight, to publish it again", () => {
    const tracker = tracked([{ start: 0, devices: ["a"], seq: 1n }]);
    tracker.settle("a", { status: "rejected", code: "INGEST_UNAVAILABLE", seq: "1" });
    expect(tracker.counts).toMatchObject({ rejected: 0, retryable: 1 });
    expect(tracker.commit()).toBeUndefined();
    expect(tracker.requeueOverdue(30, 15)).toBe(1);
    expect(tracker.take(30, 10).map((r) => r.payload)).toEqual(["a#1"]);
    tracker.settle("a", { status: "accepted", seq: "1" });
    expect(tracker.commit()).toEqual({ start: 0, snapshot: "after 0" });
  });

  it("parses ack payloads and drops what is not an ack", () => {
    expect(parseAckPayload('{"results":[{"status":"accepted","seq":"3"},{"status":"bogus"}]}')).toEqual([
      { status: "accepted", seq: "3" },
    ]);
    expect(parseAckPayload(Buffer.from('{"status":"duplicate"}'))).toEqual([{ status: "duplicate" }]);
    expect(parseAckPayload("not json")).toEqual([]);
  });
});
