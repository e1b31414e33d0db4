import { setTimeout as sleep } from "node:timers/promises";
import { answer, createNodeApi, type NodeApi } from "../cli/nodeApi.js";
import { BaseError } from "../core/errors.js";
import { type ReadingJson, readingToJson } from "../metering/readingFormat.js";
import { type AckCounts, createAckTracker, type TrackedReading } from "./ackTracker.js";
import { connectDevices } from "./deviceConnections.js";
import { stageIncidents } from "./incidents.js";
import { type DemoOwner, type NamedOwners, registerSimDevices } from "./registerSimDevices.js";
import { buildScenario, type SimSize } from "./scenario.js";
import { alignDown, defaultStart, dueAt, dueIntervals, type SimPace } from "./simClock.js";
import {
  addMissingMeters,
  createSimState,
  loadSimState,
  type MeterCounters,
  meterReading,
  type SimState,
  saveSimState,
} from "./simState.js";
import { simulateInterval } from "./simulateInterval.js";

/** What `runSimulator` needs. */
export type SimulatorOptions = {
  /** HTTP API of the node (device registration). */
  nodeUrl: string;
  /** The node's API token (registration is a write). */
  apiToken: string | undefined;
  /** MQTT broker the node reads readings from. */
  mqttUrl: string;
  /** JSON file keeping keys, counters and the simulated clock across restarts. */
  stateFile: string;
  /** Scenario size of a new state (default `small`); must match an existing state. */
  size?: SimSize;
  /** Simulated seconds per real second; never runs ahead of real time. */
  speed: number;
  /** Start of a new simulation (default 24 h ago); later than the saved clock, it skips ahead. */
  from?: Date;
  /** Stop after publishing the interval that ends at or before this instant. */
  until?: Date;
  /** Stop after publishing this many intervals. */
  intervals?: number;
  /** Interval length of a new state, seconds (default 900). */
  duration?: number;
  /** Seed of a new state (default 1); must match an existing state. */
  seed?: number;
  /** Stage the demo's incidents (see `stageIncidents`), so the alerts have something to show. */
  incidents?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: SimProgress) => void;
  /** One-line notes (registration, skipping ahead, connection trouble). */
  log?: (message: string) => void;
  /** Seconds after which unanswered readings are published again (default 15). */
  ackTimeout?: number;
  /** Intervals that may await acks at once (default 8). */
  maxIntervalsInFlight?: number;
  /**
   * Readings published and not yet answered at most (default 200): stays below the node's MQTT
   * ingest concurrency (256 messages), and paces a large fleet by the node's answers.
   */
  maxReadingsInFlight?: number;
  /** An account registered as the owner of some new devices (the demo's prosumer). */
  demoOwner?: DemoOwner | undefined;
  /** Accounts registered as the owners of named new devices (the demo market's prosumers). */
  namedOwners?: NamedOwners | undefined;
};

/** Where a simulation stands. */
export type SimProgress = Omit<AckCounts, "lastRejection"> & {
  /** End of the last interval published. */
  simulatedTime: Date;
  /** Intervals published in this run, and how many of them are fully answered. */
  intervalsSent: number;
  intervalsDone: number;
  devices: number;
  /** Readings signed and not yet answered (published, or waiting for room in the window). */
  pending: number;
  /** Answered readings per second over the last ~10 s. */
  readingsPerSecond: number;
  /** True once the simulation runs in real time. */
  caughtUp: boolean;
  lastRejection?: AckCounts["lastRejection"];
};

/** The outcome of `runSimulator`; `readingsPerSecond` is the run's average here. */
export type SimSummary = SimProgress & {
  stoppedBy: "aborted" | "until" | "intervals";
  /** Devices registered on the node by this run. */
  registered: number;
  stateFile: string;
};

const tickMs = 200;
const drainSeconds = { aborted: 2, done: 60 };

/**
 * Runs the demo simulator against a node: loads or creates its state file, registers its devices,
 * then publishes each interval's signed readings over MQTT (QoS 1) at `speed`× real time, capped at
 * real time, re-publishing what is not acknowledged within `ackTimeout`. The state file only ever
 * advances over fully answered intervals, so after a crash the same readings (same seq, same bytes)
 * are published again and the node answers `duplicate`. Resolves when aborted, or when `until` or
 * `intervals` is reached and the last readings are answered.
 */
