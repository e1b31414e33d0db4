/** How a node answered one reading. */
export type AckStatus = "accepted" | "duplicate" | "rejected";

/** One entry of an ack message's `results` (topic `gridledger/v1/acks/<deviceId>`). */
export type AckResult = { status: AckStatus; code?: string; message?: string; seq?: string | number };

/** A reading awaiting its ack: the device (hex without 0x), its seq and what to publish (again). */
export type TrackedReading<P> = { device: string; seq: bigint; payload: P; settled: boolean };

/**
 * Refusals that mean "send it again" rather than "this reading is wrong": the node could not store
 * it (mqttIngest answers `INGEST_UNAVAILABLE`). Such a reading stays in flight and is re-published.
 */
export const retryableCodes: ReadonlySet<string> = new Set(["INGEST_UNAVAILABLE"]);

/** Counts of what was sent and how the node answered. */
export type AckCounts = {
  sent: number;
  resent: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  /** Answers asking to send a reading again (see `retryableCodes`). */
  retryable: number;
  rejectedByCode: Record<string, number>;
  lastRejection?: { device: string; seq: string; code: string; message: string };
};

type Batch<P, S> = { start: number; snapshot: S; outstanding: number; readings: Tracked<P, S>[] };
/** `sentAt` is undefined while the reading waits in the outbox. */
type Tracked<P, S> = TrackedReading<P> & { batch: Batch<P, S>; sentAt: number | undefined; sends: number };

/**
 * Bookkeeping of readings from their signing to their ack, interval by interval (a "batch" is one
 * interval's readings). New readings wait in an outbox; `take` hands out as many as keep at most
 * `window` readings published and unanswered, oldest first, and `requeueOverdue` puts back in front
 * those unanswered for too long. Acks settle readings by device and seq — or, when an ack carries no
 * seq, the device's oldest reading in flight (MQTT keeps a topic's messages in order). A batch is
 * committed once it and every earlier batch are settled; its snapshot (the meters' counters after
 * that interval) is then what a restarted simulator may continue from. Pure: the runner feeds it
 * times and messages.
 */
export function createAckTracker<P, S>() {
  const batches: Batch<P, S>[] = [];
  const unsettled = new Map<string, Tracked<P, S>>();
  const byDevice = new Map<string, Tracked<P, S>[]>();
  let outbox: Tracked<P, S>[] = [];
  let head = 0;
  let published = 0;
  const counts: AckCounts = {
    sent: 0,
    resent: 0,
    accepted: 0,
    duplicate: 0,
    rejected: 0,
    retryable: 0,
    rejectedByCode: {},
  };
  const keyOf = (device: string, seq: bigint) => `${device}:${seq}`;

  return {
    counts,

    /** Puts the readings of the interval starting at `start` in the outbox. */
    add(start: number, snapshot: S, readings: { device: string; seq: bigint; payload: P }[]): void {
      const batch: Batch<P, S> = { start, snapshot, outstanding: readings.length, readings: [] };
      for (const reading of readings) {
        const tracked: Tracked<P, S> = { ...reading, settled: false, batch, sentAt: undefined, sends: 0 };
        batch.readings.push(tracked);
        outbox.push(tracked);
        unsettled.set(keyOf(reading.device, reading.seq), tracked);
        const queue = byDevice.get(reading.device);
        if (queue) queue.push(tracked);
        else byDevice.set(reading.device, [tracked]);
      }
      batches.push(batch);
    },

    /** Readings to publish at `now`, keeping at most `window` published and unanswered. */
    take(now: number, window: number): TrackedReading<P>[] {
      const out: TrackedReading<P>[] = [];
      while (published < window && head < outbox.length) {
        const reading = outbox[head++] as Tracked<P, S>;
        if (reading.settled) continue;
        reading.sentAt = now;
        published++;
        if (reading.sends++ === 0) counts.sent++;
        else counts.resent++;
        out.push(reading);
      }
      // Taken from the front by index (called on every ack); compacted now and then.
      if (head > 1024 && head * 2 > outbox.length) {
        outbox = outbox.slice(head);
        head = 0;
      }
      return out;
    },

    /** Puts readings published at least `timeout` seconds before `now` and still unanswered back in front of the outbox. */
    requeueOverdue(now: number, timeout: number): number {
      const overdue: Tracked<P, S>[] = [];
      for (const batch of batches) {
        if (batch.outstanding === 0) continue;
        for (const reading of batch.readings) {
          if (reading.settled || reading.sentAt === undefined || now - reading.sentAt < timeout) continue;
          reading.sentAt = undefined;
          published--;
          overdue.push(reading);
        }
      }
      if (overdue.length > 0) {
        outbox = [...overdue, ...outbox.slice(head)];
        head = 0;
      }
      return overdue.length;
    },

    /**
     * Applies one ack result of `device`; false when it matches nothing in flight (a late ack of a
     * resend). A retryable refusal leaves the reading in flight, to be requeued once overdue.
     */
    settle(device: string, result: AckResult): boolean {
      const queue = byDevice.get(device);
      let tracked: Tracked<P, S> | undefined;
      if (result.seq !== undefined && /^[0-9]+$/.test(String(result.seq))) {
        tracked = unsettled.get(keyOf(device, BigInt(result.seq)));
      } else {
        tracked = queue?.find((r) => r.sentAt !== undefined);
      }
      if (!tracked || tracked.settled) return false;
      if (result.status === "rejected" && retryableCodes.has(result.code ?? "")) {
        counts.retryable++;
        return true;
      }
      tracked.settled = true;
      if (tracked.sentAt !== undefined) published--;
      unsettled.delete(keyOf(device, tracked.seq));
      if (queue) {
        const index = queue.indexOf(tracked);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0) byDevice.delete(device);
      }
      tracked.batch.outstanding--;
      if (result.status === "accepted") counts.accepted++;
      else if (result.status === "duplicate") counts.duplicate++;
      else {
        counts.rejected++;
        const code = result.code ?? "UNKNOWN";
        counts.rejectedByCode[code] = (counts.rejectedByCode[code] ?? 0) + 1;
        counts.lastRejection = { device, seq: tracked.seq.toString(), code, message: result.message ?? "" };
      }
      return true;
    },

    /** The newest batch such that it and all before it are settled, removed from the queue; else undefined. */
    commit(): { start: number; snapshot: S } | undefined {
      let committed: Batch<P, S> | undefined;
      while (batches[0] && batches[0].outstanding === 0) committed = batches.shift();
      return committed && { start: committed.start, snapshot: committed.snapshot };
    },

    /** Batches (intervals) not yet committed. */
    batchesInFlight(): number {
      return batches.length;
    },

    /** Readings not yet answered, published or waiting in the outbox. */
    pending(): number {
      return unsettled.size;
    },

    /** Readings published and not yet answered. */
    published(): number {
      return published;
    },
  };
}

/** The tracker `createAckTracker` makes. */
export type AckTracker<P, S> = ReturnType<typeof createAckTracker<P, S>>;

/** Reads an ack message's payload: `{"results":[…]}` (or a bare result); invalid entries are dropped. */
export function parseAckPayload(payload: Buffer | string): AckResult[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString());
  } catch {
    return [];
  }
  const results = (parsed as { results?: unknown })?.results ?? [parsed];
  if (!Array.isArray(results)) return [];
  return results.filter(
    (r): r is AckResult =>
      typeof r === "object" &&
      r !== null &&
      ["accepted", "duplicate", "rejected"].includes((r as { status?: unknown }).status as string),
  );
}
