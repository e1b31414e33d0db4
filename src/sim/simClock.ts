/**
 * Simulated time: local calendar of the provinces, interval alignment, and the pacing rule of the
 * runner. All times are Unix seconds.
 */

/** China Standard Time (UTC+8), the legal time of all three provinces. */
export const chinaUtcOffsetSeconds = 8 * 3600;

/** A moment as a local clock and calendar show it. */
export type LocalTime = {
  /** Days since 1970-01-01 in local time. */
  dayIndex: number;
  /** 1 on 1 January. */
  dayOfYear: number;
  /** Fractional hour of the local day, 0 ≤ hour < 24. */
  hour: number;
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
  weekend: boolean;
};

/** Breaks a Unix time down into local calendar fields (UTC+8 unless told otherwise). */
export function localTime(t: number, offsetSeconds = chinaUtcOffsetSeconds): LocalTime {
  const local = t + offsetSeconds;
  const dayIndex = Math.floor(local / 86_400);
  const hour = (local - dayIndex * 86_400) / 3600;
  const weekday = (((dayIndex + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const year = new Date(dayIndex * 86_400_000).getUTCFullYear();
  const dayOfYear = dayIndex - Date.UTC(year, 0, 1) / 86_400_000 + 1;
  return { dayIndex, dayOfYear, hour, weekday, weekend: weekday === 0 || weekday === 6 };
}

/** The start of the interval of length `duration` that contains `t` (intervals align to the epoch). */
export function alignDown(t: number, duration: number): number {
  return Math.floor(t / duration) * duration;
}

/** Where a new simulation starts by default: 24 hours before `now`, aligned to the interval. */
export function defaultStart(now: number, duration: number): number {
  return alignDown(now - 86_400, duration);
}

/**
 * How simulated time advances: from `originSim` at real time `originReal`, `speed` simulated seconds
 * per real second — but an interval is only due once it has also closed in real time, `lagSeconds`
 * ago (a node refuses readings from the future), so a simulator that caught up runs in real time.
 */
export type SimPace = { originReal: number; originSim: number; speed: number; lagSeconds: number };

/** The simulated time `pace` has reached at real time `now`, before the real-time cap. */
export function simulatedNow(pace: SimPace, now: number): number {
  return pace.originSim + (now - pace.originReal) * pace.speed;
}

/** The latest instant an interval may end at to be published at real time `now`. */
export function publishLimit(pace: SimPace, now: number): number {
  return Math.min(simulatedNow(pace, now), now - pace.lagSeconds);
}

/** How many consecutive intervals from `next` on are due at real time `now`. */
export function dueIntervals(next: number, duration: number, pace: SimPace, now: number): number {
  return Math.max(0, Math.floor((publishLimit(pace, now) - next) / duration));
}

/** The real time at which the interval starting at `next` becomes due. */
export function dueAt(next: number, duration: number, pace: SimPace): number {
  const end = next + duration;
  return Math.max(pace.originReal + (end - pace.originSim) / pace.speed, end + pace.lagSeconds);
}