export async function runSimulator(options: SimulatorOptions): Promise<SimSummary> {
  const { signal, log = () => {} } = options;
  if (!(options.speed > 0)) {
    throw new BaseError("SIM_INVALID_SPEED", `speed must be a positive number, got ${options.speed}`);
  }
  const nowS = () => Date.now() / 1000;
  const { state, created } = await openState(options, nowS());
  const scenario = buildScenario({ seed: state.seed, size: state.size });
  if (addMissingMeters(state, scenario) > 0 && !created) log("simulator: new devices added to the state");
  const duration = state.duration;
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    saving = saving.catch(() => {}).then(() => saveSimState(options.stateFile, state));
    return saving;
  };
  await save();

  const api = createNodeApi(options.nodeUrl.replace(/\/+$/, ""), async () => options.apiToken);
  let registered = 0;
  try {
    registered = await registerSimDevices(
      api,
      scenario,
      state,
      save,
      signal,
      log,
      options.demoOwner,
      options.namedOwners,
    );
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
  if (registered > 0) log(`simulator: registered ${registered} devices`);
  log(
    `simulator: ${scenario.devices.length} devices in ${[...new Set(scenario.devices.map((d) => d.province.code))].join(", ")}, ` +
      `from ${new Date(state.next * 1000).toISOString()} at ${options.speed}× real time`,
  );

  const devices = scenario.devices;
  const meters = devices.map((d) => state.meters.get(d.name)!);
  const hexOf = meters.map((m) => m.key.deviceId.slice(2));
  const tracker = createAckTracker<ReadingJson, MeterCounters[]>();
  let working = meters.map((m) => ({ ...m.counters }));
  let next = state.next;
  const pace: SimPace = { originReal: nowS(), originSim: next, speed: options.speed, lagSeconds: 1 };
  const untilS = options.until ? options.until.getTime() / 1000 : Number.POSITIVE_INFINITY;
  let intervalsSent = 0;
  let intervalsDone = 0;
  const rate: { t: number; answered: number }[] = [];

  const progress = (): SimProgress => {
    const { lastRejection, ...counts } = tracker.counts;
    const answered = counts.accepted + counts.duplicate + counts.rejected;
    const now = nowS();
    rate.push({ t: now, answered });
    while (rate.length > 2 && now - (rate[0]?.t ?? now) > 10) rate.shift();
    const first = rate[0] ?? { t: now, answered };
    return {
      ...counts,
      rejectedByCode: { ...counts.rejectedByCode },
      simulatedTime: new Date(next * 1000),
      intervalsSent,
      intervalsDone,
      devices: devices.length,
      pending: tracker.pending(),
      readingsPerSecond: now > first.t ? (answered - first.answered) / (now - first.t) : 0,
      caughtUp: next + duration > now - pace.lagSeconds,
      ...(lastRejection ? { lastRejection } : {}),
    };
  };
  const startedAt = nowS();
  const finish = async (stoppedBy: SimSummary["stoppedBy"]): Promise<SimSummary> => {
    await save();
    const { accepted, duplicate, rejected } = tracker.counts;
    const elapsed = nowS() - startedAt;
    const summary = {
      ...progress(),
      // The whole run's average, where progress reports the last seconds.
      readingsPerSecond: elapsed > 0 ? (accepted + duplicate + rejected) / elapsed : 0,
      stoppedBy,
      registered,
      stateFile: options.stateFile,
    };
    options.onProgress?.(summary);
    return summary;
  };
  if (signal?.aborted) return finish("aborted");

  const ackPublicKey = await ackKeyOf(api);
  let flush = () => {};
  const connections = await connectDevices({
    url: options.mqttUrl,
    keys: meters.map((m) => m.key),
    ackPublicKey,
    onResults: (device, results) => {
      for (const result of results) tracker.settle(device, result);
      flush();
    },
    log,
  });
  const publish = (device: string, readings: ReadingJson[]) => {
    connections.publish(device, JSON.stringify(readings.length === 1 ? readings[0] : readings));
  };
  const publishGrouped = (readings: TrackedReading<ReadingJson>[]) => {
    const byDevice = new Map<string, ReadingJson[]>();
    for (const r of readings) {
      const list = byDevice.get(r.device);
      if (list) list.push(r.payload);
      else byDevice.set(r.device, [r.payload]);
    }
    for (const [device, list] of byDevice) publish(device, list);
  };
  const readingWindow = options.maxReadingsInFlight ?? 200;
  const ackTimeout = options.ackTimeout ?? 15;
  flush = () => publishGrouped(tracker.take(nowS(), readingWindow));
  const commit = () => {
    let committed = tracker.commit();
    while (committed) {
      for (const [i, meter] of meters.entries()) meter.counters = committed.snapshot[i] as MeterCounters;
      state.next = committed.start + duration;
      intervalsDone = intervalsSent - tracker.batchesInFlight();
      committed = tracker.commit();
    }
  };

  const maxInFlight = options.maxIntervalsInFlight ?? 8;
  let stoppedBy: SimSummary["stoppedBy"] | undefined;
  let lastSave = nowS();
  let lastProgress = 0;
  try {
    while (true) {
      const now = nowS();
      if (signal?.aborted) stoppedBy = "aborted";
      else if (options.intervals !== undefined && intervalsSent >= options.intervals) stoppedBy = "intervals";
      else if (next + duration > untilS) stoppedBy = "until";
      if (stoppedBy) break;

      const room = maxInFlight - tracker.batchesInFlight();
      const wanted = Math.min(
        room,
        dueIntervals(next, duration, pace, now),
        options.intervals === undefined ? Number.POSITIVE_INFINITY : options.intervals - intervalsSent,
        Math.floor((untilS - next) / duration),
      );
      for (let k = 0; k < wanted; k++) {
        const honest = simulateInterval(scenario, next, duration);
        const energies = options.incidents ? stageIncidents(scenario, honest, next) : honest;
        const readings = devices.map((device, i) => {
          const { reading, next: counters } = meterReading(meters[i]!, working[i]!, energies[i]!, {
            start: next,
            duration,
            commodity: device.commodity,
          });
          working[i] = counters;
          return { device: hexOf[i]!, seq: reading.seq, payload: readingToJson(reading) };
        });
        tracker.add(next, working, readings);
        working = [...working];
        next += duration;
        intervalsSent++;
      }
      tracker.requeueOverdue(now, ackTimeout);
      flush();
      commit();
      if (now - lastSave >= 2) {
        lastSave = now;
        await save();
      }
      if (options.onProgress && now - lastProgress >= 0.25) {
        lastProgress = now;
        options.onProgress(progress());
      }
      // With the window full, acks are what we wait for; else the next interval's due time.
      const blocked = tracker.batchesInFlight() >= maxInFlight;
      const dueIn = (dueAt(next, duration, pace) - nowS()) * 1000;
      await sleep(blocked ? 50 : Math.max(10, Math.min(tickMs, dueIn)), undefined, { signal }).catch(
        () => {},
      );
    }
    // Wait for the last answers, publishing again what stays unanswered, so the state ends up current.
    let deadline = nowS() + (stoppedBy === "aborted" ? drainSeconds.aborted : drainSeconds.done);
    while (tracker.pending() > 0 && nowS() < deadline) {
      if (signal?.aborted) deadline = Math.min(deadline, nowS() + drainSeconds.aborted);
      tracker.requeueOverdue(nowS(), ackTimeout);
      flush();
      commit();
      await sleep(50);
    }
    commit();
    if (tracker.pending() > 0) log(`simulator: ${tracker.pending()} readings still unanswered at stop`);
    return await finish(stoppedBy);
  } finally {
    await connections.end();
  }
}

async function openState(
  options: SimulatorOptions,
  now: number,
): Promise<{ state: SimState; created: boolean }> {
  const existing = await loadSimState(options.stateFile);
  if (!existing) {
    const duration = options.duration ?? 900;
    const seed = options.seed ?? 1;
    const size = options.size ?? "small";
    const next = options.from
      ? alignDown(options.from.getTime() / 1000, duration)
      : defaultStart(now, duration);
    return { state: createSimState(buildScenario({ seed, size }), { size, duration, next }), created: true };
  }
  const mismatch = (what: string, saved: unknown, given: unknown) =>
    new BaseError(
      "SIM_STATE_MISMATCH",
      `${options.stateFile} simulates ${what} ${JSON.stringify(saved)}, not ${JSON.stringify(given)}; use another state file to change it`,
      { details: { [what]: saved, given } },
    );
  if (options.seed !== undefined && options.seed !== existing.seed)
    throw mismatch("seed", existing.seed, options.seed);
  if (options.size !== undefined && JSON.stringify(options.size) !== JSON.stringify(existing.size)) {
    throw mismatch("size", existing.size, options.size);
  }
  if (options.duration !== undefined && options.duration !== existing.duration) {
    throw mismatch("duration", existing.duration, options.duration);
  }
  // A later --from skips ahead (registers simply continue); an earlier one cannot rewind meters.
  if (options.from) {
    const from = alignDown(options.from.getTime() / 1000, existing.duration);
    if (from > existing.next) existing.next = from;
  }
  return { state: existing, created: false };
}

/** The node's ack public key (`GET /v1/mqtt`), with which the simulator checks every ack. */
async function ackKeyOf(api: NodeApi): Promise<Uint8Array> {
  const info = await api.client.GET("/v1/mqtt").then(answer, (cause: unknown) => {
    throw new BaseError("SIM_MQTT_INFO_MISSING", "the node does not answer GET /v1/mqtt (its ack key)", {
      cause,
    });
  });
  if (!/^[0-9a-f]{64}$/.test(info?.ackPublicKey ?? "")) {
    throw new BaseError("SIM_MQTT_INFO_MISSING", "GET /v1/mqtt gave no Ed25519 ack public key");
  }
  return new Uint8Array(Buffer.from(info.ackPublicKey!, "hex"));
}
